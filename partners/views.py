from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.errors import DomainError
from ecosystem.permissions import requires
from ecosystem.portal import actions
from ecosystem.portal.forms import add_domain_error
from ecosystem.tenancy import services as tenancy_services

from . import selectors, services
from .forms import InviteMemberForm, PartnerForm
from .models import PartnerStatus, PartnerType

MEMBERS_PER_PAGE = 50


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


@requires("partners.view_all")
def partner_list(request):
    partners = selectors.partner_list(
        tenant=request.tenant,
        membership=request.membership,
        search=_query_param(request, "q"),
        partner_type=_query_param(request, "type"),
        status=_query_param(request, "status"),
    )
    page = Paginator(partners, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/list.html",
        {"page": page, "types": PartnerType.choices, "statuses": PartnerStatus.choices},
    )


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


@requires("partners.view")
def partner_detail(request, pk):
    partner = _visible_partner(request, pk)
    return render(request, "partners/detail.html", _people_context(request, partner))


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
        tenant=request.tenant,
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
