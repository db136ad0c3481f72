"""Portal shell: homes, tenant theme and logo, invitation acceptance."""

from allauth.account.utils import perform_login
from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from ecosystem.audit.selectors import audit_entries
from ecosystem.errors import DomainError
from ecosystem.permissions import requires
from ecosystem.tenancy import services as tenancy_services
from ecosystem.tenancy.models import Invitation
from partners import selectors as partner_selectors
from partners.models import PartnerStatus, PartnerType

from . import selectors


@requires("portal.use")
def home(request):
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
            "recent_partners": partner_selectors.partner_list(tenant=tenant, membership=membership)
            .order_by("-created_at")[:5],
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


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    password = forms.CharField(
        label=_("Choose a password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


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
            tenancy_services.accept_invitation(
                tenant=tenant,
                raw_token=token,
                user=user,
                full_name=form.cleaned_data["full_name"] if form else "",
                password=form.cleaned_data["password"] if form else "",
            )
        except DomainError as error:
            if form is not None and error.field in form.fields:
                form.add_error(error.field, error.message)
            elif form is not None and hasattr(error, "errors") and error.errors:
                for field, field_errors in error.errors.items():
                    for message in field_errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.error(request, error.message)
        else:
            messages.success(request, _("Welcome to %(name)s.") % {"name": tenant.name})
            if user is None:
                from ecosystem.tenancy.models import User

                new_user = User.objects.get(email__iexact=invitation.email)
                return perform_login(request, new_user, email_verification="none", redirect_url="/")
            return redirect("home")
    context.update(
        {
            "form": form,
            "has_account": user is None and selectors.account_exists(invitation.email),
        }
    )
    return render(request, "portal/invitation_accept.html", context)
