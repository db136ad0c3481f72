"""Writes to the tier program's configuration: tiers, their requirements, program settings.

Every write is one transaction that records an audit entry and emits `tier.rules_changed`,
which the tier engine (partners.tiers) listens to and re-evaluates partners. Inputs may come
from forms (already typed) or the API (strings): each value is coerced and checked here, so
bad input is a ValidationFailed naming its field, never a database error.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from ecosystem.audit.services import diff, record, snapshot
from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.outbox.services import emit

from .metrics import available_metrics, get_metric
from .models import (
    Comparator,
    PartnerOrganisation,
    RequirementMode,
    Tier,
    TierOverride,
    TierProgram,
    TierRequirement,
)

RULES_CHANGED = "tier.rules_changed"
TIER_FIELDS = [
    "name",
    "rank",
    "description",
    "discount_percent",
    "mdf_accrual_percent",
    "lead_priority_weight",
    "has_named_contact",
    "benefits_text",
    "requirement_mode",
    "required_count",
]
REQUIREMENT_FIELDS = ["metric", "comparator", "threshold", "window_days", "parameter"]
PROGRAM_FIELDS = ["grace_period_days", "next_review_on"]
MAX_RANK = 32767
MAX_WINDOW_DAYS = 3650
MAX_GRACE_PERIOD_DAYS = 730
MAX_THRESHOLD = Decimal("9999999999999999.99")  # 18 digits, 2 after the point
MAX_WEIGHT = Decimal("9999.99")


# --- Coercion: one helper per kind of value, each naming the field it checks -----------------


def _refuse_unknown(data: dict, allowed: list[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed(errors={field: [_("Unknown field.")] for field in unknown})


def _text(value: Any, *, field: str, max_length: int | None = None, required=False) -> str:
    text = "" if value is None else str(value).replace("\x00", "").strip()
    if required and not text:
        raise ValidationFailed(_("This field is required."), field=field)
    if max_length is not None and len(text) > max_length:
        raise ValidationFailed(
            _("Use at most %(count)d characters.") % {"count": max_length}, field=field
        )
    return text


def _integer(value: Any, *, field: str, minimum: int, maximum: int, allow_none=False) -> int | None:
    if value is None or value == "":
        if allow_none:
            return None
        raise ValidationFailed(_("This field is required."), field=field)
    if isinstance(value, bool):
        raise ValidationFailed(_("Enter a whole number."), field=field)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("Enter a whole number."), field=field) from None
    if not minimum <= number <= maximum:
        raise ValidationFailed(
            _("Enter a number from %(minimum)d to %(maximum)d.")
            % {"minimum": minimum, "maximum": maximum},
            field=field,
        )
    return number


def _decimal(value: Any, *, field: str, minimum: Decimal, maximum: Decimal) -> Decimal:
    if value is None or value == "" or isinstance(value, bool):
        raise ValidationFailed(_("Enter a number."), field=field)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Enter a number."), field=field) from None
    if not number.is_finite():
        raise ValidationFailed(_("Enter a number."), field=field)
    if not minimum <= number <= maximum:
        raise ValidationFailed(
            _("Enter a number from %(minimum)s to %(maximum)s.")
            % {"minimum": minimum, "maximum": maximum},
            field=field,
        )
    if number != number.quantize(Decimal("0.01")):
        raise ValidationFailed(_("Use at most 2 decimal places."), field=field)
    return number.quantize(Decimal("0.01"))


def _boolean(value: Any, *, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in {"true", "1", "yes", "on"}:
        return True
    if str(value).strip().lower() in {"false", "0", "no", "off", ""}:
        return False
    raise ValidationFailed(_("Enter true or false."), field=field)


def _choice(value: Any, *, field: str, choices) -> str:
    text = "" if value is None else str(value).strip()
    if text not in choices.values:
        raise ValidationFailed(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)},
            field=field,
        )
    return text


def _date(value: Any, *, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        parsed = parse_date(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(_("Enter a date as YYYY-MM-DD."), field=field)
    return parsed


# --- Tiers -----------------------------------------------------------------------------------


def _tier_for_update(tenant, tier_id) -> Tier:
    tier = Tier.objects.for_tenant(tenant).select_for_update().filter(pk=tier_id).first()
    if tier is None:
        raise NotFound(_("No such tier."))
    return tier


def _apply_tier_data(tier: Tier, data: dict) -> None:
    for field, value in data.items():
        if field == "name":
            tier.name = _text(value, field=field, max_length=80, required=True)
        elif field == "rank":
            tier.rank = _integer(value, field=field, minimum=0, maximum=MAX_RANK)  # type: ignore[assignment]
        elif field in ("description", "benefits_text"):
            setattr(tier, field, _text(value, field=field, max_length=5000))
        elif field in ("discount_percent", "mdf_accrual_percent"):
            setattr(
                tier, field, _decimal(value, field=field, minimum=Decimal(0), maximum=Decimal(100))
            )
        elif field == "lead_priority_weight":
            tier.lead_priority_weight = _decimal(
                value, field=field, minimum=Decimal(0), maximum=MAX_WEIGHT
            )
        elif field == "has_named_contact":
            tier.has_named_contact = _boolean(value, field=field)
        elif field == "requirement_mode":
            tier.requirement_mode = _choice(value, field=field, choices=RequirementMode)
        elif field == "required_count":
            tier.required_count = _integer(
                value, field=field, minimum=1, maximum=MAX_RANK, allow_none=True
            )


def _check_required_count(tier: Tier, requirement_count: int) -> None:
    """ "At least N" needs 1 ≤ N ≤ the number of requirements; "all" carries no N."""
    if tier.requirement_mode != RequirementMode.AT_LEAST:
        tier.required_count = None
        return
    if requirement_count == 0:
        raise ValidationFailed(
            _("Add requirements to this tier first; “at least N” needs some to count."),
            field="required_count",
        )
    if tier.required_count is None or not 1 <= tier.required_count <= requirement_count:
        raise ValidationFailed(
            _("Enter a number from 1 to %(count)d (the tier's requirements).")
            % {"count": requirement_count},
            field="required_count",
        )


def _check_unique(tenant, tier: Tier) -> None:
    others = Tier.objects.for_tenant(tenant).exclude(pk=tier.pk)
    if others.filter(name__iexact=tier.name).exists():
        raise Conflict(
            _("A tier named “%(name)s” already exists; choose another name.") % {"name": tier.name},
            field="name",
        )
    taken = others.filter(rank=tier.rank).first()
    if taken is not None:
        raise Conflict(
            _(
                "“%(name)s” already has rank %(rank)d; choose another rank or change that "
                "tier first."
            )
            % {"name": taken.name, "rank": tier.rank},
            field="rank",
        )


def _save_tier(tenant, tier: Tier) -> None:
    _check_unique(tenant, tier)
    try:
        with transaction.atomic():
            tier.save()
    except IntegrityError as error:  # a concurrent write took the name or rank
        field = "rank" if "rank" in str(error) else "name"
        raise Conflict(
            _("Another tier with this %(field)s was just saved; reload and try again.")
            % {"field": field},
            field=field,
        ) from error


def _rules_changed(tenant, *, obj, change: str, tier_id: int | None) -> None:
    emit(tenant=tenant, name=RULES_CHANGED, obj=obj, payload={"change": change, "tier_id": tier_id})


@transaction.atomic
def create_tier(*, tenant, actor, data: dict) -> Tier:
    """Add a level to the ladder. Names and ranks are unique per tenant (409 naming the
    field); a new tier has no requirements yet, so it starts in "all requirements" mode."""
    _refuse_unknown(data, TIER_FIELDS)
    for field in ("name", "rank"):
        if field not in data:
            raise ValidationFailed(_("This field is required."), field=field)
    tier = Tier(tenant=tenant)
    _apply_tier_data(tier, data)
    _check_required_count(tier, 0)
    _save_tier(tenant, tier)
    record(
        tenant=tenant,
        actor=actor,
        action="tier.created",
        obj=tier,
        changes=snapshot(tier, TIER_FIELDS),
    )
    _rules_changed(tenant, obj=tier, change="tier.created", tier_id=tier.pk)
    return tier


@transaction.atomic
def update_tier(*, tenant, actor, tier_id: int, data: dict) -> Tier:
    """Change a tier's name, rank, benefits or how many requirements must hold."""
    _refuse_unknown(data, TIER_FIELDS)
    tier = _tier_for_update(tenant, tier_id)
    before = snapshot(tier, TIER_FIELDS)
    _apply_tier_data(tier, data)
    if data.get("requirement_mode") == RequirementMode.ALL and "required_count" not in data:
        tier.required_count = None
    _check_required_count(
        tier, TierRequirement.objects.for_tenant(tenant).filter(tier=tier).count()
    )
    changes = diff(before, snapshot(tier, TIER_FIELDS))
    if not changes:
        return tier
    _save_tier(tenant, tier)
    record(tenant=tenant, actor=actor, action="tier.updated", obj=tier, changes=changes)
    _rules_changed(tenant, obj=tier, change="tier.updated", tier_id=tier.pk)
    return tier


@transaction.atomic
def delete_tier(*, tenant, actor, tier_id: int) -> None:
    """Remove a tier nobody holds. While partners are at it (or qualify for it, or an active
    override targets it) deleting would silently demote them, so it is refused (409)."""
    tier = _tier_for_update(tenant, tier_id)
    holders = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(Q(tier=tier) | Q(qualified_tier=tier))
        .count()
    )
    if holders:
        raise Conflict(
            _(
                "%(count)d partner(s) are at %(name)s. Move them to another tier (or change "
                "the requirements so they qualify elsewhere) before deleting it."
            )
            % {"count": holders, "name": tier.name}
        )
    overrides = (
        TierOverride.objects.for_tenant(tenant).filter(tier=tier, ended_at__isnull=True).count()
    )
    if overrides:
        raise Conflict(
            _(
                "%(count)d active override(s) set partners to %(name)s. End those overrides "
                "before deleting the tier."
            )
            % {"count": overrides, "name": tier.name}
        )
    record(
        tenant=tenant,
        actor=actor,
        action="tier.deleted",
        obj=tier,
        changes=snapshot(tier, ["name", "rank"]),
    )
    _rules_changed(tenant, obj=tier, change="tier.deleted", tier_id=tier.pk)
    tier.delete()


# --- Requirements ----------------------------------------------------------------------------


def _apply_requirement_data(requirement: TierRequirement, data: dict) -> None:
    for field, value in data.items():
        if field == "metric":
            code = _text(value, field=field, max_length=64, required=True)
            if get_metric(code) is None:
                offered = ", ".join(metric.code for metric in available_metrics())
                raise ValidationFailed(
                    _("Unknown metric. Choose one of: %(codes)s.") % {"codes": offered},
                    field=field,
                )
            requirement.metric = code
        elif field == "comparator":
            requirement.comparator = _choice(value, field=field, choices=Comparator)
        elif field == "threshold":
            requirement.threshold = _decimal(
                value, field=field, minimum=Decimal(0), maximum=MAX_THRESHOLD
            )
        elif field == "window_days":
            requirement.window_days = _integer(
                value, field=field, minimum=1, maximum=MAX_WINDOW_DAYS, allow_none=True
            )
        elif field == "parameter":
            requirement.parameter = _text(value, field=field, max_length=100)


def _check_requirement(requirement: TierRequirement) -> None:
    metric = get_metric(requirement.metric)
    if metric is None:  # an existing rule whose metric's app is gone: only a new metric helps
        raise ValidationFailed(_("Choose a metric that is offered."), field="metric")
    if requirement.window_days is not None and not metric.windowed:
        raise ValidationFailed(
            _("%(metric)s is not measured over a time window; leave the window empty.")
            % {"metric": metric.label},
            field="window_days",
        )
    if metric.parameter_label and not requirement.parameter:
        raise ValidationFailed(
            _("%(metric)s needs: %(parameter)s.")
            % {"metric": metric.label, "parameter": metric.parameter_label},
            field="parameter",
        )
    if not metric.parameter_label and requirement.parameter:
        raise ValidationFailed(
            _("%(metric)s takes no parameter; leave it empty.") % {"metric": metric.label},
            field="parameter",
        )


def _requirement_for_update(tenant, requirement_id) -> TierRequirement:
    requirement = (
        TierRequirement.objects.for_tenant(tenant)
        .select_for_update()
        .select_related("tier")
        .filter(pk=requirement_id)
        .first()
    )
    if requirement is None:
        raise NotFound(_("No such requirement."))
    return requirement


@transaction.atomic
def add_requirement(*, tenant, actor, tier_id: int, data: dict) -> TierRequirement:
    """Add `metric comparator threshold [over window]` to a tier."""
    _refuse_unknown(data, REQUIREMENT_FIELDS)
    tier = _tier_for_update(tenant, tier_id)
    for field in ("metric", "threshold"):
        if field not in data:
            raise ValidationFailed(_("This field is required."), field=field)
    requirement = TierRequirement(tenant=tenant, tier=tier, comparator=Comparator.GTE)
    _apply_requirement_data(requirement, data)
    _check_requirement(requirement)
    requirement.save()
    record(
        tenant=tenant,
        actor=actor,
        action="tier.requirement_added",
        obj=tier,
        changes={"requirement": requirement.pk, **snapshot(requirement, REQUIREMENT_FIELDS)},
    )
    _rules_changed(tenant, obj=tier, change="requirement.added", tier_id=tier.pk)
    return requirement


@transaction.atomic
def update_requirement(*, tenant, actor, requirement_id: int, data: dict) -> TierRequirement:
    """Change a requirement's metric, comparator, threshold, window or parameter."""
    _refuse_unknown(data, REQUIREMENT_FIELDS)
    requirement = _requirement_for_update(tenant, requirement_id)
    before = snapshot(requirement, REQUIREMENT_FIELDS)
    _apply_requirement_data(requirement, data)
    _check_requirement(requirement)
    changes = diff(before, snapshot(requirement, REQUIREMENT_FIELDS))
    if not changes:
        return requirement
    requirement.save()
    record(
        tenant=tenant,
        actor=actor,
        action="tier.requirement_updated",
        obj=requirement.tier,
        changes={"requirement": requirement.pk, **changes},
    )
    _rules_changed(
        tenant, obj=requirement.tier, change="requirement.updated", tier_id=requirement.tier_id
    )
    return requirement


@transaction.atomic
def remove_requirement(*, tenant, actor, requirement_id: int) -> None:
    """Drop a requirement. Refused (409) when the tier's "at least N" would exceed what is
    left: lower N or switch the tier to "all requirements" first."""
    requirement = _requirement_for_update(tenant, requirement_id)
    tier = Tier.objects.for_tenant(tenant).select_for_update().get(pk=requirement.tier_id)
    remaining = TierRequirement.objects.for_tenant(tenant).filter(tier=tier).count() - 1
    if tier.requirement_mode == RequirementMode.AT_LEAST and (tier.required_count or 0) > remaining:
        raise Conflict(
            _(
                "%(name)s needs at least %(count)d requirement(s) to hold; only %(remaining)d "
                "would be left. Lower that number or switch the tier to “all requirements” "
                "first."
            )
            % {"name": tier.name, "count": tier.required_count, "remaining": remaining},
            field="required_count",
        )
    record(
        tenant=tenant,
        actor=actor,
        action="tier.requirement_removed",
        obj=tier,
        changes={"requirement": requirement.pk, **snapshot(requirement, REQUIREMENT_FIELDS)},
    )
    _rules_changed(tenant, obj=tier, change="requirement.removed", tier_id=tier.pk)
    requirement.delete()


# --- Program settings ------------------------------------------------------------------------


@transaction.atomic
def update_program(*, tenant, actor, data: dict) -> TierProgram:
    """Set the grace period before a demotion (0–730 days) and the next review date (today
    or later, or none). With a review date, demotions wait for it instead."""
    _refuse_unknown(data, PROGRAM_FIELDS)
    program, _created = (
        TierProgram.objects.for_tenant(tenant).select_for_update().get_or_create(tenant=tenant)
    )
    before = snapshot(program, PROGRAM_FIELDS)
    if "grace_period_days" in data:
        program.grace_period_days = _integer(  # type: ignore[assignment]
            data["grace_period_days"],
            field="grace_period_days",
            minimum=0,
            maximum=MAX_GRACE_PERIOD_DAYS,
        )
    if "next_review_on" in data:
        review_on = _date(data["next_review_on"], field="next_review_on")
        if review_on is not None and review_on < timezone.localdate():
            raise ValidationFailed(
                _("Choose today or a later date, or leave it empty."), field="next_review_on"
            )
        program.next_review_on = review_on
    changes = diff(before, snapshot(program, PROGRAM_FIELDS))
    if not changes:
        return program
    program.save()
    record(tenant=tenant, actor=actor, action="tier.program_updated", obj=program, changes=changes)
    _rules_changed(tenant, obj=program, change="program.updated", tier_id=None)
    return program
