"""API tokens: create (shown once), revoke, authenticate."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from ecosystem.audit.services import record
from ecosystem.errors import NotFound, ValidationFailed
from ecosystem.tenancy.models import hash_token

from .models import ApiToken

TOKEN_PREFIX = "eco_"  # noqa: S105 - a public marker, not a secret
LAST_USED_RESOLUTION_SECONDS = 60


@transaction.atomic
def create_token(*, tenant, actor, membership, name: str) -> tuple[ApiToken, str]:
    """Create a token for `membership`; returns it and the raw value, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Give the token a name, e.g. “CRM sync”.", field="name")
    if membership.tenant_id != tenant.pk:
        raise NotFound("No such member.")
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        tenant=tenant,
        membership=membership,
        name=name[:100],
        prefix=prefix,
        key_hash=hash_token(raw),
    )
    record(
        tenant=tenant, actor=actor, action="api_token.created", obj=token, changes={"name": name}
    )
    return token, raw


@transaction.atomic
def revoke_token(*, tenant, actor, token_id: int) -> ApiToken:
    """Revoke a token; members revoke their own, the selector decides which they can see."""
    token = ApiToken.objects.for_tenant(tenant).select_for_update().filter(pk=token_id).first()
    if token is None:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(tenant=tenant, actor=actor, action="api_token.revoked", obj=token)
    return token


def token_for_key(raw: str) -> ApiToken | None:
    """The active token with this raw value (any tenant; the caller checks the host's tenant)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.across_tenants()
        .select_related("membership__user", "membership__partner_organisation", "tenant")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
    ):
        # Written at most once a minute so busy integrations do not write on every call.
        ApiToken.objects.across_tenants().filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
