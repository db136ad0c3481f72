"""Role checks, declared once per view or viewset.

Portal views:   @requires("partners.manage")   (function views)
                class MyView(CapabilityRequiredMixin, View): capability = "…"
API viewsets:   permission_classes = [IsTenantMember, HasCapability]
                required_capabilities = {"list": "partners.view", "create": "partners.manage"}
An action missing from `required_capabilities` is denied (fail closed).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from rest_framework.permissions import BasePermission

from ecosystem.tenancy.roles import has_capability


def membership_of(request):
    membership = getattr(request, "membership", None)
    tenant = getattr(request, "tenant", None)
    if membership is None or tenant is None or membership.tenant_id != tenant.pk:
        return None
    return membership


def _forbidden(request, reason: str):
    return render(request, "portal/forbidden.html", {"reason": reason}, status=403)


def check_capability(request, capability: str):
    """None when allowed; otherwise the response to send (sign-in redirect or 403 page)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    membership = membership_of(request)
    if membership is None:
        return _forbidden(request, "no_membership")
    if not has_capability(membership.role, capability):
        return _forbidden(request, "role")
    return None


def requires(capability: str):
    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            refusal = check_capability(request, capability)
            if refusal is not None:
                return refusal
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorate


class CapabilityRequiredMixin:
    capability: str = ""

    def dispatch(self, request, *args, **kwargs):
        refusal = check_capability(request, self.capability)
        if refusal is not None:
            return refusal
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class IsTenantMember(BasePermission):
    """Authenticated, on a tenant host, with an active membership of that tenant."""

    message = "You are not a member of this program."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and membership_of(request))


class HasCapability(BasePermission):
    """Looks up `required_capabilities` by "action:method" (e.g. "members:post"), then by
    action. A value is one capability or a tuple of which any suffices."""

    message = "Your role does not allow this action."

    def has_permission(self, request, view) -> bool:
        membership = membership_of(request)
        required = getattr(view, "required_capabilities", {})
        action = getattr(view, "action", None) or request.method.lower()
        capability = required.get(f"{action}:{request.method.lower()}", required.get(action))
        if membership is None or capability is None:
            return False
        capabilities = (capability,) if isinstance(capability, str) else capability
        return any(has_capability(membership.role, name) for name in capabilities)
