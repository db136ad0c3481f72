"""Reads for incentives: programs with their rules, earning lines, statements with their
totals, and the facts the rules need. Partner people see their own organisation's rows only;
every list does its own joins, so callers cannot create N+1 queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Prefetch,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from ecosystem.tenancy.models import Membership

from . import incentives_rules as rules
from .models import (
    Earning,
    EarningKind,
    IncentiveProgram,
    IncentiveRule,
    ProgramKind,
    Statement,
    StatementStatus,
)

ZERO = Decimal("0.00")
TOTAL = DecimalField(max_digits=16, decimal_places=2)


def _sum(expression: str):
    return Coalesce(Sum(expression), Value(ZERO), output_field=TOTAL)


def programs(*, tenant) -> QuerySet[IncentiveProgram]:
    """Every program of the tenant, with its rules and their tiers."""
    return IncentiveProgram.objects.for_tenant(tenant).prefetch_related(
        Prefetch(
            "rules",
            queryset=IncentiveRule.objects.for_tenant(tenant).select_related("tier"),
        )
    )


def program_rules(*, tenant, program: IncentiveProgram) -> QuerySet[IncentiveRule]:
    return IncentiveRule.objects.for_tenant(tenant).filter(program=program).select_related("tier")


def active_programs(*, tenant, currency: str, on: date) -> list[tuple[IncentiveProgram, list]]:
    """(program, rules) pairs that may pay on a deal in `currency` closed `on` (two queries)."""
    found = (
        programs(tenant=tenant)
        .filter(is_active=True, currency=currency, start_date__lte=on)
        .exclude(end_date__lt=on)
        .order_by("kind", "id")
    )
    return [(program, list(program.rules.all())) for program in found]


def period_facts(*, tenant, partner_id: int, currency: str, period_start: date):
    """What the partner already earned in the quarter: revenue counted per rebate program,
    and the SPIFF rules already paid (net of clawbacks)."""
    lines = Earning.objects.for_tenant(tenant).filter(
        partner_id=partner_id, currency=currency, period_start=period_start
    )
    revenue = {
        row["program_id"]: row["base"]
        for row in lines.filter(program__kind=ProgramKind.REBATE)
        .values("program_id")
        .annotate(base=_sum("base_amount"))
        .order_by()
    }
    paid = {
        row["rule_id"]
        for row in lines.filter(program__kind=ProgramKind.SPIFF)
        .values("rule_id")
        .annotate(net=_sum("amount"))
        .order_by()
        if row["net"] > 0
    }
    return rules.PeriodFacts(revenue_by_program=revenue, paid_spiff_rule_ids=frozenset(paid))


def _own(queryset, membership: Membership | None):
    if membership is not None and membership.is_partner_member:
        return queryset.filter(partner_id=membership.partner_organisation_id)
    return queryset


def earnings(*, tenant, membership: Membership | None = None, filters=None) -> QuerySet[Earning]:
    """Earning lines, newest first; a partner member's own organisation's only."""
    queryset = _own(Earning.objects.for_tenant(tenant), membership).select_related(
        "partner", "program", "deal", "statement"
    )
    filters = filters or {}
    if filters.get("partner"):
        queryset = queryset.filter(partner_id=filters["partner"])
    if filters.get("statement"):
        queryset = queryset.filter(statement_id=filters["statement"])
    if filters.get("deal"):
        queryset = queryset.filter(deal_id=filters["deal"])
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    return queryset.order_by("-created_at", "-id")


def deal_earnings(*, tenant, deal_id: int) -> list[Earning]:
    """Every line of one deal, oldest first (the deal page's calculator shows them)."""
    return list(
        Earning.objects.for_tenant(tenant)
        .filter(deal_id=deal_id)
        .select_related("program")
        .order_by("created_at", "id")
    )


def live_earnings(*, tenant, deal_id: int) -> list[Earning]:
    """A deal's earning lines with `clawed_back` (the negative sum of their clawbacks)."""
    clawed = Coalesce(Sum("clawbacks__amount"), Value(ZERO), output_field=TOTAL)
    return list(
        Earning.objects.for_tenant(tenant)
        .filter(deal_id=deal_id, kind=EarningKind.EARNING)
        .annotate(clawed_back=clawed)
        .order_by("id")
    )


def left_of(line: Earning) -> Decimal:
    """What is left of an earning line from live_earnings after its clawbacks."""
    return line.amount + line.clawed_back  # type: ignore[attr-defined]


def statements(*, tenant, membership: Membership | None = None, filters=None):
    """Statements with their `total` (sum of their lines) and `line_count`, newest period
    first; a partner member's own organisation's only."""
    queryset = (
        _own(Statement.objects.for_tenant(tenant), membership)
        .select_related("partner", "approved_by", "payout_batch")
        .annotate(total=_sum("lines__amount"))
    )
    filters = filters or {}
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("partner"):
        queryset = queryset.filter(partner_id=filters["partner"])
    if filters.get("period_start"):
        queryset = queryset.filter(period_start=filters["period_start"])
    return queryset.order_by("-period_start", "partner__name", "currency", "id")


def statement_lines(*, tenant, statement: Statement) -> QuerySet[Earning]:
    return (
        Earning.objects.for_tenant(tenant)
        .filter(statement=statement)
        .select_related("program", "deal", "reverses")
        .order_by("created_at", "id")
    )


def statement_counts(*, tenant, membership: Membership | None = None) -> dict[str, int]:
    """{status: how many statements} (one query)."""
    counts = dict.fromkeys(StatementStatus.values, 0)
    for row in (
        _own(Statement.objects.for_tenant(tenant), membership)
        .values("status")
        .annotate(count=Count("id"))
        .order_by()
    ):
        counts[row["status"]] = row["count"]
    return counts


def has_earnings(*, tenant, partner_id: int) -> bool:
    return Earning.objects.for_tenant(tenant).filter(partner_id=partner_id).exists()


def has_program_earnings(*, tenant, program: IncentiveProgram) -> bool:
    return Earning.objects.for_tenant(tenant).filter(program=program).exists()
