"""Reads of the tier program's configuration, and its rules in plain words."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Prefetch, Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .metrics import Unit, get_metric
from .models import Comparator, PartnerOrganisation, Tier, TierProgram, TierRequirement


def requirements_of(*, tenant):
    return TierRequirement.objects.for_tenant(tenant).order_by("tier__rank", "id")


def tiers_with_requirements(*, tenant, with_partner_counts: bool = False):
    """Tiers by rank with their requirements prefetched (two queries, whatever the count).
    With `with_partner_counts`, each tier carries `partner_count` (staff pages only)."""
    tiers = (
        Tier.objects.for_tenant(tenant)
        .prefetch_related(
            Prefetch(
                "requirements",
                queryset=TierRequirement.objects.for_tenant(tenant).order_by("id"),
            )
        )
        .order_by("rank")
    )
    if with_partner_counts:
        tiers = tiers.annotate(
            partner_count=Count("partners", filter=Q(partners__tenant=tenant), distinct=True)
        )
    return tiers


def tier_program(*, tenant) -> TierProgram:
    """The tenant's program settings; the defaults (unsaved) until someone changes them."""
    program = TierProgram.objects.for_tenant(tenant).first()
    return program or TierProgram(tenant=tenant)


def partners_at_tier(*, tenant, tier):
    return PartnerOrganisation.objects.for_tenant(tenant).filter(tier=tier)


def format_value(value: Decimal, unit: str) -> str:
    """A metric value as people read it: counts whole, money and scores with decimals only
    when they have them."""
    if unit == Unit.COUNT or value == value.to_integral_value():
        return number_format(value.quantize(Decimal(1)), decimal_pos=0, force_grouping=True)
    return number_format(value, decimal_pos=2, force_grouping=True)


def window_text(requirement) -> str:
    days = requirement.window_days
    if days is None:
        return _("all time")
    if days % 365 == 0:
        years = days // 365
        return ngettext("last %(count)d year", "last %(count)d years", years) % {"count": years}
    return ngettext("last %(count)d day", "last %(count)d days", days) % {"count": days}


def metric_label(code: str) -> str:
    metric = get_metric(code)
    return (
        metric.label if metric is not None else _("%(code)s (no longer offered)") % {"code": code}
    )


def describe_requirement(requirement) -> str:
    """E.g. "People with portal access ≥ 3 (all time)". Takes a TierRequirement or the
    engine's RequirementRule (a draft's requirement)."""
    metric = get_metric(requirement.metric)
    label = metric_label(requirement.metric)
    unit = metric.unit if metric is not None else Unit.SCORE
    if requirement.parameter:
        label = f"{label} ({requirement.parameter})"
    return _("%(metric)s %(comparator)s %(threshold)s (%(window)s)") % {
        "metric": label,
        "comparator": Comparator(requirement.comparator).label,
        "threshold": format_value(requirement.threshold, unit),
        "window": window_text(requirement),
    }


def describe_mode(tier: Tier, requirement_count: int) -> str:
    if requirement_count == 0:
        return _("No requirements: every partner qualifies.")
    if tier.requirement_mode == "at_least" and tier.required_count:
        return ngettext(
            "At least %(count)d of these %(total)d must hold.",
            "At least %(count)d of these %(total)d must hold.",
            tier.required_count,
        ) % {"count": tier.required_count, "total": requirement_count}
    return ngettext("This requirement must hold.", "All of these must hold.", requirement_count)
