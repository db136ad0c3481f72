"""Writes to partner organisations: profile, lifecycle status, specialisations."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django_countries import countries

from ecosystem.audit.services import diff, record, snapshot
from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.outbox.services import emit
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import PARTNER_ROLES, STAFF_ROLES
from ecosystem.uploads import sanitise_logo

from .commitment_services import evaluate_commitments
from .models import (
    Industry,
    PartnerOrganisation,
    PartnerSpecialisation,
    PartnerStatus,
    PartnerStatusChange,
    Region,
    Specialisation,
    Tier,
)

PROFILE_FIELDS = [
    "description",
    "logo",
    "regions",
    "countries_served",
    "industries",
    "specialisations",
    "capacity",
    "primary_contact",
    "channel_manager",
    "is_listed",
    "listed_fields",
    "public_contact_email",
]
# `status_reason` travels with a status change (required when suspending or offboarding).
EDITABLE_FIELDS = [
    "name",
    "website",
    "partner_type",
    "country",
    "status",
    "status_reason",
    "tier",
    *PROFILE_FIELDS,
]
CREATE_FIELDS = ["name", "website", "partner_type", "country", "status", "tier"]
# What a partner's own admin may change; status, tier, type, channel manager and the
# specialisations the vendor recognises are the vendor's to decide.
PARTNER_EDITABLE_FIELDS = [
    "name",
    "website",
    "country",
    "description",
    "logo",
    "regions",
    "countries_served",
    "industries",
    "capacity",
    "primary_contact",
    "is_listed",
    "listed_fields",
    "public_contact_email",
]
# What a partner may choose to show in the public locator and the partner directory.
LISTABLE_FIELDS = [
    "description",
    "website",
    "logo",
    "regions",
    "countries_served",
    "industries",
    "specialisations",
    "tier",
    "public_contact_email",
]
# Moving a partner to these statuses must say why.
STATUSES_NEEDING_REASON = frozenset({PartnerStatus.SUSPENDED, PartnerStatus.OFFBOARDED})
# Compared for the audit entry of an update (plain values; files and sets are added apart).
AUDITED_FIELDS = [
    "name",
    "website",
    "partner_type",
    "country",
    "status",
    "tier",
    "description",
    "regions",
    "countries_served",
    "industries",
    "capacity",
    "primary_contact",
    "channel_manager",
    "is_listed",
    "listed_fields",
    "public_contact_email",
]


def _resolve_tier(tenant, tier):
    if tier is None or isinstance(tier, Tier):
        if tier is not None and tier.tenant_id != tenant.pk:
            raise ValidationFailed("Unknown tier.", field="tier")
        return tier
    found = Tier.objects.for_tenant(tenant).filter(pk=tier).first()
    if found is None:
        raise ValidationFailed("Unknown tier.", field="tier")
    return found


def _id_of(value) -> int | None:
    """A model instance or a raw id (from a form or the API) as an int id, or None."""
    if value is None or value == "":
        return None
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, bool):
        return -1
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a valid id: the caller reports it as unknown


def _codes(value, field: str, known: set[str], message: str) -> list[str]:
    """A list of codes from `known`, de-duplicated, in the order given."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple, set)):
        raise ValidationFailed("Give a list.", field=field)
    codes = [str(code) for code in value]
    unknown = sorted({code for code in codes if code not in known})
    if unknown:
        raise ValidationFailed(message % {"codes": ", ".join(unknown)[:200]}, field=field)
    return list(dict.fromkeys(codes))


def _resolve_primary_contact(tenant, partner, value):
    member_id = _id_of(value)
    if member_id is None:
        return None
    found = (
        Membership.objects.for_tenant(tenant)
        .filter(
            pk=member_id,
            partner_organisation=partner,
            is_active=True,
            role__in=sorted(PARTNER_ROLES),
        )
        .first()
    )
    if found is None:
        raise ValidationFailed(
            "Choose one of the organisation's active people.", field="primary_contact"
        )
    return found


def _resolve_channel_manager(tenant, value):
    member_id = _id_of(value)
    if member_id is None:
        return None
    found = (
        Membership.objects.for_tenant(tenant)
        .filter(pk=member_id, is_active=True, role__in=sorted(STAFF_ROLES))
        .first()
    )
    if found is None:
        raise ValidationFailed(
            "Choose an active member of the vendor's staff.", field="channel_manager"
        )
    return found


def _resolve_specialisations(tenant, value) -> list[Specialisation]:
    if value is None:
        return []
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        raise ValidationFailed("Give a list of specialisation ids.", field="specialisations")
    ids = {_id_of(item) for item in value} - {None}
    found = list(Specialisation.objects.for_tenant(tenant).filter(pk__in=ids))
    if len(found) != len(ids):
        raise ValidationFailed("Unknown specialisation.", field="specialisations")
    return found


def _clean_profile(tenant, partner: PartnerOrganisation, values: dict) -> dict:
    """Check and normalise the profile fields present in `values` (in place)."""
    if "regions" in values:
        values["regions"] = _codes(
            values["regions"], "regions", set(Region.values), "Unknown region: %(codes)s."
        )
    if "industries" in values:
        values["industries"] = _codes(
            values["industries"],
            "industries",
            set(Industry.values),
            "Unknown industry: %(codes)s.",
        )
    if "countries_served" in values:
        served = values["countries_served"]
        if isinstance(served, (list, tuple, set)):
            served = [str(code).upper() for code in served]
        values["countries_served"] = _codes(
            served, "countries_served", set(dict(countries)), "Unknown country code: %(codes)s."
        )
    if "listed_fields" in values:
        values["listed_fields"] = _codes(
            values["listed_fields"],
            "listed_fields",
            set(LISTABLE_FIELDS),
            "These cannot be shown publicly: %(codes)s.",
        )
    if "capacity" in values:
        capacity = values["capacity"]
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0:
            raise ValidationFailed("Enter a whole number, 0 or more.", field="capacity")
    if "is_listed" in values and not isinstance(values["is_listed"], bool):
        raise ValidationFailed("Give true or false.", field="is_listed")
    if "primary_contact" in values:
        values["primary_contact"] = _resolve_primary_contact(
            tenant, partner, values["primary_contact"]
        )
    if "channel_manager" in values:
        values["channel_manager"] = _resolve_channel_manager(tenant, values["channel_manager"])
    if "specialisations" in values:
        values["specialisations"] = _resolve_specialisations(tenant, values["specialisations"])
    if values.get("logo") is not None:
        try:
            values["logo"] = sanitise_logo(values["logo"])
        except DjangoValidationError as error:
            raise ValidationFailed(error.messages[0], field="logo") from error
    return values


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


def _set_specialisations(tenant, partner, specialisations: list[Specialisation]) -> bool:
    """Replace the partner's specialisations with exactly this set; True when it changed."""
    wanted = {item.pk for item in specialisations}
    links = PartnerSpecialisation.objects.for_tenant(tenant).filter(partner=partner)
    current = set(links.values_list("specialisation_id", flat=True))
    if wanted == current:
        return False
    links.exclude(specialisation_id__in=wanted).delete()
    PartnerSpecialisation.objects.bulk_create(
        [
            PartnerSpecialisation(tenant=tenant, partner=partner, specialisation_id=pk)
            for pk in sorted(wanted - current)
        ]
    )
    return True


def _actor_or_none(actor):
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def create_partner(*, tenant, actor, data: dict) -> PartnerOrganisation:
    """Create a partner organisation (staff). Its status history starts here."""
    unknown = set(data) - set(CREATE_FIELDS)
    if unknown:
        raise ValidationFailed(errors={field: ["Unknown field."] for field in sorted(unknown)})
    values = dict(data)
    values["tier"] = _resolve_tier(tenant, values.get("tier"))
    values.setdefault("status", PartnerStatus.ONBOARDING)
    partner = PartnerOrganisation(tenant=tenant, **values)
    _save(partner)
    PartnerStatusChange.objects.create(
        tenant=tenant,
        partner=partner,
        from_status="",
        to_status=partner.status,
        changed_by=_actor_or_none(actor),
    )
    record(
        tenant=tenant,
        actor=actor,
        action="partner.created",
        obj=partner,
        changes={field: getattr(partner, field) for field in CREATE_FIELDS},
    )
    emit(
        tenant=tenant,
        name="partner.created",
        obj=partner,
        payload={"partner_id": partner.pk, "status": partner.status},
    )
    if partner.tier_id is not None:
        _check_commitments(tenant, partner)
    return partner


def _apply_status_change(
    *, tenant, actor, partner: PartnerOrganisation, to_status: str, reason: str
) -> PartnerStatusChange:
    """The one rule for moving a partner between lifecycle statuses (the caller holds the
    row lock): a known status, an actual change, a reason when suspending or offboarding;
    then the history row, the audit entry and the event."""
    reason = (reason or "").strip()
    if to_status not in PartnerStatus.values:
        raise ValidationFailed("Choose one of the lifecycle statuses.", field="status")
    if to_status == partner.status:
        raise ValidationFailed("The partner already has this status.", field="status")
    if to_status in STATUSES_NEEDING_REASON and not reason:
        raise ValidationFailed(
            "Say why: a reason is required when suspending or offboarding a partner.",
            field="reason",
        )
    from_status = partner.status
    partner.status = to_status
    partner.save(update_fields=["status", "updated_at"])
    change = PartnerStatusChange.objects.create(
        tenant=tenant,
        partner=partner,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        changed_by=_actor_or_none(actor),
    )
    record(
        tenant=tenant,
        actor=actor,
        action="partner.status_changed",
        obj=partner,
        changes={"status": [from_status, to_status], "reason": reason},
    )
    emit(
        tenant=tenant,
        name="partner.status_changed",
        obj=partner,
        payload={"partner_id": partner.pk, "from": from_status, "to": to_status, "reason": reason},
    )
    return change


# Changing these changes what the vendor owes the partner, or whether it delivers it.
COMMITMENT_FIELDS = {"channel_manager", "tier", "status"}


def _check_commitments(tenant, partner: PartnerOrganisation) -> None:
    """Check the partner's tier commitments now, so its page is right after the save."""
    evaluate_commitments(tenant=tenant, partner_ids=[partner.pk])


def _locked_partner(tenant, partner_id) -> PartnerOrganisation:
    partner = (
        PartnerOrganisation.objects.for_tenant(tenant).select_for_update().filter(pk=partner_id)
    ).first()
    if partner is None:
        raise NotFound("No such partner.")
    return partner


@transaction.atomic
def change_partner_status(
    *, tenant, actor, partner_id: int, to_status: str, reason: str = ""
) -> PartnerOrganisation:
    """Move a partner between lifecycle statuses (staff), keeping who, when and why.

    A reason is required when suspending or offboarding (400 naming `reason`).
    """
    partner = _locked_partner(tenant, partner_id)
    _apply_status_change(
        tenant=tenant, actor=actor, partner=partner, to_status=to_status, reason=reason
    )
    _check_commitments(tenant, partner)
    return partner


@transaction.atomic
def update_partner(
    *, tenant, actor, partner_id: int, data: dict, as_partner: bool = False
) -> PartnerOrganisation:
    """Edit an organisation. With `as_partner`, only PARTNER_EDITABLE_FIELDS may change.

    A status change goes through the same rule as change_partner_status (`status_reason`
    carries its reason). Specialisations are replaced as a set; `logo=None` removes it.
    """
    partner = _locked_partner(tenant, partner_id)
    allowed = PARTNER_EDITABLE_FIELDS if as_partner else EDITABLE_FIELDS
    refused = sorted(set(data) - set(allowed))
    if refused:
        raise ValidationFailed(
            errors={
                field: [
                    "Only the vendor's staff can change this."
                    if field in EDITABLE_FIELDS
                    else "Unknown field."
                ]
                for field in refused
            }
        )
    values = _clean_profile(tenant, partner, dict(data))
    to_status = values.pop("status", partner.status)
    reason = values.pop("status_reason", "") or ""
    specialisations = values.pop("specialisations", None)
    before = snapshot(partner, AUDITED_FIELDS)
    old_logo = partner.logo.name if partner.logo else ""
    logo_changed = False
    if "logo" in values:
        logo = values.pop("logo")
        if logo is not None:
            partner.logo = logo
            logo_changed = True
        elif partner.logo:
            partner.logo = ""  # type: ignore[assignment]
            logo_changed = True
    for field, value in values.items():
        setattr(partner, field, _resolve_tier(tenant, value) if field == "tier" else value)
    _save(partner)
    if logo_changed and old_logo:
        storage = partner.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    if to_status != partner.status:
        _apply_status_change(
            tenant=tenant, actor=actor, partner=partner, to_status=to_status, reason=reason
        )
    changes: dict = diff(before, snapshot(partner, AUDITED_FIELDS))
    if specialisations is not None and _set_specialisations(tenant, partner, specialisations):
        changes["specialisations"] = sorted(item.name for item in specialisations)
    if logo_changed:
        changes["logo"] = "updated" if partner.logo else "removed"
    if changes:
        record(tenant=tenant, actor=actor, action="partner.updated", obj=partner, changes=changes)
        emit(
            tenant=tenant,
            name="partner.updated",
            obj=partner,
            payload={"partner_id": partner.pk, "fields": sorted(changes)},
        )
    if COMMITMENT_FIELDS & set(changes):
        _check_commitments(tenant, partner)
    return partner


# --- the specialisations catalogue ------------------------------------------------------------


def _save_specialisation(specialisation: Specialisation) -> None:
    specialisation.name = (specialisation.name or "").strip()
    try:
        specialisation.full_clean(exclude=["tenant"], validate_constraints=False)
    except DjangoValidationError as error:
        raise ValidationFailed(errors=error.message_dict) from error
    try:
        with transaction.atomic():
            specialisation.save()
    except IntegrityError as error:
        raise Conflict(
            f"A specialisation named “{specialisation.name}” already exists.", field="name"
        ) from error


@transaction.atomic
def create_specialisation(*, tenant, actor, name: str, description: str = "") -> Specialisation:
    """Add a competency the vendor recognises; names are unique per tenant."""
    specialisation = Specialisation(tenant=tenant, name=name, description=description or "")
    _save_specialisation(specialisation)
    record(
        tenant=tenant,
        actor=actor,
        action="specialisation.created",
        obj=specialisation,
        changes={"name": specialisation.name},
    )
    emit(
        tenant=tenant,
        name="specialisation.created",
        obj=specialisation,
        payload={"specialisation_id": specialisation.pk, "name": specialisation.name},
    )
    return specialisation


def _locked_specialisation(tenant, specialisation_id) -> Specialisation:
    found = (
        Specialisation.objects.for_tenant(tenant)
        .select_for_update()
        .filter(pk=specialisation_id)
        .first()
    )
    if found is None:
        raise NotFound("No such specialisation.")
    return found


@transaction.atomic
def rename_specialisation(
    *, tenant, actor, specialisation_id: int, name: str, description: str | None = None
) -> Specialisation:
    """Rename a specialisation (the partners that hold it keep it under the new name)."""
    specialisation = _locked_specialisation(tenant, specialisation_id)
    before = snapshot(specialisation, ["name", "description"])
    specialisation.name = name
    if description is not None:
        specialisation.description = description
    _save_specialisation(specialisation)
    changes = diff(before, snapshot(specialisation, ["name", "description"]))
    if changes:
        record(
            tenant=tenant,
            actor=actor,
            action="specialisation.updated",
            obj=specialisation,
            changes=changes,
        )
        emit(
            tenant=tenant,
            name="specialisation.updated",
            obj=specialisation,
            payload={"specialisation_id": specialisation.pk, "name": specialisation.name},
        )
    return specialisation


@transaction.atomic
def delete_specialisation(*, tenant, actor, specialisation_id: int) -> None:
    """Remove a specialisation from the catalogue and from every partner that held it."""
    specialisation = _locked_specialisation(tenant, specialisation_id)
    links = PartnerSpecialisation.objects.for_tenant(tenant).filter(specialisation=specialisation)
    record(
        tenant=tenant,
        actor=actor,
        action="specialisation.deleted",
        obj=specialisation,
        changes={"name": specialisation.name, "partners": links.count()},
    )
    emit(
        tenant=tenant,
        name="specialisation.deleted",
        obj=specialisation,
        payload={"specialisation_id": specialisation.pk, "name": specialisation.name},
    )
    links.delete()
    specialisation.delete()


def create_tier(*, tenant, actor, name: str, rank: int, description: str = "") -> Tier:
    """Kept for callers of the old signature; partners.tier_admin owns tier configuration."""
    from .tier_admin import create_tier as create_configured_tier

    return create_configured_tier(
        tenant=tenant, actor=actor, data={"name": name, "rank": rank, "description": description}
    )
