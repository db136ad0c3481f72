"""Writes for incentives: programs and rules, earnings accrued from won deals, clawbacks
when a deal is reopened or refunded, and statements approved and paid by finance.

Money discipline:
- every amount is a Decimal with its currency; lines are never changed or deleted, a
  clawback is a new negative line referencing the line it reverses;
- accrual and clawback lock the partner's row, so the quarter's revenue (thresholds) and
  SPIFFs are counted one deal at a time, and the same event twice creates nothing new
  (also a unique constraint per rule, deal and event);
- a statement is approved once and paid once: its row is locked and its status checked, so
  the loser of a race gets a Conflict (409); constraints require the approval and payment
  facts of each status.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealreg.models import Deal, DealStatus
from ecosystem.audit.services import record
from ecosystem.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ecosystem.outbox.services import emit
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import has_capability
from partners.models import PartnerOrganisation, Tier

from . import incentives_rules as rules
from . import incentives_selectors as selectors
from .models import (
    Earning,
    EarningKind,
    IncentiveProgram,
    IncentiveRule,
    PayoutBatch,
    PayoutMethod,
    ProgramKind,
    SpiffQualifier,
    Statement,
    StatementStatus,
)
from .services import money

PERCENT_LIMIT = Decimal("100")


def _require(actor: Membership, capability: str) -> None:
    if not has_capability(actor.role, capability):
        raise NotAllowed(_("Your role does not allow this."))


def _user(actor):
    return getattr(actor, "user", actor)


# --- programs and rules ---------------------------------------------------------------------


def _clean_program(data: dict[str, Any], *, kind_fixed: str | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 200:
        errors["name"] = [_("Name the program (at most 200 characters).")]
    kind = kind_fixed or str(data.get("kind") or "")
    if kind not in ProgramKind.values:
        errors["kind"] = [_("Choose rebate, referral fee or SPIFF.")]
    currency = str(data.get("currency") or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        errors["currency"] = [_("Give an ISO 4217 currency code such as USD.")]
    start, end = data.get("start_date"), data.get("end_date")
    if not isinstance(start, date):
        errors["start_date"] = [_("Give the first day the program pays for.")]
    if end in ("",):
        end = None
    if end is not None and not isinstance(end, date):
        errors["end_date"] = [_("Give the last day, or leave it empty.")]
    elif isinstance(start, date) and end is not None and end < start:
        errors["end_date"] = [_("The program cannot end before it starts.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return {
        "name": name,
        "kind": kind,
        "currency": currency,
        "start_date": start,
        "end_date": end,
        "is_active": bool(data.get("is_active", True)),
        "description": str(data.get("description") or "").strip(),
    }


@transaction.atomic
def create_program(*, tenant, actor: Membership, data: dict[str, Any]) -> IncentiveProgram:
    """A rebate, referral-fee or SPIFF program (admins and finance); rules are added next."""
    _require(actor, "incentives.manage")
    program = IncentiveProgram.objects.create(
        tenant=tenant, created_by=actor.user, **_clean_program(data)
    )
    record(tenant=tenant, actor=actor.user, action="incentives.program_created", obj=program,
           changes={"name": program.name, "kind": program.kind})  # fmt: skip
    emit(tenant=tenant, name="incentives.program_created", obj=program,
         payload={"program_id": program.pk, "kind": program.kind})  # fmt: skip
    return program


def _program(tenant, program_id, *, lock: bool = False) -> IncentiveProgram:
    queryset = IncentiveProgram.objects.for_tenant(tenant)
    if lock:
        queryset = queryset.select_for_update()
    program = queryset.filter(pk=program_id).first()
    if program is None:
        raise NotFound(_("No such incentive program."))
    return program


@transaction.atomic
def update_program(
    *, tenant, actor: Membership, program_id: int, data: dict[str, Any]
) -> IncentiveProgram:
    """Change a program's name, dates, description or whether it is active. Its kind and
    currency stay: lines already earned were computed in them."""
    _require(actor, "incentives.manage")
    program = _program(tenant, program_id, lock=True)
    merged = {
        "name": program.name,
        "currency": program.currency,
        "start_date": program.start_date,
        "end_date": program.end_date,
        "is_active": program.is_active,
        "description": program.description,
        **data,
    }
    changes_currency = str(data.get("currency", program.currency)).upper() != program.currency
    if changes_currency and selectors.has_program_earnings(tenant=tenant, program=program):
        raise Conflict(
            _("Partners already earned in %(currency)s; start a new program instead.")
            % {"currency": program.currency},
            field="currency",
        )
    cleaned = _clean_program(merged, kind_fixed=program.kind)
    changes = {
        key: str(value)
        for key, value in cleaned.items()
        if key != "kind" and getattr(program, key) != value
    }
    for key, value in cleaned.items():
        setattr(program, key, value)
    program.save()
    record(tenant=tenant, actor=actor.user, action="incentives.program_updated", obj=program,
           changes=changes)  # fmt: skip
    return program


def _optional_percent(value, field: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        percent = money(value, field)
    except ValidationFailed as error:
        errors[field] = [error.message]
        return None
    if percent > PERCENT_LIMIT:
        errors[field] = [_("Give a percentage between 0.01 and 100.")]
        return None
    return percent


def _optional_money(value, field: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return money(value, field)
    except ValidationFailed as error:
        errors[field] = [error.message]
        return None


def _clean_rule(tenant, program: IncentiveProgram, data: dict[str, Any]) -> dict[str, Any]:
    """What a rule of this program's kind needs, and nothing it would not use."""
    errors: dict[str, list[str]] = {}
    tier = None
    tier_value = data.get("tier")
    if tier_value not in (None, ""):
        tier_id = getattr(tier_value, "pk", tier_value)
        tier = Tier.objects.for_tenant(tenant).filter(pk=tier_id).first()
        if tier is None:
            errors["tier"] = [_("Choose one of this program's tiers, or any tier.")]
    percent = _optional_percent(data.get("percent"), "percent", errors)
    fixed = _optional_money(data.get("fixed_amount"), "fixed_amount", errors)
    threshold = _optional_money(data.get("threshold_amount"), "threshold_amount", errors)
    accelerator = _optional_percent(data.get("accelerator_percent"), "accelerator_percent", errors)
    qualifier = str(data.get("qualifier") or "")
    product = str(data.get("product") or "").strip()
    cleaned = {
        "tier": tier,
        "percent": None,
        "fixed_amount": None,
        "threshold_amount": Decimal("0.00"),
        "accelerator_percent": None,
        "qualifier": "",
        "product": "",
        "is_active": bool(data.get("is_active", True)),
    }
    if program.kind == ProgramKind.REBATE:
        if percent is None and "percent" not in errors:
            errors["percent"] = [_("Give the rebate percentage, such as 5.")]
        if (threshold is None) != (accelerator is None) and not errors:
            field = "accelerator_percent" if accelerator is None else "threshold_amount"
            errors[field] = [
                _("Give both a quarterly threshold and the accelerator % beyond it, or neither.")
            ]
        cleaned.update(
            percent=percent,
            threshold_amount=threshold or Decimal("0.00"),
            accelerator_percent=accelerator,
        )
    elif program.kind == ProgramKind.REFERRAL_FEE:
        if (percent is None) == (fixed is None) and not errors:
            errors["percent"] = [_("Give either a percentage or a fixed fee, not both.")]
        cleaned.update(percent=percent, fixed_amount=fixed)
    else:
        if fixed is None and "fixed_amount" not in errors:
            errors["fixed_amount"] = [_("Give the bonus amount, such as 250.00.")]
        if qualifier not in SpiffQualifier.values:
            errors["qualifier"] = [_("Choose what qualifies for the bonus.")]
        elif qualifier == SpiffQualifier.FIRST_DEAL_WITH_PRODUCT and not product:
            errors["product"] = [_("Name the product the deal must include.")]
        cleaned.update(
            fixed_amount=fixed,
            qualifier=qualifier,
            product=product if qualifier == SpiffQualifier.FIRST_DEAL_WITH_PRODUCT else "",
        )
    if len(product) > 100:
        errors["product"] = [_("Keep the product name under 100 characters.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned


def _rule_changes(rule: IncentiveRule) -> dict[str, str]:
    return {
        "tier": rule.tier.name if rule.tier else "any",
        "rule": rules.describe_rule(rule, rule.program),
        "is_active": str(rule.is_active),
    }


@transaction.atomic
def add_rule(*, tenant, actor: Membership, program_id: int, data: dict[str, Any]) -> IncentiveRule:
    """Add a rule to a program (admins and finance)."""
    _require(actor, "incentives.manage")
    program = _program(tenant, program_id, lock=True)
    rule = IncentiveRule.objects.create(
        tenant=tenant, program=program, **_clean_rule(tenant, program, data)
    )
    record(tenant=tenant, actor=actor.user, action="incentives.rule_added", obj=rule,
           changes=_rule_changes(rule))  # fmt: skip
    return rule


@transaction.atomic
def update_rule(*, tenant, actor: Membership, rule_id: int, data: dict[str, Any]) -> IncentiveRule:
    """Change a rule from now on: lines already earned keep the rule as their trace shows."""
    _require(actor, "incentives.manage")
    rule = (
        IncentiveRule.objects.for_tenant(tenant)
        .select_for_update()
        .select_related("program", "tier")
        .filter(pk=rule_id)
        .first()
    )
    if rule is None:
        raise NotFound(_("No such rule."))
    before = _rule_changes(rule)
    for key, value in _clean_rule(tenant, rule.program, data).items():
        setattr(rule, key, value)
    rule.save()
    after = _rule_changes(rule)
    record(
        tenant=tenant,
        actor=actor.user,
        action="incentives.rule_updated",
        obj=rule,
        changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
    )
    return rule


# --- statements a line goes to ----------------------------------------------------------------


def _next_quarter(start: date) -> date:
    return rules.quarter_of(rules.quarter_of(start)[1] + timedelta(days=1))[0]


def _open_statement(tenant, partner: PartnerOrganisation, currency: str, period_start: date):
    """The draft statement a new line goes to: its own quarter's, or when that one is
    already approved or paid, the first later draft from the current quarter on. The caller
    holds the partner's lock, so two accruals never create the same statement."""
    candidate = period_start
    today_quarter = rules.quarter_of(timezone.localdate())[0]
    while True:
        start, end = rules.quarter_of(candidate)
        statement, _created = Statement.objects.for_tenant(tenant).get_or_create(
            tenant=tenant,
            partner=partner,
            period_start=start,
            currency=currency,
            defaults={"period_end": end},
        )
        statement = Statement.objects.for_tenant(tenant).select_for_update().get(pk=statement.pk)
        if statement.status == StatementStatus.DRAFT:
            return statement
        candidate = max(_next_quarter(start), today_quarter)


def _lock_partner(tenant, partner_id) -> PartnerOrganisation:
    partner = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("tier")
        .filter(pk=partner_id)
        .first()
    )
    if partner is None:
        raise NotFound(_("No such partner."))
    return partner


# --- accrual ----------------------------------------------------------------------------------


def deal_facts(deal: Deal, *, closed_on: date | None = None, amount=None) -> rules.DealFacts:
    """The rules' view of a deal: its final amount once won, else the registered one."""
    if amount is None:
        amount = deal.final_amount if deal.final_amount is not None else deal.amount
    return rules.DealFacts(
        deal_id=deal.pk,
        title=deal.title,
        amount=Decimal(amount),
        currency=deal.currency,
        closed_on=closed_on or deal.closed_on or timezone.localdate(),
        route_to_market=deal.route_to_market,
        products=tuple(str(product) for product in deal.products or ()),
    )


def calculate(
    *, tenant, partner: PartnerOrganisation, facts: rules.DealFacts, event=("calculator", None)
) -> list[rules.Line]:
    """The lines the rules give for `facts` now (no writes): the calculator and the accrual
    both come through here."""
    quarter_start = rules.quarter_of(facts.closed_on)[0]
    return rules.calculate(
        deal=facts,
        tier_id=partner.tier_id,
        tier_name=partner.tier.name if partner.tier is not None else None,
        programs=selectors.active_programs(
            tenant=tenant, currency=facts.currency, on=facts.closed_on
        ),
        period=selectors.period_facts(
            tenant=tenant,
            partner_id=partner.pk,
            currency=facts.currency,
            period_start=quarter_start,
        ),
        event=event,
    )


@transaction.atomic
def accrue_for_won_deal(
    *, tenant, deal_id: int, event_id: int, event_name: str = "deal.won", actor=None
) -> list[Earning]:
    """Earning lines for a won deal, one per applicable rule (the deal.won listener).

    Idempotent per deal and rule: the same event twice, or a rule that already has a live
    line for this deal, creates nothing new. A deal reopened before this runs earns nothing."""
    deal = Deal.objects.for_tenant(tenant).filter(pk=deal_id).first()
    if deal is None:
        raise NotFound(_("No such deal."))
    partner = _lock_partner(tenant, deal.partner_id)
    deal = Deal.objects.for_tenant(tenant).get(pk=deal_id)  # as of the lock
    if deal.status != DealStatus.WON or deal.closed_on is None:
        return []
    existing = Earning.objects.for_tenant(tenant).filter(
        deal=deal, kind=EarningKind.EARNING, source_event_id=event_id
    )
    if existing.exists():
        return list(existing)
    live_rules = {
        line.rule_id for line in selectors.live_earnings(tenant=tenant, deal_id=deal.pk)
        if selectors.left_of(line) > 0
    }  # fmt: skip
    created = []
    for line in calculate(
        tenant=tenant, partner=partner, facts=deal_facts(deal), event=(event_name, event_id)
    ):
        if line.rule.pk in live_rules:
            continue
        statement = _open_statement(tenant, partner, line.currency, line.period_start)
        earning = Earning.objects.create(
            tenant=tenant,
            partner=partner,
            program=line.program,
            rule=line.rule,
            deal=deal,
            statement=statement,
            kind=EarningKind.EARNING,
            amount=line.amount,
            base_amount=line.base_amount,
            currency=line.currency,
            period_start=line.period_start,
            period_end=line.period_end,
            source_event_id=event_id,
            source_event_name=event_name,
            trace=line.trace,
            created_by=_user(actor),
        )
        created.append(earning)
        record(
            tenant=tenant,
            actor=_user(actor),
            action="incentives.earned",
            obj=earning,
            changes={"amount": str(earning.amount), "sentence": line.trace["sentence"]},
        )
        emit(
            tenant=tenant,
            name="incentive.earned",
            obj=earning,
            payload={
                "earning_id": earning.pk,
                "partner_id": partner.pk,
                "deal_id": deal.pk,
                "amount": str(earning.amount),
                "currency": earning.currency,
            },
        )
    return created


@transaction.atomic
def claw_back(
    *,
    tenant,
    deal_id: int,
    event_id: int,
    event_name: str,
    reason: str,
    refunded_total: Decimal | None = None,
    final_amount: Decimal | None = None,
    actor=None,
) -> list[Earning]:
    """Reverse a deal's live earning lines: all of what is left of each (reopened), or,
    for a refund, the share refunded so far (`refunded_total` of `final_amount`), less what
    earlier refunds already took back. Each reversal is a new negative line referencing the
    original; the same event twice creates nothing new."""
    deal = Deal.objects.for_tenant(tenant).filter(pk=deal_id).first()
    if deal is None:
        raise NotFound(_("No such deal."))
    partner = _lock_partner(tenant, deal.partner_id)
    created = []
    for original in selectors.live_earnings(tenant=tenant, deal_id=deal.pk):
        left = selectors.left_of(original)
        if left <= 0:
            continue
        if (
            Earning.objects.for_tenant(tenant)
            .filter(reverses=original, source_event_id=event_id)
            .exists()
        ):
            continue
        base_left = original.base_amount + sum(
            (line.base_amount for line in original.clawbacks.all()), Decimal("0.00")
        )
        if refunded_total is None or final_amount is None:
            amount, base = left, base_left
            head = _("Reverses %(amount)s of line #%(line)s: '%(title)s' was reopened") % {
                "amount": rules.show_money(left, original.currency),
                "line": original.pk,
                "title": deal.title,
            }
        else:
            target = rules.proportional(original.amount, refunded_total, final_amount)
            amount = min(left, target - (original.amount - left))
            base_target = rules.proportional(original.base_amount, refunded_total, final_amount)
            base = min(base_left, base_target - (original.base_amount - base_left))
            if amount <= 0:
                continue
            head = _(
                "%(refunded)s of %(final)s refunded on '%(title)s': the same share of line "
                "#%(line)s (%(original)s)"
            ) % {
                "refunded": rules.show_money(refunded_total, original.currency),
                "final": rules.show_money(final_amount, original.currency),
                "title": deal.title,
                "line": original.pk,
                "original": rules.show_money(original.amount, original.currency),
            }
        sentence = f"{head} = {rules.show_money(-amount, original.currency)}"
        statement = _open_statement(tenant, partner, original.currency, original.period_start)
        clawback = Earning.objects.create(
            tenant=tenant,
            partner=partner,
            program_id=original.program_id,
            rule_id=original.rule_id,
            deal=deal,
            statement=statement,
            kind=EarningKind.CLAWBACK,
            reverses=original,
            amount=-amount,
            base_amount=-base,
            currency=original.currency,
            period_start=original.period_start,
            period_end=original.period_end,
            source_event_id=event_id,
            source_event_name=event_name,
            reason=reason,
            trace={
                **{key: original.trace.get(key) for key in ("program", "kind", "rule", "tier")},
                "rule_id": original.rule_id,
                "reverses": original.pk,
                "original_amount": str(original.amount),
                "base_amount": str(-base),
                "refunded_total": str(refunded_total) if refunded_total is not None else None,
                "final_amount": str(final_amount) if final_amount is not None else None,
                "event": {"name": event_name, "id": event_id},
                "deal": {"id": deal.pk, "title": deal.title},
                "reason": reason,
                "sentence": sentence,
            },
            created_by=_user(actor),
        )
        created.append(clawback)
        record(
            tenant=tenant,
            actor=_user(actor),
            action="incentives.clawed_back",
            obj=clawback,
            changes={"amount": str(clawback.amount), "reverses": original.pk, "reason": reason},
        )
        emit(
            tenant=tenant,
            name="incentive.clawed_back",
            obj=clawback,
            payload={
                "earning_id": clawback.pk,
                "reverses": original.pk,
                "partner_id": partner.pk,
                "deal_id": deal.pk,
                "amount": str(clawback.amount),
                "currency": clawback.currency,
            },
        )
    return created


# --- statements -------------------------------------------------------------------------------


def _locked_statement(tenant, statement_id) -> Statement:
    statement = (
        Statement.objects.for_tenant(tenant).select_for_update().filter(pk=statement_id).first()
    )
    if statement is None:
        raise NotFound(_("No such statement."))
    return statement


def _total(tenant, statement: Statement) -> Decimal:
    return sum(
        selectors.statement_lines(tenant=tenant, statement=statement).values_list(
            "amount", flat=True
        ),
        Decimal("0.00"),
    )


@transaction.atomic
def approve_statement(*, tenant, actor: Membership, statement_id: int, note: str = "") -> Statement:
    """Finance approves a draft statement once: its total is frozen, later lines go to the
    next statement. 409 when it is no longer a draft or nets to nothing to pay."""
    _require(actor, "incentives.approve")
    statement = _locked_statement(tenant, statement_id)
    if statement.status != StatementStatus.DRAFT:
        raise Conflict(
            _("This statement was already %(status)s.")
            % {"status": statement.get_status_display().lower()}
        )
    total = _total(tenant, statement)
    if total <= 0:
        raise Conflict(
            _("This statement nets to %(total)s: there is nothing to pay yet.")
            % {"total": rules.show_money(total, statement.currency)}
        )
    statement.status = StatementStatus.APPROVED
    statement.approved_amount = total
    statement.approved_by = actor.user
    statement.approved_at = timezone.now()
    statement.approval_note = (note or "").strip()
    statement.save()
    record(
        tenant=tenant,
        actor=actor.user,
        action="incentives.statement_approved",
        obj=statement,
        changes={"approved_amount": str(total), "note": statement.approval_note},
    )
    emit(
        tenant=tenant,
        name="incentive.statement_approved",
        obj=statement,
        payload={
            "statement_id": statement.pk,
            "partner_id": statement.partner_id,
            "amount": str(total),
            "currency": statement.currency,
        },
    )
    return statement


@transaction.atomic
def pay_statements(
    *,
    tenant,
    actor: Membership,
    statement_ids: list[int],
    reference: str,
    method: str,
    paid_on: date | None = None,
) -> PayoutBatch:
    """Record that finance paid approved statements (one or a batch, exported for accounts
    payable). Each statement is paid once: one that is not approved (a draft, or paid
    meanwhile by someone else) makes the whole batch a 409."""
    _require(actor, "incentives.approve")
    errors: dict[str, list[str]] = {}
    reference = (reference or "").strip()
    if not reference or len(reference) > 100:
        errors["reference"] = [_("Give the payment reference (at most 100 characters).")]
    if method not in PayoutMethod.values:
        errors["method"] = [_("Choose how it was paid.")]
    paid_on = paid_on or timezone.localdate()
    if not isinstance(paid_on, date) or paid_on > timezone.localdate():
        errors["paid_on"] = [_("The payment date cannot be in the future.")]
    ids = sorted({int(pk) for pk in statement_ids or []})
    if not ids:
        errors["statements"] = [_("Choose at least one approved statement.")]
    if errors:
        raise ValidationFailed(errors=errors)
    locked = list(
        Statement.objects.for_tenant(tenant).select_for_update().filter(pk__in=ids).order_by("pk")
    )
    if len(locked) != len(ids):
        raise NotFound(_("No such statement."))
    not_payable = [
        statement for statement in locked if statement.status != StatementStatus.APPROVED
    ]
    if not_payable:
        raise Conflict(
            _("Only approved statements can be paid, once: %(list)s.")
            % {
                "list": ", ".join(
                    f"#{statement.pk} ({statement.get_status_display().lower()})"
                    for statement in not_payable
                )
            }
        )
    batch = PayoutBatch.objects.create(
        tenant=tenant, reference=reference, method=method, paid_on=paid_on, created_by=actor.user
    )
    now = timezone.now()
    for statement in locked:
        statement.status = StatementStatus.PAID
        statement.payout_batch = batch
        statement.payment_reference = reference
        statement.payment_method = method
        statement.paid_on = paid_on
        statement.paid_by = actor.user
        statement.paid_at = now
        statement.save()
        record(
            tenant=tenant,
            actor=actor.user,
            action="incentives.statement_paid",
            obj=statement,
            changes={
                "amount": str(statement.approved_amount),
                "reference": reference,
                "method": method,
                "paid_on": paid_on.isoformat(),
                "batch": batch.pk,
            },
        )
        emit(
            tenant=tenant,
            name="incentive.statement_paid",
            obj=statement,
            payload={
                "statement_id": statement.pk,
                "partner_id": statement.partner_id,
                "amount": str(statement.approved_amount),
                "currency": statement.currency,
                "batch_id": batch.pk,
            },
        )
    return batch
