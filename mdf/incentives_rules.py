"""The incentive arithmetic, and nothing else: no queries, no writes.

Given a deal's facts, the partner's tier and what the partner already earned in the quarter,
`calculate` returns the earning lines the programs' rules produce, each with its trace.
The `deal.won` listener and the earnings calculator both call it, so they cannot disagree.

The rules, as partners read them:
- Rebate: P% of won revenue. With a quarterly threshold T and an accelerator A%, revenue
  won in the quarter beyond T earns A% instead of P%.
- Referral fee: P% of the won amount, or a fixed amount, per won deal registered as a
  referral.
- SPIFF: a fixed bonus once per quarter, for the first won deal of the quarter, or the
  first won deal of the quarter that includes a named product.
A program pays only on deals in its own currency, closed within its dates. Of a rebate or
referral program's rules the one for the partner's tier applies, else the one for any tier.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0.00")

REBATE, REFERRAL_FEE, SPIFF = "rebate", "referral_fee", "spiff"
FIRST_DEAL_IN_PERIOD, FIRST_DEAL_WITH_PRODUCT = "first_deal_in_period", "first_deal_with_product"
REFERRAL_ROUTE = "referral"


def quarter_of(day: date) -> tuple[date, date]:
    """The calendar quarter holding `day`: (first day, last day)."""
    first_month = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def quarter_label(start: date) -> str:
    return f"{start.year} Q{(start.month + 2) // 3}"


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def show_money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def show_percent(percent: Decimal) -> str:
    text = f"{percent.normalize():f}"
    return f"{text}%"


@dataclass(frozen=True)
class DealFacts:
    """What the rules look at on a deal."""

    deal_id: int | None
    title: str
    amount: Decimal
    currency: str
    closed_on: date
    route_to_market: str
    products: Sequence[str] = ()


@dataclass(frozen=True)
class PeriodFacts:
    """What the partner already earned in the deal's quarter.

    `revenue_by_program`: won revenue already counted by each rebate program (what is
    below or above its threshold); `paid_spiff_rule_ids`: SPIFF rules already paid."""

    revenue_by_program: dict[int, Decimal] = field(default_factory=dict)
    paid_spiff_rule_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Line:
    program: Any
    rule: Any
    amount: Decimal
    base_amount: Decimal
    currency: str
    period_start: date
    period_end: date
    trace: dict


def describe_rule(rule, program) -> str:
    """One sentence a partner can check the arithmetic against."""
    currency = program.currency
    who = rule.tier.name if rule.tier_id else "Any tier"
    if program.kind == REBATE:
        text = f"{show_percent(rule.percent)} of won revenue"
        if rule.accelerator_percent is not None and rule.threshold_amount:
            text += (
                f"; {show_percent(rule.accelerator_percent)} on revenue won in a quarter "
                f"beyond {show_money(rule.threshold_amount, currency)}"
            )
    elif program.kind == REFERRAL_FEE:
        if rule.percent is not None:
            text = f"{show_percent(rule.percent)} of each won referral"
        else:
            text = f"{show_money(rule.fixed_amount, currency)} per won referral"
    elif rule.qualifier == FIRST_DEAL_WITH_PRODUCT:
        text = (
            f"{show_money(rule.fixed_amount, currency)} once a quarter, for the first won deal "
            f"with {rule.product}"
        )
    else:
        text = f"{show_money(rule.fixed_amount, currency)} once a quarter, for the first won deal"
    return f"{who}: {text}"


def applicable_rules(program, rules: Iterable, tier_id: int | None) -> list:
    """The program's rules that apply at this tier (most specific first for rebates and
    referral fees: one rule; every qualifying rule for SPIFFs)."""
    active = [rule for rule in rules if rule.is_active]
    for_tier = [rule for rule in active if rule.tier_id is not None and rule.tier_id == tier_id]
    for_any = [rule for rule in active if rule.tier_id is None]
    if program.kind == SPIFF:
        return sorted(for_tier + for_any, key=lambda rule: rule.pk or 0)
    chosen = sorted(for_tier, key=lambda rule: rule.pk or 0) or sorted(
        for_any, key=lambda rule: rule.pk or 0
    )
    return chosen[:1]


def program_applies(program, deal: DealFacts) -> bool:
    if not program.is_active or program.currency != deal.currency:
        return False
    if deal.closed_on < program.start_date:
        return False
    return program.end_date is None or deal.closed_on <= program.end_date


def _has_product(deal: DealFacts, product: str) -> bool:
    wanted = product.strip().casefold()
    return any(str(item).strip().casefold() == wanted for item in deal.products)


def _rebate(rule, deal: DealFacts, before: Decimal) -> tuple[Decimal, dict, str]:
    """Split the deal's revenue at the quarterly threshold: P% below, A% beyond."""
    threshold = rule.threshold_amount or ZERO
    accelerated = rule.accelerator_percent is not None and threshold > 0
    if accelerated:
        below = max(ZERO, min(deal.amount, threshold - before))
        above = deal.amount - below
    else:
        below, above = deal.amount, ZERO
    amount = cents(below * rule.percent / HUNDRED)
    if above:
        amount = cents((below * rule.percent + above * rule.accelerator_percent) / HUNDRED)
    parts = []
    if below or not above:
        parts.append(f"{show_percent(rule.percent)} of {show_money(below, deal.currency)}")
    if above:
        parts.append(
            f"{show_percent(rule.accelerator_percent)} of {show_money(above, deal.currency)} "
            f"beyond the {show_money(threshold, deal.currency)} quarterly threshold"
        )
    detail = {
        "rate": str(rule.percent),
        "below_threshold": str(below),
        "above_threshold": str(above),
        "accelerator_rate": str(rule.accelerator_percent) if above else None,
        "threshold": str(threshold) if accelerated else None,
        "revenue_before": str(before),
    }
    return amount, detail, " + ".join(parts)


def _line(program, rule, deal, *, amount, base, detail, head, tier_name, event, period):
    tier_text = f" at {tier_name}" if tier_name else ""
    sentence = f"{head} won on '{deal.title}'{tier_text} = {show_money(amount, deal.currency)}"
    trace = {
        "program": program.name,
        "kind": program.kind,
        "rule_id": rule.pk,
        "rule": describe_rule(rule, program),
        "base_amount": str(base),
        "tier": tier_name,
        "event": {"name": event[0], "id": event[1]},
        "deal": {"id": deal.deal_id, "title": deal.title, "closed_on": deal.closed_on.isoformat()},
        "period": quarter_label(period[0]),
        **detail,
        "sentence": sentence,
    }
    return Line(
        program=program,
        rule=rule,
        amount=amount,
        base_amount=base,
        currency=deal.currency,
        period_start=period[0],
        period_end=period[1],
        trace=trace,
    )


def calculate(
    *,
    deal: DealFacts,
    tier_id: int | None,
    tier_name: str | None,
    programs: Iterable[tuple[Any, Iterable]],
    period: PeriodFacts,
    event: tuple[str, int | None] = ("calculator", None),
) -> list[Line]:
    """The earning lines `deal`, won on `deal.closed_on`, earns under `programs` (pairs of a
    program and its rules). Amounts are exact to the cent (half up), never floats."""
    quarter = quarter_of(deal.closed_on)
    lines: list[Line] = []
    common = {"tier_name": tier_name, "event": event, "period": quarter}
    for program, rules in programs:
        if not program_applies(program, deal) or deal.amount <= 0:
            continue
        for rule in applicable_rules(program, rules, tier_id):
            if program.kind == REBATE and rule.percent is not None:
                before = period.revenue_by_program.get(program.pk, ZERO)
                amount, detail, head = _rebate(rule, deal, before)
            elif program.kind == REFERRAL_FEE:
                if deal.route_to_market != REFERRAL_ROUTE:
                    continue
                if rule.percent is not None:
                    amount = cents(deal.amount * rule.percent / HUNDRED)
                    detail = {"rate": str(rule.percent)}
                    head = (
                        f"{show_percent(rule.percent)} referral fee on "
                        f"{show_money(deal.amount, deal.currency)}"
                    )
                else:
                    amount = rule.fixed_amount
                    detail = {"rate": None, "fixed_amount": str(rule.fixed_amount)}
                    head = f"Fixed referral fee of {show_money(amount, deal.currency)}"
            elif program.kind == SPIFF and rule.fixed_amount is not None:
                if rule.pk in period.paid_spiff_rule_ids:
                    continue
                if rule.qualifier == FIRST_DEAL_WITH_PRODUCT:
                    if not _has_product(deal, rule.product):
                        continue
                    head = (
                        f"SPIFF of {show_money(rule.fixed_amount, deal.currency)} for the "
                        f"first {rule.product} deal of {quarter_label(quarter[0])}"
                    )
                else:
                    head = (
                        f"SPIFF of {show_money(rule.fixed_amount, deal.currency)} for the "
                        f"first deal of {quarter_label(quarter[0])}"
                    )
                amount = rule.fixed_amount
                detail = {
                    "rate": None,
                    "fixed_amount": str(rule.fixed_amount),
                    "qualifier": rule.qualifier,
                    "product": rule.product,
                }
            else:
                continue
            if amount <= 0:
                continue
            lines.append(
                _line(
                    program,
                    rule,
                    deal,
                    amount=amount,
                    base=deal.amount,
                    detail=detail,
                    head=head,
                    **common,
                )
            )
    return lines


def proportional(amount: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """`amount` × part / whole, to the cent (half up); all of it when part ≥ whole."""
    if whole <= 0 or part >= whole:
        return amount
    return cents(amount * part / whole)
