from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponseNotFound
from django.shortcuts import redirect
from django.urls import reverse

from .context import RequestInfo, request_scope, tenant_scope
from .models import Membership
from .resolution import PLATFORM, resolve_host

# Paths served on any host: health checks come from load balancers by IP.
HOST_INDEPENDENT_PREFIXES = ("/healthz", settings.STATIC_URL)


def client_ip(request) -> str | None:
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        info = RequestInfo(
            ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:500]
        )
        with request_scope(info):
            return self.get_response(request)


class TenantMiddleware:
    """Sets `request.tenant` from the host; the base domain gets the platform's URLs;
    an unknown host gets 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        if request.path.startswith(HOST_INDEPENDENT_PREFIXES):
            return self.get_response(request)
        resolved = resolve_host(
            request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
        )
        if resolved is None:
            return HttpResponseNotFound(
                b"Unknown host: no partner program is served at this address.",
                content_type="text/plain",
            )
        if resolved is PLATFORM:
            request.urlconf = settings.PLATFORM_URLCONF
            return self.get_response(request)
        request.tenant = resolved
        with tenant_scope(resolved):
            return self.get_response(request)


SESSION_TENANT_KEY = "tenant_id"
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/theme.css", "/branding/logo")


class MembershipMiddleware:
    """Sets `request.membership`; binds a session to its tenant; enforces the tenant's
    MFA requirement for staff."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        tenant = request.tenant
        user = request.user
        if tenant is not None and user.is_authenticated:
            bound = request.session.setdefault(SESSION_TENANT_KEY, tenant.pk)
            if bound != tenant.pk:
                logout(request)
                return redirect(reverse("account_login"))
            request.membership = (
                Membership.objects.for_tenant(tenant)
                .select_related("partner_organisation")
                .filter(user=user, is_active=True)
                .first()
            )
            if self._needs_mfa(request):
                return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _needs_mfa(request) -> bool:
        membership = request.membership
        if (
            membership is None
            or not membership.is_staff_member
            or not request.tenant.requires_mfa_for_staff
            or request.path.startswith(MFA_EXEMPT_PREFIXES)
        ):
            return False
        from allauth.mfa.models import Authenticator

        return not Authenticator.objects.filter(
            user=request.user, type=Authenticator.Type.TOTP
        ).exists()
