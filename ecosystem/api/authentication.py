from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .services import token_for_key


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`; a token only works on its own tenant's host."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Malformed Authorization header: use “Bearer <token>”.")
        token = token_for_key(parts[1])
        tenant = getattr(request, "tenant", None)
        if token is None or tenant is None or token.tenant_id != tenant.pk:
            raise AuthenticationFailed("Invalid or revoked token for this program.")
        membership = token.membership
        if not membership.is_active or not membership.user.is_active:
            raise AuthenticationFailed("The token's member no longer has access.")
        request._request.membership = membership
        return membership.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword


class TenantSessionAuthentication(SessionAuthentication):
    """The portal's session (CSRF-checked), for pages that call the API."""
