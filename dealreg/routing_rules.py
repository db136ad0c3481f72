"""Routing rules: which partners may receive which leads (dealreg.routing applies them).
Every write is checked like the model's fields, limited to the tenant's own tiers and
specialisations, and audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ecosystem.audit.services import diff, record, snapshot
from ecosystem.errors import NotFound, ValidationFailed
from ecosystem.tenancy.models import Membership
from partners.models import PartnerType, Region, Specialisation, Tier

from .crm_cleaning import text_of
from .leads import refusal, require_lead_manager
from .models import RoutingRule

RULE_FIELDS = [
    "name",
    "priority",
    "is_active",
    "lead_countries",
    "interest_contains",
    "partner_countries",
    "partner_regions",
    "partner_types",
    "specialisation",
    "minimum_tier",
]


def _rule_values(tenant, data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(RULE_FIELDS))
    if unknown:
        raise ValidationFailed(errors={name: [_("Unknown field.")] for name in unknown})
    values = dict(data)
    errors: dict[str, str] = {}
    for name in ("lead_countries", "partner_countries"):
        if name in values:
            values[name] = sorted({str(code).upper() for code in values[name] or []})
    if "partner_regions" in values:
        regions = list(dict.fromkeys(values["partner_regions"] or []))
        if any(region not in Region.values for region in regions):
            errors["partner_regions"] = _("Choose regions from the list.")
        values["partner_regions"] = regions
    if "partner_types" in values:
        types = list(dict.fromkeys(values["partner_types"] or []))
        if any(kind not in PartnerType.values for kind in types):
            errors["partner_types"] = _("Choose partner types from the list.")
        values["partner_types"] = types
    for name, model in (("specialisation", Specialisation), ("minimum_tier", Tier)):
        if name not in values:
            continue
        if values[name] in (None, ""):
            values[name] = None
            continue
        wanted = getattr(values[name], "pk", values[name])
        found = model.objects.for_tenant(tenant).filter(pk=wanted).first()
        if found is None:
            errors[name] = _("Choose one of this program's own records.")
        values[name] = found
    if "interest_contains" in values:
        values["interest_contains"] = text_of(values["interest_contains"])
    if "name" in values:
        values["name"] = " ".join(text_of(values["name"]).split())
    if errors:
        raise refusal(errors)
    return values


def _save_rule(rule: RoutingRule) -> None:
    try:
        rule.full_clean(exclude=["tenant"])
    except ValidationError as error:
        raise ValidationFailed(errors=error.message_dict) from None
    rule.save()


@transaction.atomic
def create_rule(*, tenant, actor: Membership, data: Mapping[str, Any]) -> RoutingRule:
    """Add a routing rule (audited)."""
    require_lead_manager(actor)
    values = _rule_values(tenant, data)
    rule = RoutingRule(tenant=tenant, **values)
    _save_rule(rule)
    record(
        tenant=tenant,
        actor=actor.user,
        action="routing_rule.created",
        obj=rule,
        changes=snapshot(rule, list(values)),
    )
    return rule


@transaction.atomic
def update_rule(*, tenant, actor: Membership, rule_id: int, data: Mapping[str, Any]) -> RoutingRule:
    """Change a routing rule; it applies to leads routed from now on (audited)."""
    require_lead_manager(actor)
    rule = RoutingRule.objects.for_tenant(tenant).select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("No such routing rule."))
    values = _rule_values(tenant, data)
    before = snapshot(rule, list(values))
    for name, value in values.items():
        setattr(rule, name, value)
    _save_rule(rule)
    changes = diff(before, snapshot(rule, list(values)))
    if changes:
        record(
            tenant=tenant,
            actor=actor.user,
            action="routing_rule.updated",
            obj=rule,
            changes=changes,
        )
    return rule


@transaction.atomic
def delete_rule(*, tenant, actor: Membership, rule_id: int) -> None:
    """Remove a routing rule; offers it decided keep their stored breakdown."""
    require_lead_manager(actor)
    rule = RoutingRule.objects.for_tenant(tenant).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("No such routing rule."))
    record(
        tenant=tenant,
        actor=actor.user,
        action="routing_rule.deleted",
        obj=rule,
        changes={"name": rule.name},
    )
    rule.delete()
