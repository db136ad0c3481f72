"""The tier metric registry.

A metric is one small, self-contained, *set-based* function: given the tenant, the partner
ids to compute (None = every partner of the tenant), a window start (None = all time) and
an optional parameter, it returns {partner_id: Decimal} from ONE aggregate query. Partners
missing from the result have the value 0. Apps register their own metrics when they land:

    @metric("sourced_won_revenue", label=_("Sourced won revenue"), unit=Unit.MONEY)
    def sourced_won_revenue(*, tenant, partner_ids, since, parameter):
        ...

Until an app exists, its metrics are simply not registered, so not offered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

Values = dict[int, Decimal]
Compute = Callable[..., Values]


class Unit:
    COUNT = "count"
    MONEY = "money"
    SCORE = "score"
    DAYS = "days"


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    unit: str
    compute: Compute
    description: str = ""
    parameter_label: str = ""  # non-empty when the metric needs a parameter (e.g. course)
    windowed: bool = True  # False when a time window makes no sense for it
    # (tenant, since) -> an expression of the metric for each row of a PartnerOrganisation
    # queryset (a correlated subquery): lists can then sort by it in the database.
    per_partner: Callable[..., Any] | None = None

    def values(
        self,
        *,
        tenant,
        partner_ids: Iterable[int] | None = None,
        since: datetime | None = None,
        parameter: str = "",
    ) -> Values:
        ids = None if partner_ids is None else list(partner_ids)
        if ids == []:
            return {}
        return self.compute(tenant=tenant, partner_ids=ids, since=since, parameter=parameter)


_registry: dict[str, Metric] = {}


def metric(
    code: str,
    *,
    label,
    unit: str,
    description="",
    parameter_label="",
    windowed: bool = True,
    per_partner: Callable[..., Any] | None = None,
) -> Callable[[Compute], Compute]:
    def register(function: Compute) -> Compute:
        _registry[code] = Metric(
            code=code,
            label=str(label),
            unit=unit,
            compute=function,
            description=str(description),
            parameter_label=str(parameter_label),
            windowed=windowed,
            per_partner=per_partner,
        )
        return function

    return register


def get_metric(code: str) -> Metric | None:
    return _registry.get(code)


def available_metrics() -> list[Metric]:
    """Every registered metric, by label: what tier requirements can use."""
    return sorted(_registry.values(), key=lambda m: m.label)


def sortable_metrics() -> list[Metric]:
    """Metrics lists can sort partners by (those with a per-partner expression)."""
    return [m for m in available_metrics() if m.per_partner is not None]


def metric_choices() -> list[tuple[str, str]]:
    return [(m.code, m.label) for m in available_metrics()]


def unregister(code: str) -> None:
    _registry.pop(code, None)


# --- Metrics the partners app owns ---------------------------------------------------------


def _partner_scope(tenant, partner_ids):
    from .models import PartnerOrganisation

    partners = PartnerOrganisation.objects.for_tenant(tenant)
    return partners if partner_ids is None else partners.filter(pk__in=partner_ids)


@metric(
    "active_people",
    label=_("People with portal access"),
    unit=Unit.COUNT,
    description=_("Active members of the partner organisation in the portal."),
    windowed=False,
)
def active_people(*, tenant, partner_ids, since, parameter) -> Values:
    rows = (
        _partner_scope(tenant, partner_ids)
        .annotate(n=Count("memberships", filter=Q(memberships__is_active=True)))
        .values_list("pk", "n")
    )
    return {pk: Decimal(n) for pk, n in rows}


@metric(
    "specialisations",
    label=_("Recognised specialisations"),
    unit=Unit.COUNT,
    description=_("Specialisations the vendor recognises for the partner."),
    windowed=False,
)
def specialisations(*, tenant, partner_ids, since, parameter) -> Values:
    rows = (
        _partner_scope(tenant, partner_ids)
        .annotate(n=Count("partnerspecialisation"))
        .values_list("pk", "n")
    )
    return {pk: Decimal(n) for pk, n in rows}
