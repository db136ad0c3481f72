"""A fund's period: allocations in bulk by tier rule, accruals computed when the period
starts, and expiry of what was left unused when it ends. Each runs under the fund's row
lock, so it never overspends the fund and never runs twice."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealreg.metrics import sourced_won_by_partner
from ecosystem.audit.services import record
from ecosystem.dates import add_months, local_start, local_today
from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.outbox.services import emit
from ecosystem.scheduling.services import schedule
from ecosystem.tenancy.models import Membership
from partners.models import PartnerOrganisation, PartnerStatus, Tier

from . import selectors
from .ledger import CENT, credit, entry, ineligibility, money, require
from .models import (
    AccrualLine,
    AccrualOutcome,
    AccrualRun,
    Allocation,
    AllocationSource,
    EntryKind,
    Fund,
)

ACCRUAL_WORK = "mdf.fund_accrual"
EXPIRY_WORK = "mdf.fund_expiry"
#: Partners who can hold funds (applicants, suspended and offboarded partners cannot).
FUNDABLE_STATUSES = (PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE)


def schedule_fund_work(fund: Fund) -> None:
    """Expiry the day after the period ends; an accruing fund's accrual when it starts."""
    schedule(
        tenant=fund.tenant,
        kind=EXPIRY_WORK,
        key=str(fund.pk),
        due_at=local_start(fund.tenant, fund.end_date + timedelta(days=1)),
        payload={"fund_id": fund.pk},
    )
    if fund.accrues:
        schedule(
            tenant=fund.tenant,
            kind=ACCRUAL_WORK,
            key=str(fund.pk),
            due_at=max(local_start(fund.tenant, fund.start_date, hour=6), timezone.now()),
            payload={"fund_id": fund.pk},
        )


def _locked_fund(tenant, fund_id) -> Fund:
    fund = Fund.objects.for_tenant(tenant).select_for_update().filter(pk=fund_id).first()
    if fund is None:
        raise NotFound(_("No such fund."))
    return fund


def _fundable_partners(tenant, fund: Fund):
    partners = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(status__in=FUNDABLE_STATUSES)
        .select_related("tier")
        .order_by("name", "pk")
    )
    return [partner for partner in partners if not ineligibility(fund, partner)]


# --- bulk by tier rule ------------------------------------------------------------------------


@transaction.atomic
def allocate_by_tier(
    *, tenant, actor: Membership, fund_id: int, amounts: dict[Any, Any], note: str = ""
) -> list[Allocation]:
    """Bring every eligible partner's allocation in the fund up to its tier's amount ("Gold
    gets 20,000, Silver 5,000"). Running it again tops up only what is missing; all or
    nothing: when the fund cannot cover every top-up, nothing is allocated (409)."""
    require(actor, "mdf.manage_funds")
    fund = _locked_fund(tenant, fund_id)
    tiers = {tier.pk: tier for tier in Tier.objects.for_tenant(tenant)}
    rule: dict[int, Decimal] = {}
    errors: dict[str, list[str]] = {}
    for tier_id, amount in amounts.items():
        try:
            tier = tiers[int(tier_id)]
        except (KeyError, TypeError, ValueError):
            errors["amounts"] = [_("Give amounts for this program's tiers only.")]
            continue
        if amount in (None, "", 0, "0"):
            continue
        try:
            rule[tier.pk] = money(amount, f"amounts.{tier.pk}")
        except ValidationFailed as error:
            errors[f"amounts.{tier.pk}"] = [error.message]
    if errors:
        raise ValidationFailed(errors=errors)
    if not rule:
        raise ValidationFailed(_("Give an amount for at least one tier."), field="amounts")
    partners = [p for p in _fundable_partners(tenant, fund) if p.tier_id in rule]
    current = selectors.allocated_by_partner(fund)
    top_ups = [
        (partner, rule[partner.tier_id] - current.get(partner.pk, Decimal("0")))
        for partner in partners
    ]
    top_ups = [(partner, amount) for partner, amount in top_ups if amount > 0]
    needed = sum((amount for _partner, amount in top_ups), Decimal("0"))
    left = fund.amount - selectors.fund_allocated(fund)
    if needed > left:
        raise Conflict(
            _(
                "These amounts need %(needed)s %(currency)s for %(count)s partners; only "
                "%(left)s %(currency)s of the fund is left to allocate."
            )
            % {"needed": needed, "count": len(top_ups), "left": left, "currency": fund.currency},
            field="amounts",
        )
    note = note.strip() or _("Tier rule: %(rule)s") % {
        "rule": ", ".join(f"{tiers[pk].name} {amount}" for pk, amount in rule.items())
    }
    allocations = [
        credit(
            fund=fund,
            partner=partner,
            amount=amount,
            actor=actor,
            source=AllocationSource.TIER_RULE,
            note=note,
        )
        for partner, amount in top_ups
    ]
    record(
        tenant=tenant,
        actor=actor.user,
        action="mdf.allocated_by_tier",
        obj=fund,
        changes={
            "rule": {tiers[pk].name: str(a) for pk, a in rule.items()},
            "partners": len(allocations),
            "total": str(needed),
        },
    )
    return allocations


# --- accrual ----------------------------------------------------------------------------------


def basis_period(fund: Fund) -> tuple[date, date]:
    """The previous period of the same length: the previous quarter for a quarter, the
    previous year for a year, else as many days."""
    start, end = fund.start_date, fund.end_date
    after = end + timedelta(days=1)
    if start.day == 1 and after.day == 1:
        months = (after.year - start.year) * 12 + after.month - start.month
        return add_months(start, -months), start - timedelta(days=1)
    return start - (after - start), start - timedelta(days=1)


@transaction.atomic
def run_accrual(*, tenant, actor: Membership | None, fund_id: int) -> AccrualRun:
    """Allocate each eligible partner its tier's MDF accrual % of the revenue it sourced and
    won in the basis period (deals in the fund's currency), and keep how each amount was
    reached. Once per fund; when the fund runs short, later partners (smaller accruals
    last) get what is left and the report says so."""
    if actor is not None:
        require(actor, "mdf.manage_funds")
    fund = _locked_fund(tenant, fund_id)
    if not fund.accrues:
        raise Conflict(_("This fund does not accrue; allocate it by hand or by tier."))
    if AccrualRun.objects.for_tenant(tenant).filter(fund=fund).exists():
        raise Conflict(_("The accrual for this fund has already run."))
    basis_start, basis_end = basis_period(fund)
    run = AccrualRun.objects.create(
        tenant=tenant,
        fund=fund,
        basis_start=basis_start,
        basis_end=basis_end,
        ran_by=getattr(actor, "user", None),
    )
    won = sourced_won_by_partner(tenant=tenant, start=basis_start, end=basis_end)
    left = fund.amount - selectors.fund_allocated(fund)
    lines = []
    for partner in _fundable_partners(tenant, fund):
        percent = partner.tier.mdf_accrual_percent if partner.tier else Decimal("0")
        by_currency = won.get(partner.pk, {})
        revenue, deals = by_currency.get(fund.currency, (Decimal("0"), 0))
        others = sum(
            count for currency, (_t, count) in by_currency.items() if currency != fund.currency
        )
        earned = (revenue * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        lines.append(
            AccrualLine(
                tenant=tenant,
                run=run,
                partner=partner,
                tier_name=partner.tier.name if partner.tier else "",
                accrual_percent=percent,
                won_revenue=revenue,
                won_deals=deals,
                other_currency_deals=others,
                earned=earned,
                allocated=Decimal("0"),
                outcome=AccrualOutcome.NOTHING_EARNED,
            )
        )
    for line in sorted(lines, key=lambda line: (-line.earned, line.partner.name)):
        if line.earned <= 0:
            continue
        amount = min(line.earned, left)
        if amount <= 0:
            line.outcome = AccrualOutcome.FUND_EXHAUSTED
            continue
        line.allocation = credit(
            fund=fund,
            partner=line.partner,
            amount=amount,
            actor=actor,
            source=AllocationSource.ACCRUAL,
            note=_("Accrual: %(percent)s%% of %(revenue)s won")
            % {"percent": line.accrual_percent, "revenue": line.won_revenue},
        )
        line.allocated = amount
        line.outcome = AccrualOutcome.ALLOCATED if amount == line.earned else AccrualOutcome.CAPPED
        left -= amount
    AccrualLine.objects.bulk_create(lines)
    total = sum((line.allocated for line in lines), Decimal("0"))
    record(
        tenant=tenant,
        actor=getattr(actor, "user", None),
        action="mdf.accrual_ran",
        obj=fund,
        changes={
            "basis": f"{basis_start}..{basis_end}",
            "partners": len(lines),
            "allocated": str(total),
        },
    )
    emit(
        tenant=tenant,
        name="mdf.accrual_ran",
        obj=fund,
        payload={"fund_id": fund.pk, "run_id": run.pk, "allocated": str(total)},
    )
    return run


# --- expiry -----------------------------------------------------------------------------------


@transaction.atomic
def expire_fund(*, tenant, fund_id: int, today: date | None = None) -> Decimal:
    """After the period ends, what each allocation has not committed expires (an expiry
    entry each). Requests still waiting can no longer be approved; approved requests keep
    their commitment until claimed or lapsed. Idempotent; returns the amount expired."""
    fund = _locked_fund(tenant, fund_id)
    if fund.expired_at is not None or (today or local_today(tenant)) <= fund.end_date:
        return Decimal("0")
    allocations = {
        allocation.pk: allocation
        for allocation in Allocation.objects.for_tenant(tenant).filter(fund=fund)
    }
    expired = Decimal("0")
    for allocation_id, balance in selectors.balances(
        tenant=tenant, allocation_ids=list(allocations)
    ).items():
        if balance.remaining > 0:
            entry(
                fund=fund,
                kind=EntryKind.EXPIRY,
                amount=balance.remaining,
                actor=None,
                allocation=allocations[allocation_id],
                reason=_("Unused when the period ended on %(date)s.") % {"date": fund.end_date},
            )
            expired += balance.remaining
    fund.expired_at = timezone.now()
    fund.save(update_fields=["expired_at"])
    record(
        tenant=tenant,
        actor=None,
        action="mdf.fund_expired",
        obj=fund,
        changes={"expired": str(expired)},
    )
    emit(
        tenant=tenant,
        name="mdf.fund_expired",
        obj=fund,
        payload={"fund_id": fund.pk, "expired": str(expired)},
    )
    return expired
