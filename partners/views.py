import csv

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_countries import countries

from ecosystem.errors import DomainError
from ecosystem.permissions import requires
from ecosystem.portal import actions
from ecosystem.portal.forms import add_domain_error
from ecosystem.tenancy import services as tenancy_services
from ecosystem.tenancy.roles import has_capability

from . import selectors, services, tiers
from .forms import (
    LISTED_FIELD_CHOICES,
    InviteMemberForm,
    PartnerForm,
    SpecialisationForm,
    StatusChangeForm,
)
from .metrics import sortable_metrics
from .models import Industry, PartnerStatus, PartnerType, Region

MEMBERS_PER_PAGE = 50


def _lazy(text):
    return gettext_lazy(text)


def _visible_partner(request, pk):
    """The organisation with this id if the member may see it; 404 otherwise (another
    tenant's or, for partner users, another partner's id)."""
    return get_object_or_404(
        selectors.partners_visible_to(tenant=request.tenant, membership=request.membership),
        pk=pk,
    )


def _query_param(request, name: str) -> str:
    # PostgreSQL refuses NUL characters in text: drop them rather than answer 500.
    return request.GET.get(name, "").replace("\x00", "").strip()[:200]


DIRECTORY_FILTERS = {
    # query parameter -> partners.selectors.partner_list argument
    "q": "search",
    "type": "partner_type",
    "status": "status",
    "tier": "tier",
    "country": "country",
    "manager": "channel_manager",
    "specialisation": "specialisation",
    "region": "region",
    "sort": "sort",
}
SORT_CHOICES = [
    ("name", _lazy("Name")),
    ("newest", _lazy("Newest first")),
    ("tier", _lazy("Tier, highest first")),
]


def _directory_filters(request) -> dict[str, str]:
    return {argument: _query_param(request, name) for name, argument in DIRECTORY_FILTERS.items()}


def _filter_options(tenant) -> dict:
    return {
        "types": PartnerType.choices,
        "statuses": PartnerStatus.choices,
        "regions": Region.choices,
        "countries": list(countries),
        "tiers": selectors.tiers(tenant=tenant),
        "specialisations": selectors.specialisations(tenant=tenant),
    }


def _sort_choices():
    """The fixed sorts, then one per metric that can sort (revenue…), highest first."""
    return [
        *SORT_CHOICES,
        *[
            (item.code, _("%(metric)s, last 12 months") % {"metric": item.label})
            for item in sortable_metrics()
        ],
    ]


@requires("partners.view_all")
def partner_list(request):
    filters = _directory_filters(request)
    partners = selectors.partner_list(
        tenant=request.tenant, membership=request.membership, **filters
    )
    page = Paginator(partners, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/list.html",
        {
            "page": page,
            **_filter_options(request.tenant),
            "managers": selectors.channel_manager_choices(tenant=request.tenant),
            "sorts": _sort_choices(),
            "sort_metric": selectors.sort_metric(filters["sort"]),
            "is_filtered": any(value for key, value in filters.items() if key != "sort"),
            "export_query": request.GET.urlencode(),
        },
    )


class _Echo:
    """A file-like object whose write returns the line: csv.writer into a stream."""

    def write(self, value):
        return value


def _safe_cell(value) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: neutralise them."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


EXPORT_COLUMNS = [
    _lazy("Name"),
    _lazy("Website"),
    _lazy("Type"),
    _lazy("Country"),
    _lazy("Status"),
    _lazy("Tier"),
    _lazy("Channel manager"),
    _lazy("Regions"),
    _lazy("Specialisations"),
    _lazy("Capacity"),
    _lazy("Active members"),
    _lazy("Specialisation count"),
    _lazy("Listed in locator"),
    _lazy("Created"),
]


def _export_lines(partners):
    writer = csv.writer(_Echo())
    yield writer.writerow([str(column) for column in EXPORT_COLUMNS])
    region_labels = dict(Region.choices)
    for partner in partners.iterator(chunk_size=500):
        manager = partner.channel_manager.user.email if partner.channel_manager else ""
        yield writer.writerow(
            [
                _safe_cell(value)
                for value in (
                    partner.name,
                    partner.website,
                    partner.get_partner_type_display(),
                    partner.country.code,
                    partner.get_status_display(),
                    partner.tier.name if partner.tier else "",
                    manager,
                    "; ".join(str(region_labels.get(code, code)) for code in partner.regions),
                    "; ".join(item.name for item in partner.specialisations.all()),
                    partner.capacity,
                    partner.member_count,
                    partner.specialisation_count,
                    _("yes") if partner.is_listed else _("no"),
                    partner.created_at.date().isoformat(),
                )
            ]
        )


@requires("partners.view_all")
def partner_export(request):
    """The directory as CSV, with the same filters as the page, streamed."""
    partners = selectors.partner_export_rows(
        tenant=request.tenant, membership=request.membership, filters=_directory_filters(request)
    )
    response = StreamingHttpResponse(_export_lines(partners), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="partners.csv"'
    return response


@requires("partners.edit_own")
def my_organisation(request):
    return redirect("partners:detail", pk=request.membership.partner_organisation_id)


@requires("partners.manage")
def partner_create(request):
    form = PartnerForm(request.POST if request.method == "POST" else None, tenant=request.tenant)
    if form.is_bound and form.is_valid():
        try:
            partner = services.create_partner(
                tenant=request.tenant, actor=request.user, data=form.service_data()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s was added. Invite its people below.") % {"name": partner.name},
            )
            return redirect("partners:detail", pk=partner.pk)
    return render(request, "partners/form.html", {"form": form, "partner": None})


def _people_context(request, partner, invite_form=None) -> dict:
    members = selectors.members_of(tenant=request.tenant, partner=partner)
    return {
        "partner": partner,
        "members": Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page")),
        "invitations": selectors.pending_invitations(tenant=request.tenant, partner=partner),
        "invite_form": invite_form or InviteMemberForm(),
    }


def _detail_context(request, partner, status_form=None) -> dict:
    tenant, membership = request.tenant, request.membership
    context = _people_context(request, partner)
    context.update(
        {
            "status_history": selectors.status_history(tenant=tenant, partner=partner),
            "region_labels": [
                label for code, label in Region.choices if code in (partner.regions or [])
            ],
            "industry_labels": [
                label for code, label in Industry.choices if code in (partner.industries or [])
            ],
            "listed_labels": [
                label for code, label in LISTED_FIELD_CHOICES if code in partner.listed_fields
            ],
            "tier_panel": tiers.progress_for(tenant=tenant, partner=partner),
        }
    )
    if has_capability(membership.role, "partners.view_all"):
        context["show_activity"] = True
        context["activity"] = selectors.recent_activity(tenant=tenant, partner=partner)
    if has_capability(membership.role, "partners.manage"):
        context["status_form"] = status_form or StatusChangeForm(initial={"status": partner.status})
    return context


def _page_partner(request, pk):
    return get_object_or_404(
        selectors.partner_page(tenant=request.tenant, membership=request.membership, pk=pk)
    )


@requires("partners.view")
def partner_detail(request, pk):
    partner = _page_partner(request, pk)
    return render(request, "partners/detail.html", _detail_context(request, partner))


@requires("partners.manage")
@require_POST
def partner_status_change(request, pk):
    partner = _visible_partner(request, pk)
    form = StatusChangeForm(request.POST)
    if form.is_valid():
        try:
            services.change_partner_status(
                tenant=request.tenant,
                actor=request.user,
                partner_id=partner.pk,
                to_status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Status changed."))
            return redirect(reverse("partners:detail", args=[partner.pk]) + "#status-history")
    partner = _page_partner(request, pk)
    return render(
        request, "partners/detail.html", _detail_context(request, partner, form), status=400
    )


@requires("partners.view")
def partner_logo(request, pk):
    """A partner's logo: for whoever may see the organisation, or anyone in the program
    when the partner lists its logo in the directory."""
    tenant, membership = request.tenant, request.membership
    partner = (
        selectors.partners_visible_to(tenant=tenant, membership=membership).filter(pk=pk).first()
        or selectors.listed_partners(tenant=tenant)
        .filter(selectors.json_list_contains("listed_fields", "logo"), pk=pk)
        .first()
    )
    if partner is None or not partner.logo:
        raise Http404
    return FileResponse(partner.logo.open("rb"), content_type="image/png")


def _people_response(request, partner, invite_form=None):
    """After an action on a partner's people: the refreshed people section for HTMX, the
    page with the form's errors, or back to the page (post/redirect/get)."""
    if request.htmx:
        context = _people_context(request, partner, invite_form)
        return render(request, "partners/_people.html", {**context, "is_partial": True})
    if invite_form is not None and invite_form.errors:
        return render(
            request, "partners/detail.html", _people_context(request, partner, invite_form)
        )
    return redirect(reverse("partners:detail", args=[partner.pk]) + "#people")


@requires("partners.edit")
def partner_edit(request, pk):
    partner = _visible_partner(request, pk)
    as_partner = request.membership.is_partner_member
    form = PartnerForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        tenant=request.tenant,
        partner=partner,
        as_partner=as_partner,
        initial=PartnerForm.initial_from(partner),
    )
    if form.is_bound and form.is_valid():
        try:
            services.update_partner(
                tenant=request.tenant,
                actor=request.user,
                partner_id=partner.pk,
                data=form.service_data(),
                as_partner=as_partner,
            )
        except DomainError as error:
            if error.field == "reason":
                error.field = "status_reason"
            add_domain_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("partners:detail", pk=partner.pk)
    return render(
        request,
        "partners/form.html",
        {"form": form, "partner": partner, "as_partner": as_partner},
    )


@requires("members.invite")
@require_POST
def member_invite(request, pk):
    partner = _visible_partner(request, pk)
    form = InviteMemberForm(request.POST)
    if form.is_valid():
        try:
            invitation = tenancy_services.invite_member(
                tenant=request.tenant,
                actor=request.user,
                actor_membership=request.membership,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                partner_organisation=partner,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. The link is valid for %(days)s days.")
                % {"email": invitation.email, "days": settings.INVITATION_VALID_DAYS},
            )
            return _people_response(request, partner)
    return _people_response(request, partner, invite_form=form)


@requires("members.manage")
@require_POST
def invitation_revoke(request, pk, invitation_pk):
    partner = _visible_partner(request, pk)
    invitation = get_object_or_404(
        selectors.invitations_of(tenant=request.tenant, partner=partner), pk=invitation_pk
    )
    actions.revoke_invitation(request, invitation)
    return _people_response(request, partner)


@requires("members.manage")
@require_POST
def member_deactivate(request, pk, membership_pk):
    partner = _visible_partner(request, pk)
    # Through the organisation's own members: another partner's or a staff membership is a
    # 404 here even though the service would accept any membership of the tenant.
    member = get_object_or_404(
        selectors.members_of(tenant=request.tenant, partner=partner), pk=membership_pk
    )
    actions.deactivate_member(request, member)
    return _people_response(request, partner)


# --- specialisations catalogue ------------------------------------------------------------------


def _specialisations_page(request, form=None, status=200):
    return render(
        request,
        "partners/specialisations.html",
        {
            "specialisations": selectors.specialisations_with_counts(tenant=request.tenant),
            "form": form or SpecialisationForm(),
        },
        status=status,
    )


@requires("partners.manage")
def specialisation_list(request):
    """The catalogue of specialisations; POST adds one."""
    if request.method != "POST":
        return _specialisations_page(request)
    form = SpecialisationForm(request.POST)
    if form.is_valid():
        try:
            specialisation = services.create_specialisation(
                tenant=request.tenant,
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": specialisation.name})
            return redirect("partners:specialisations")
    return _specialisations_page(request, form, status=400)


@requires("partners.manage")
@require_POST
def specialisation_rename(request, pk):
    specialisation = get_object_or_404(selectors.specialisations(tenant=request.tenant), pk=pk)
    form = SpecialisationForm(request.POST)
    if form.is_valid():
        try:
            services.rename_specialisation(
                tenant=request.tenant,
                actor=request.user,
                specialisation_id=specialisation.pk,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Enter a name of at most 100 characters."))
    return redirect("partners:specialisations")


@requires("partners.manage")
@require_POST
def specialisation_delete(request, pk):
    specialisation = get_object_or_404(selectors.specialisations(tenant=request.tenant), pk=pk)
    services.delete_specialisation(
        tenant=request.tenant, actor=request.user, specialisation_id=specialisation.pk
    )
    messages.success(request, _("%(name)s was deleted.") % {"name": specialisation.name})
    return redirect("partners:specialisations")


# --- partner-to-partner directory ---------------------------------------------------------------

LISTING_FILTERS = {
    "region": "region",
    "country": "country",
    "type": "partner_type",
    "specialisation": "specialisation",
    "tier": "tier",
}
LISTINGS_PER_PAGE = 24


def listing_filters(request) -> dict[str, str]:
    return {argument: _query_param(request, name) for name, argument in LISTING_FILTERS.items()}


def listing_context(request) -> dict:
    filters = listing_filters(request)
    partners = selectors.listed_partners(tenant=request.tenant, **filters)
    return {
        "page": Paginator(partners, LISTINGS_PER_PAGE).get_page(request.GET.get("page")),
        **_filter_options(request.tenant),
        "region_labels": dict(Region.choices),
        "industry_labels": dict(Industry.choices),
        "is_filtered": any(filters.values()),
    }


@requires("partners.view")
def partner_directory(request):
    """Listed, active partners of the program with their public fields, for any member:
    an ISV looking for an integrator to work with."""
    return render(request, "partners/directory.html", listing_context(request))
