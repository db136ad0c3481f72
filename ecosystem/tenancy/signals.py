from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import SESSION_TENANT_KEY


@receiver(user_logged_in)
def bind_session_to_tenant(sender, request, user, **kwargs):
    """A session belongs to the tenant it signed in on; one signed in elsewhere is bound on
    its first tenant request (MembershipMiddleware)."""
    tenant = getattr(request, "tenant", None) if request is not None else None
    if tenant is not None:
        request.session[SESSION_TENANT_KEY] = tenant.pk
