from .models import ApiToken


def tokens_of(*, tenant, membership):
    """A member's own tokens, newest first."""
    return ApiToken.objects.for_tenant(tenant).filter(membership=membership)
