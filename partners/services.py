"""Writes to partner organisations."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from ecosystem.audit.services import diff, record, snapshot
from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.outbox.services import emit

from .models import PartnerOrganisation, PartnerStatus, Tier

EDITABLE_FIELDS = ["name", "website", "partner_type", "country", "status", "tier"]
# What a partner's own admin may change; the rest is the vendor's to decide.
PARTNER_EDITABLE_FIELDS = ["name", "website", "country"]


def _resolve_tier(tenant, tier):
    if tier is None or isinstance(tier, Tier):
        if tier is not None and tier.tenant_id != tenant.pk:
            raise ValidationFailed("Unknown tier.", field="tier")
        return tier
    found = Tier.objects.for_tenant(tenant).filter(pk=tier).first()
    if found is None:
        raise ValidationFailed("Unknown tier.", field="tier")
    return found


def _save(partner: PartnerOrganisation) -> None:
    try:
        partner.full_clean(exclude=["tenant"])
    except DjangoValidationError as error:
        raise ValidationFailed(errors=error.message_dict) from error
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError as error:
        raise Conflict(f"A partner named “{partner.name}” already exists.", field="name") from error


@transaction.atomic
def create_partner(*, tenant, actor, data: dict) -> PartnerOrganisation:
    """Create a partner organisation (staff)."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(errors={field: ["Unknown field."] for field in sorted(unknown)})
    values = dict(data)
    values["tier"] = _resolve_tier(tenant, values.get("tier"))
    values.setdefault("status", PartnerStatus.ONBOARDING)
    partner = PartnerOrganisation(tenant=tenant, **values)
    _save(partner)
    record(
        tenant=tenant,
        actor=actor,
        action="partner.created",
        obj=partner,
        changes={field: getattr(partner, field) for field in EDITABLE_FIELDS},
    )
    emit(
        tenant=tenant,
        name="partner.created",
        obj=partner,
        payload={"partner_id": partner.pk, "status": partner.status},
    )
    return partner


@transaction.atomic
def update_partner(
    *, tenant, actor, partner_id: int, data: dict, as_partner: bool = False
) -> PartnerOrganisation:
    """Edit an organisation. With `as_partner`, only PARTNER_EDITABLE_FIELDS may change."""
    partner = (
        PartnerOrganisation.objects.for_tenant(tenant).select_for_update().filter(pk=partner_id)
    ).first()
    if partner is None:
        raise NotFound("No such partner.")
    allowed = PARTNER_EDITABLE_FIELDS if as_partner else EDITABLE_FIELDS
    refused = sorted(set(data) - set(allowed))
    if refused:
        raise ValidationFailed(
            errors={field: ["Only the vendor's staff can change this."] for field in refused}
        )
    before = snapshot(partner, EDITABLE_FIELDS)
    for field, value in data.items():
        setattr(partner, field, _resolve_tier(tenant, value) if field == "tier" else value)
    _save(partner)
    changes = diff(before, snapshot(partner, EDITABLE_FIELDS))
    if changes:
        record(tenant=tenant, actor=actor, action="partner.updated", obj=partner, changes=changes)
        if "status" in changes:
            emit(
                tenant=tenant,
                name="partner.status_changed",
                obj=partner,
                payload={"partner_id": partner.pk, "from": before["status"], "to": partner.status},
            )
    return partner


@transaction.atomic
def create_tier(*, tenant, actor, name: str, rank: int, description: str = "") -> Tier:
    """Add a level to the tenant's program ladder; names and ranks are unique per tenant."""
    tier = Tier(tenant=tenant, name=(name or "").strip(), rank=rank, description=description)
    try:
        tier.full_clean(exclude=["tenant"], validate_constraints=False)
    except DjangoValidationError as error:
        raise ValidationFailed(errors=error.message_dict) from error
    try:
        with transaction.atomic():
            tier.save()
    except IntegrityError as error:
        raise Conflict("A tier with this name or rank already exists.", field="name") from error
    record(
        tenant=tenant,
        actor=actor,
        action="tier.created",
        obj=tier,
        changes={"name": tier.name, "rank": tier.rank},
    )
    return tier
