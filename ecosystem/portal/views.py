"""Portal shell: homes, tenant theme and logo, invitation acceptance; the team, settings,
audit log and API token pages."""

from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from ecosystem.api import selectors as api_selectors
from ecosystem.api import services as api_services
from ecosystem.audit.selectors import audit_actions, audit_entries
from ecosystem.errors import DomainError
from ecosystem.permissions import membership_of, requires
from ecosystem.tenancy import services as tenancy_services
from ecosystem.tenancy.guests import landing_for
from ecosystem.tenancy.models import Invitation
from partners import selectors as partner_selectors
from partners import tiers
from partners.models import PartnerStatus, PartnerType

from . import actions, labels, selectors
from .forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    AuditFilterForm,
    BrandingForm,
    InviteStaffForm,
    SecurityForm,
    add_domain_error,
)

TEAM_PER_PAGE = 50
AUDIT_PER_PAGE = 50
TOKENS_PER_PAGE = 25


def home(request):
    """The portal's start page; a signed-in guest (an applicant) goes to their own page."""
    if request.user.is_authenticated and membership_of(request) is None:
        guest_page = landing_for(request.tenant, request.user)
        if guest_page:
            return redirect(guest_page)
    return _member_home(request)


@requires("portal.use")
def _member_home(request):
    tenant, membership = request.tenant, request.membership
    if membership.is_partner_member:
        partner = membership.partner_organisation
        return render(
            request,
            "portal/home_partner.html",
            {
                "partner": partner,
                "members": partner_selectors.members_of(tenant=tenant, partner=partner),
                "invitations": partner_selectors.pending_invitations(
                    tenant=tenant, partner=partner
                ),
                "tier_panel": tiers.progress_for(tenant=tenant, partner=partner),
            },
        )
    counts = partner_selectors.partner_counts(tenant=tenant)
    return render(
        request,
        "portal/home_staff.html",
        {
            "counts": counts,
            "status_bars": selectors.bars(counts["by_status"], PartnerStatus.choices),
            "type_bars": selectors.bars(counts["by_type"], PartnerType.choices),
            "recent_partners": partner_selectors.partner_list(
                tenant=tenant, membership=membership
            ).order_by("-created_at")[:5],
            "invitations": partner_selectors.pending_invitations(tenant=tenant)[:8],
            "staff": selectors.staff_members(tenant=tenant)[:8],
            "activity": audit_entries(tenant=tenant)[:8],
        },
    )


@require_GET
@cache_control(max_age=300)
def theme_css(request):
    """The tenant's colours as CSS custom properties (no inline styles: strict CSP)."""
    tenant = request.tenant
    if tenant is None:
        raise Http404
    css = (
        ":root{"
        f"--brand-primary:{tenant.primary_colour};"
        f"--brand-accent:{tenant.accent_colour};"
        f"--brand-on-primary:{selectors.readable_text_colour(tenant.primary_colour)};"
        "}"
    )
    return HttpResponse(css, content_type="text/css")


@require_GET
@cache_control(max_age=300)
def tenant_logo(request):
    tenant = request.tenant
    if tenant is None or not tenant.logo:
        raise Http404
    return FileResponse(tenant.logo.open("rb"))


def accept_invitation(request, token):
    tenant = request.tenant
    invitation = tenancy_services.invitation_for_token(tenant=tenant, raw_token=token)
    if invitation is None:
        raise Http404
    status = invitation.status
    context = {"invitation": invitation, "status": status}
    if status != Invitation.Status.PENDING:
        return render(request, "portal/invitation_closed.html", context, status=410)
    user = request.user if request.user.is_authenticated else None
    form = AcceptInvitationForm(request.POST or None) if user is None else None
    if request.method == "POST" and (user is not None or form.is_valid()):
        try:
            membership = tenancy_services.accept_invitation(
                tenant=tenant,
                raw_token=token,
                user=user,
                full_name=form.cleaned_data["full_name"] if form else "",
                password=form.cleaned_data["password"] if form else "",
            )
        except DomainError as error:
            if form is not None:
                add_domain_error(form, error)
            else:
                messages.error(request, error.message)
        else:
            messages.success(request, _("Welcome to %(name)s.") % {"name": tenant.name})
            if user is None:
                return perform_login(
                    request, membership.user, email_verification="none", redirect_url="/"
                )
            return redirect("home")
    context.update(
        {
            "form": form,
            "has_account": user is None and selectors.account_exists(invitation.email),
        }
    )
    return render(request, "portal/invitation_accept.html", context)


# --- Team ---------------------------------------------------------------------------------


def _team_context(request, invite_form=None) -> dict:
    tenant = request.tenant
    return {
        "members": Paginator(selectors.team_members(tenant=tenant), TEAM_PER_PAGE).get_page(
            request.GET.get("page")
        ),
        "invitations": selectors.pending_staff_invitations(tenant=tenant),
        "invite_form": invite_form or InviteStaffForm(),
        "invitation_valid_days": settings.INVITATION_VALID_DAYS,
    }


@requires("staff.view")
def team(request):
    return render(request, "portal/team.html", _team_context(request))


@requires("staff.manage")
@require_POST
def team_invite(request):
    form = InviteStaffForm(request.POST)
    if form.is_valid():
        try:
            invitation = tenancy_services.invite_member(
                tenant=request.tenant,
                actor=request.user,
                actor_membership=request.membership,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, gettext("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("team")
    return render(request, "portal/team.html", _team_context(request, form))


@requires("staff.manage")
@require_POST
def team_invitation_revoke(request, pk):
    invitation = get_object_or_404(selectors.staff_invitations(tenant=request.tenant), pk=pk)
    actions.revoke_invitation(request, invitation)
    return redirect("team")


@requires("staff.manage")
@require_POST
def team_member_deactivate(request, pk):
    member = get_object_or_404(selectors.team_members(tenant=request.tenant), pk=pk)
    actions.deactivate_member(request, member)
    return redirect("team")


# --- Settings -----------------------------------------------------------------------------


@requires("branding.manage")
def settings_index(request):
    return redirect("settings_branding")


def _contrast_message(contrast: dict) -> str:
    return gettext(
        "Text on your primary colour has a contrast of %(ratio)s:1; WCAG AA asks for at "
        "least 4.5:1. Choose a darker or lighter primary colour so buttons and the top bar "
        "stay readable."
    ) % {"ratio": contrast["ratio"]}


@requires("branding.manage")
def settings_branding(request):
    tenant = request.tenant
    form = BrandingForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={
            "name": tenant.name,
            "primary_colour": tenant.primary_colour,
            "accent_colour": tenant.accent_colour,
        },
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            tenancy_services.update_branding(
                tenant=tenant,
                actor=request.user,
                name=data["name"],
                primary_colour=data["primary_colour"],
                accent_colour=data["accent_colour"],
                logo=data["logo"],
                remove_logo=data["remove_logo"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, gettext("Branding saved."))
            contrast = selectors.text_contrast_on(tenant.primary_colour)
            if not contrast["passes"]:
                messages.warning(request, _contrast_message(contrast))
            return redirect("settings_branding")
    shown_primary = (form.cleaned_data.get("primary_colour") if form.is_bound else None) or (
        tenant.primary_colour
    )
    contrast = selectors.text_contrast_on(shown_primary)
    return render(
        request,
        "portal/settings/branding.html",
        {
            "form": form,
            "contrast": contrast,
            "contrast_message": _contrast_message(contrast),
            "section": "branding",
        },
    )


@requires("security.manage")
def settings_security(request):
    tenant = request.tenant
    form = SecurityForm(
        request.POST if request.method == "POST" else None,
        initial={"requires_mfa_for_staff": tenant.requires_mfa_for_staff},
    )
    if form.is_bound and form.is_valid():
        required = form.cleaned_data["requires_mfa_for_staff"]
        try:
            tenancy_services.update_security(
                tenant=tenant, actor=request.user, requires_mfa_for_staff=required
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                gettext("Staff now need two-factor authentication to use the portal.")
                if required
                else gettext("Two-factor authentication is now optional for staff."),
            )
            return redirect("settings_security")
    return render(
        request,
        "portal/settings/security.html",
        {
            "form": form,
            "has_authenticator": selectors.has_authenticator_app(request.user),
            "section": "security",
        },
    )


# --- Audit log ----------------------------------------------------------------------------


@requires("audit.view")
def audit_log(request):
    tenant = request.tenant
    form = AuditFilterForm(
        request.GET or None,
        action_choices=labels.action_choices(audit_actions(tenant=tenant)),
    )
    filters = form.filters() if form.is_bound else {"action": "", "actor_email": ""}
    page = Paginator(audit_entries(tenant=tenant, **filters), AUDIT_PER_PAGE).get_page(
        request.GET.get("page")
    )
    # Entries record a partner by id; one query names every partner on the page.
    partner_ids = [
        entry.changes.get("partner") for entry in page if isinstance(entry.changes, dict)
    ]
    return render(
        request,
        "portal/audit_log.html",
        {
            "form": form,
            "page": page,
            "references": {
                "partner": partner_selectors.partner_names(tenant=tenant, ids=partner_ids)
            },
            "is_filtered": any(filters.values()),
            "time_zone": selectors.tenant_zone(tenant),
        },
    )


# --- API tokens ---------------------------------------------------------------------------


@requires("tokens.manage_own")
def api_tokens(request):
    tenant, membership = request.tenant, request.membership
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    new_token = raw_token = None
    if form.is_bound and form.is_valid():
        try:
            new_token, raw_token = api_services.create_token(
                tenant=tenant,
                actor=request.user,
                membership=membership,
                name=form.cleaned_data["name"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            form = ApiTokenForm()
    tokens = api_selectors.tokens_of(tenant=tenant, membership=membership)
    response = render(
        request,
        "portal/api_tokens.html",
        {
            "form": form,
            "page": Paginator(tokens, TOKENS_PER_PAGE).get_page(request.GET.get("page")),
            "new_token": new_token,
            "raw_token": raw_token,
            "time_zone": selectors.tenant_zone(tenant),
        },
    )
    if raw_token:
        # The only time the value exists outside the client: keep it out of every cache.
        add_never_cache_headers(response)
    return response


@requires("tokens.manage_own")
@require_POST
def api_token_revoke(request, pk):
    # Through the member's own tokens: someone else's token id is a 404.
    token = get_object_or_404(
        api_selectors.tokens_of(tenant=request.tenant, membership=request.membership), pk=pk
    )
    if not token.is_active:
        messages.info(request, gettext("That token was already revoked."))
        return redirect("api_tokens")
    try:
        api_services.revoke_token(tenant=request.tenant, actor=request.user, token_id=token.pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            gettext("Token “%(name)s” revoked: anything using it is refused from now on.")
            % {"name": token.name},
        )
    return redirect("api_tokens")
