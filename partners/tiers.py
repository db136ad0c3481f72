"""The tier engine: which tier each partner qualifies for, and how it moves.

Rules (issue 3):
- A partner's qualifying tier is the highest tier whose requirements hold (all of them, or
  at least N with `at_least`). A tier without requirements is open to everyone.
- Promotions apply at once. A demotion waits until the program's review date, or the grace
  period after the partner stops qualifying; meanwhile the partner is warned. Qualifying
  again during the grace period cancels the pending demotion.
- An active override (reason, expiry) decides the effective tier until it expires.
- Evaluation is set-based: one aggregate query per distinct (metric, window, parameter) for
  all partners at once, then a fixed number of bulk writes — the query count does not grow
  with the number of partners.

The same decision code serves the simulator, so a simulation equals what publishing does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ecosystem.audit.models import AuditEntry
from ecosystem.errors import NotFound, ValidationFailed
from ecosystem.outbox.services import emit, emit_many
from ecosystem.tenancy.context import request_info

from .metrics import Unit, get_metric
from .models import (
    Comparator,
    PartnerOrganisation,
    RequirementMode,
    Tier,
    TierChange,
    TierOverride,
    TierProgram,
    TierRequirement,
)
from .tier_selectors import describe_requirement, format_value

# --- Rules as plain data (from the database or from a simulator draft) ----------------------


@dataclass(frozen=True)
class RequirementRule:
    metric: str
    comparator: str
    threshold: Decimal
    window_days: int | None = None
    parameter: str = ""
    id: int | None = None

    @property
    def key(self) -> tuple[str, int | None, str]:
        return (self.metric, self.window_days, self.parameter)


@dataclass(frozen=True)
class TierRule:
    id: int
    name: str
    rank: int
    mode: str = RequirementMode.ALL
    required_count: int | None = None
    requirements: tuple[RequirementRule, ...] = ()

    def needed(self) -> int:
        if self.mode == RequirementMode.AT_LEAST and self.required_count:
            return min(self.required_count, len(self.requirements))
        return len(self.requirements)


def load_rules(*, tenant) -> list[TierRule]:
    """The published rules, lowest rank first (two queries)."""
    requirements: dict[int, list[RequirementRule]] = defaultdict(list)
    for requirement in TierRequirement.objects.for_tenant(tenant).order_by("id"):
        requirements[requirement.tier_id].append(
            RequirementRule(
                id=requirement.pk,
                metric=requirement.metric,
                comparator=requirement.comparator,
                threshold=requirement.threshold,
                window_days=requirement.window_days,
                parameter=requirement.parameter,
            )
        )
    return [
        TierRule(
            id=tier.pk,
            name=tier.name,
            rank=tier.rank,
            mode=tier.requirement_mode,
            required_count=tier.required_count,
            requirements=tuple(requirements[tier.pk]),
        )
        for tier in Tier.objects.for_tenant(tenant).order_by("rank")
    ]


def rules_to_json(rules: list[TierRule]) -> dict:
    return {
        "tiers": [
            {
                "id": rule.id,
                "name": rule.name,
                "rank": rule.rank,
                "requirement_mode": rule.mode,
                "required_count": rule.required_count,
                "requirements": [
                    {
                        "metric": r.metric,
                        "comparator": r.comparator,
                        "threshold": str(r.threshold),
                        "window_days": r.window_days,
                        "parameter": r.parameter,
                    }
                    for r in rule.requirements
                ],
            }
            for rule in rules
        ]
    }


def rules_from_json(*, tenant, data: Any) -> list[TierRule]:
    """Validate a draft of the rules. Tiers are the tenant's existing tiers, by id; a draft
    changes their requirements and how many must hold."""
    if not isinstance(data, dict) or not isinstance(data.get("tiers"), list):
        raise ValidationFailed('Send {"tiers": [...]}.', field="tiers")
    existing = {rule.id: rule for rule in load_rules(tenant=tenant)}
    rules, errors = [], {}
    for index, item in enumerate(data["tiers"]):
        where = f"tiers[{index}]"
        if not isinstance(item, dict) or item.get("id") not in existing:
            errors[where] = [_("Unknown tier id; a draft can only change existing tiers.")]
            continue
        base = existing[item["id"]]
        mode = item.get("requirement_mode", base.mode)
        if mode not in RequirementMode.values:
            errors[f"{where}.requirement_mode"] = [_("Use “all” or “at_least”.")]
            continue
        requirements = []
        for position, raw in enumerate(item.get("requirements") or []):
            problem = _requirement_problem(raw)
            if problem:
                errors[f"{where}.requirements[{position}]"] = [problem]
                continue
            requirements.append(
                RequirementRule(
                    metric=raw["metric"],
                    comparator=raw.get("comparator", Comparator.GTE),
                    threshold=Decimal(str(raw["threshold"])),
                    window_days=raw.get("window_days") or None,
                    parameter=raw.get("parameter") or "",
                )
            )
        count = item.get("required_count", base.required_count)
        if mode == RequirementMode.AT_LEAST and not (
            isinstance(count, int) and 1 <= count <= max(len(requirements), 1)
        ):
            errors[f"{where}.required_count"] = [
                _("With “at least”, give a number between 1 and the number of requirements.")
            ]
            continue
        rules.append(
            TierRule(
                id=base.id,
                name=base.name,
                rank=base.rank,
                mode=mode,
                required_count=count if mode == RequirementMode.AT_LEAST else None,
                requirements=tuple(requirements),
            )
        )
    if errors:
        raise ValidationFailed(errors=errors)
    missing = set(existing) - {rule.id for rule in rules}
    rules.extend(existing[tier_id] for tier_id in missing)
    return sorted(rules, key=lambda rule: rule.rank)


def _requirement_problem(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return _("Each requirement is an object.")
    found = get_metric(str(raw.get("metric", "")))
    if found is None:
        return _("Unknown metric “%(code)s”.") % {"code": raw.get("metric")}
    if raw.get("comparator", Comparator.GTE) not in Comparator.values:
        return _("Unknown comparator; use gte, gt, lte, lt or eq.")
    try:
        threshold = Decimal(str(raw.get("threshold")))
    except ArithmeticError:
        return _("The threshold must be a number.")
    if not threshold.is_finite() or threshold < 0:
        return _("The threshold must be a number of 0 or more.")
    window = raw.get("window_days")
    if window not in (None, "") and not (isinstance(window, int) and 1 <= window <= 3650):
        return _("The window is a whole number of days between 1 and 3650, or empty.")
    if found.parameter_label and not raw.get("parameter"):
        return _("This metric needs: %(what)s.") % {"what": found.parameter_label}
    return None


# --- Metric values and decisions -------------------------------------------------------------

MetricValues = dict[tuple[str, int | None, str], dict[int, Decimal]]


def compute_values(
    *, tenant, rules: list[TierRule], partner_ids: list[int] | None, now: datetime
) -> MetricValues:
    """One set-based query per distinct (metric, window, parameter)."""
    values: MetricValues = {}
    for key in {r.key for rule in rules for r in rule.requirements}:
        code, window_days, parameter = key
        found = get_metric(code)
        if found is None:  # its app was removed: the requirement cannot hold
            values[key] = {}
            continue
        since = now - timedelta(days=window_days) if window_days else None
        values[key] = found.values(
            tenant=tenant, partner_ids=partner_ids, since=since, parameter=parameter
        )
    return values


def holds(comparator: str, value: Decimal, threshold: Decimal) -> bool:
    return {
        Comparator.GTE: value >= threshold,
        Comparator.GT: value > threshold,
        Comparator.LTE: value <= threshold,
        Comparator.LT: value < threshold,
        Comparator.EQ: value == threshold,
    }[Comparator(comparator)]


@dataclass
class RequirementOutcome:
    rule: RequirementRule
    value: Decimal
    passed: bool

    def as_dict(self) -> dict:
        return {
            "requirement_id": self.rule.id,
            "metric": self.rule.metric,
            "comparator": self.rule.comparator,
            "threshold": str(self.rule.threshold),
            "window_days": self.rule.window_days,
            "value": str(self.value),
            "passed": self.passed,
        }


@dataclass
class TierOutcome:
    rule: TierRule
    outcomes: list[RequirementOutcome]

    @property
    def qualifies(self) -> bool:
        return sum(o.passed for o in self.outcomes) >= self.rule.needed()


def outcomes_for(partner_id: int, rules: list[TierRule], values: MetricValues) -> list[TierOutcome]:
    return [
        TierOutcome(
            rule=rule,
            outcomes=[
                RequirementOutcome(
                    rule=r,
                    value=(value := values.get(r.key, {}).get(partner_id, Decimal(0))),
                    passed=holds(r.comparator, value, r.threshold),
                )
                for r in rule.requirements
            ],
        )
        for rule in rules
    ]


def qualifying(outcomes: list[TierOutcome]) -> TierRule | None:
    qualified = [outcome.rule for outcome in outcomes if outcome.qualifies]
    return max(qualified, key=lambda rule: rule.rank, default=None)


def _rank(rule_or_tier) -> int:
    return rule_or_tier.rank if rule_or_tier is not None else -1


# --- Evaluation ------------------------------------------------------------------------------


@dataclass
class Decision:
    partner: PartnerOrganisation
    kind: str  # a TierChange.Kind
    from_tier_id: int | None
    to_tier_id: int | None
    outcomes: list[TierOutcome] = field(default_factory=list)


def _program(tenant) -> TierProgram:
    return TierProgram.objects.for_tenant(tenant).first() or TierProgram(tenant=tenant)


def _demotion_date(program: TierProgram, today: date) -> date:
    if program.next_review_on and program.next_review_on >= today:
        return program.next_review_on
    return today + timedelta(days=program.grace_period_days)


def decide(
    *,
    partner: PartnerOrganisation,
    qualified: TierRule | None,
    ranks: dict[int, int],
    program: TierProgram,
    override: TierOverride | None,
    today: date,
) -> str | None:
    """Apply the movement rules to `partner` in memory; return the TierChange kind, if any."""
    partner.qualified_tier_id = qualified.id if qualified else None
    if override is not None:
        partner.tier_id = override.tier_id
        partner.demotion_due_on = None
        return None
    current = ranks.get(partner.tier_id) if partner.tier_id else None
    target = qualified.rank if qualified else None
    if target == current:
        if partner.demotion_due_on:
            partner.demotion_due_on = None
            return TierChange.Kind.DEMOTION_CANCELLED
        return None
    if current is None or (target is not None and target > current):
        partner.tier_id = partner.qualified_tier_id
        partner.demotion_due_on = None
        return TierChange.Kind.PROMOTION
    # Qualifies for less than it has: warn first, demote when the grace period is over.
    if partner.demotion_due_on is None:
        partner.demotion_due_on = _demotion_date(program, today)
        if partner.demotion_due_on > today:
            return TierChange.Kind.DEMOTION_PENDING
    if today >= partner.demotion_due_on:
        partner.tier_id = partner.qualified_tier_id
        partner.demotion_due_on = None
        return TierChange.Kind.DEMOTION
    return None


@dataclass
class EvaluationSummary:
    evaluated: int = 0
    changes: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def evaluate_partners(
    *,
    tenant,
    partner_ids: list[int] | None = None,
    actor=None,
    now: datetime | None = None,
    end_overrides_of: frozenset[int] = frozenset(),
) -> EvaluationSummary:
    """Re-evaluate some partners (or all, with partner_ids=None) and record what moved.

    Overrides that have expired end here; `end_overrides_of` ends those partners' overrides
    now (staff ending one early)."""
    end_now = end_overrides_of
    now = now or timezone.now()
    today = timezone.localdate(now)
    rules = load_rules(tenant=tenant)
    program = _program(tenant)
    values = compute_values(tenant=tenant, rules=rules, partner_ids=partner_ids, now=now)
    ranks = {rule.id: rule.rank for rule in rules}
    partners = PartnerOrganisation.objects.for_tenant(tenant).select_for_update()
    if partner_ids is not None:
        partners = partners.filter(pk__in=partner_ids)
    overrides = TierOverride.objects.for_tenant(tenant).filter(ended_at__isnull=True)
    if partner_ids is not None:
        overrides = overrides.filter(partner_id__in=partner_ids)
    active_overrides = {o.partner_id: o for o in overrides}

    decisions: list[Decision] = []
    ended_overrides: list[TierOverride] = []
    touched: list[PartnerOrganisation] = []
    for partner in partners.only(
        "id", "name", "tenant_id", "tier_id", "qualified_tier_id", "demotion_due_on"
    ).order_by("id"):
        before = (partner.tier_id, partner.qualified_tier_id, partner.demotion_due_on)
        outcomes = outcomes_for(partner.pk, rules, values)
        qualified = qualifying(outcomes)
        override = active_overrides.get(partner.pk)
        if override is not None and (override.expires_on < today or partner.pk in end_now):
            # An ended override hands the partner straight to the tier the rules give.
            override.ended_at = now
            ended_overrides.append(override)
            partner.qualified_tier_id = partner.tier_id = qualified.id if qualified else None
            partner.demotion_due_on = None
            decisions.append(
                Decision(
                    partner, TierChange.Kind.OVERRIDE_ENDED, before[0], partner.tier_id, outcomes
                )
            )
            touched.append(partner)
            continue
        kind = decide(
            partner=partner,
            qualified=qualified,
            ranks=ranks,
            program=program,
            override=override,
            today=today,
        )
        if kind is not None:
            decisions.append(Decision(partner, kind, before[0], partner.tier_id, outcomes))
        if before != (partner.tier_id, partner.qualified_tier_id, partner.demotion_due_on):
            touched.append(partner)

    _write(tenant, actor, now, touched, ended_overrides, decisions)
    all_partners = PartnerOrganisation.objects.for_tenant(tenant)
    if partner_ids is not None:
        all_partners = all_partners.filter(pk__in=partner_ids)
    evaluated = all_partners.update(tier_evaluated_at=now)
    summary = EvaluationSummary(evaluated=evaluated)
    for decision in decisions:
        kind = str(decision.kind)
        summary.changes[kind] = summary.changes.get(kind, 0) + 1
    return summary


def _write(tenant, actor, now, touched, ended_overrides, decisions) -> None:
    """A fixed number of bulk writes, however many partners moved."""
    if touched:
        PartnerOrganisation.objects.for_tenant(tenant).bulk_update(
            touched, ["tier_id", "qualified_tier_id", "demotion_due_on"], batch_size=2000
        )
    if ended_overrides:
        TierOverride.objects.for_tenant(tenant).bulk_update(ended_overrides, ["ended_at"])
    if not decisions:
        return
    changes = TierChange.objects.for_tenant(tenant).bulk_create(
        [
            TierChange(
                tenant=tenant,
                partner_id=d.partner.pk,
                kind=d.kind,
                from_tier_id=d.from_tier_id,
                to_tier_id=d.to_tier_id,
                metric_values={o.rule.metric: str(o.value) for t in d.outcomes for o in t.outcomes},
                requirement_results=[
                    {"tier_id": t.rule.id, "qualifies": t.qualifies}
                    | {"requirements": [o.as_dict() for o in t.outcomes]}
                    for t in d.outcomes
                ],
                reason=_reason(d),
                actor=actor if getattr(actor, "pk", None) else None,
            )
            for d in decisions
        ],
        batch_size=2000,
    )
    ip = request_info().ip
    AuditEntry.objects.for_tenant(tenant).bulk_create(
        [
            AuditEntry(
                tenant=tenant,
                actor=actor if getattr(actor, "pk", None) else None,
                actor_label=getattr(actor, "email", "") or "",
                action=f"partner.tier_{d.kind}",
                object_type=PartnerOrganisation._meta.label_lower,
                object_id=str(d.partner.pk),
                object_repr=d.partner.name[:200],
                changes={"tier": [d.from_tier_id, d.to_tier_id]},
                ip_address=ip,
            )
            for d in decisions
        ],
        batch_size=2000,
    )
    emit_many(
        tenant=tenant,
        name="partner.tier_changed",
        items=[
            (
                d.partner,
                {
                    "partner_id": d.partner.pk,
                    "kind": d.kind,
                    "from_tier_id": d.from_tier_id,
                    "to_tier_id": d.to_tier_id,
                    "demotion_due_on": d.partner.demotion_due_on,
                    "tier_change_id": change.pk,
                },
            )
            for d, change in zip(decisions, changes, strict=True)
        ],
    )


def _reason(decision: Decision) -> str:
    failed = [
        o.rule.metric
        for t in decision.outcomes
        if t.rule.id == decision.from_tier_id
        for o in t.outcomes
        if not o.passed
    ]
    if decision.kind == TierChange.Kind.PROMOTION:
        return "All requirements of the new tier hold."
    if decision.kind in (TierChange.Kind.DEMOTION_PENDING, TierChange.Kind.DEMOTION):
        return "Requirements no longer met: " + ", ".join(failed) if failed else ""
    return ""


def evaluate_partner(*, tenant, partner_id: int, actor=None) -> EvaluationSummary:
    """One partner after an event: the same path, a handful of queries."""
    return evaluate_partners(tenant=tenant, partner_ids=[partner_id], actor=actor)


# --- Overrides -------------------------------------------------------------------------------


@transaction.atomic
def set_override(*, tenant, actor, partner_id: int, tier_id: int, reason: str, expires_on: date):
    """Staff put a partner at a tier by hand until `expires_on` (reason required)."""
    partner = (
        PartnerOrganisation.objects.for_tenant(tenant).select_for_update().filter(pk=partner_id)
    ).first()
    if partner is None:
        raise NotFound(_("No such partner."))
    tier = Tier.objects.for_tenant(tenant).filter(pk=tier_id).first()
    errors = {}
    if tier is None:
        errors["tier"] = [_("Choose one of this program's tiers.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the tier is set by hand; partners and auditors see it.")]
    if not isinstance(expires_on, date) or expires_on <= timezone.localdate():
        errors["expires_on"] = [_("Give an expiry date in the future.")]
    if errors:
        raise ValidationFailed(errors=errors)
    now = timezone.now()
    TierOverride.objects.for_tenant(tenant).filter(partner=partner, ended_at__isnull=True).update(
        ended_at=now
    )
    override = TierOverride.objects.create(
        tenant=tenant,
        partner=partner,
        tier=tier,
        reason=reason.strip(),
        expires_on=expires_on,
        created_by=actor,
    )
    change = TierChange.objects.create(
        tenant=tenant,
        partner=partner,
        kind=TierChange.Kind.OVERRIDE,
        from_tier_id=partner.tier_id,
        to_tier=tier,
        reason=override.reason,
        actor=actor,
    )
    from_tier_id = partner.tier_id
    partner.tier, partner.demotion_due_on = tier, None
    partner.save(update_fields=["tier", "demotion_due_on", "updated_at"])
    from ecosystem.audit.services import record

    record(
        tenant=tenant,
        actor=actor,
        action="partner.tier_override",
        obj=partner,
        changes={
            "tier": [from_tier_id, tier.pk],
            "reason": override.reason,
            "expires_on": expires_on,
        },
    )
    emit(
        tenant=tenant,
        name="partner.tier_changed",
        obj=partner,
        payload={
            "partner_id": partner.pk,
            "kind": TierChange.Kind.OVERRIDE,
            "from_tier_id": from_tier_id,
            "to_tier_id": tier.pk,
            "tier_change_id": change.pk,
        },
    )
    return override


@transaction.atomic
def end_override(*, tenant, actor, partner_id: int) -> EvaluationSummary:
    """End a partner's override now; the normal rules then decide its tier."""
    override = (
        TierOverride.objects.for_tenant(tenant)
        .select_for_update()
        .filter(partner_id=partner_id, ended_at__isnull=True)
        .first()
    )
    if override is None:
        raise NotFound(_("This partner has no active tier override."))
    return evaluate_partners(
        tenant=tenant,
        partner_ids=[partner_id],
        actor=actor,
        end_overrides_of=frozenset({partner_id}),
    )


def active_override(*, tenant, partner) -> TierOverride | None:
    return (
        TierOverride.objects.for_tenant(tenant)
        .select_related("tier", "created_by")
        .filter(partner=partner, ended_at__isnull=True)
        .first()
    )


# --- Progress for partners ---------------------------------------------------------------


def _amount(value: Decimal, unit: str, currency: str) -> str:
    if unit == Unit.MONEY:
        return f"{currency} {number_format(value, decimal_pos=0, force_grouping=True)}"
    return format_value(value, unit)


def gap_text(outcome: RequirementOutcome, currency: str) -> str:
    """What is missing, in plain words ("2 more people with portal access")."""
    rule = outcome.rule
    found = get_metric(rule.metric)
    label = (found.label if found else rule.metric).lower()
    unit = found.unit if found else Unit.COUNT
    if outcome.passed:
        return _("%(label)s: met") % {"label": label.capitalize()}
    step = Decimal("1") if unit in (Unit.COUNT, Unit.DAYS) else Decimal("0.01")
    if rule.comparator in (Comparator.GTE, Comparator.GT):
        missing = rule.threshold - outcome.value + (step if rule.comparator == Comparator.GT else 0)
        return _("%(amount)s more %(label)s") % {
            "amount": _amount(missing, unit, currency),
            "label": label,
        }
    if rule.comparator in (Comparator.LTE, Comparator.LT):
        excess = outcome.value - rule.threshold + (step if rule.comparator == Comparator.LT else 0)
        return _("%(amount)s less %(label)s") % {
            "amount": _amount(excess, unit, currency),
            "label": label,
        }
    return _("%(label)s of exactly %(amount)s") % {
        "label": label,
        "amount": _amount(rule.threshold, unit, currency),
    }


def progress_for(*, tenant, partner) -> dict:
    """The partner's tier, what it gives (and whether the vendor delivers it), and for the
    next tier each requirement with the current value, the threshold and the gap in plain
    words."""
    from .commitment_selectors import commitments_for

    rules = load_rules(tenant=tenant)
    values = compute_values(
        tenant=tenant, rules=rules, partner_ids=[partner.pk], now=timezone.now()
    )
    outcomes = outcomes_for(partner.pk, rules, values)
    current_rank = _rank(next((r for r in rules if r.id == partner.tier_id), None))
    next_outcome = next((o for o in outcomes if o.rule.rank > current_rank), None)
    currency = tenant.default_currency
    requirements = []
    summary = ""
    if next_outcome is not None:
        for outcome in next_outcome.outcomes:
            requirements.append(
                {
                    "metric": outcome.rule.metric,
                    "description": describe_requirement(outcome.rule),
                    "value": outcome.value,
                    "threshold": outcome.rule.threshold,
                    "passed": outcome.passed,
                    "gap": gap_text(outcome, currency),
                    "percent": _percent(outcome),
                }
            )
        missing = [gap_text(o, currency) for o in next_outcome.outcomes if not o.passed]
        still_needed = next_outcome.rule.needed() - sum(o.passed for o in next_outcome.outcomes)
        if still_needed <= 0:
            summary = _(
                "You meet every requirement for %(tier)s; the next evaluation moves you up."
            ) % {"tier": next_outcome.rule.name}
        elif next_outcome.rule.mode == RequirementMode.AT_LEAST:
            summary = _("Meet %(n)s more of these to reach %(tier)s: %(list)s.") % {
                "n": still_needed,
                "tier": next_outcome.rule.name,
                "list": "; ".join(missing),
            }
        else:
            summary = _("%(list)s to reach %(tier)s.") % {
                "list": _join(missing),
                "tier": next_outcome.rule.name,
            }
    return {
        "tier": partner.tier,
        "next_tier": next_outcome.rule if next_outcome else None,
        "requirements": requirements,
        "summary": summary[:1].upper() + summary[1:] if summary else "",
        "demotion_due_on": partner.demotion_due_on,
        "override": active_override(tenant=tenant, partner=partner),
        # The other side of the bargain: what the tier commits the vendor to, and whether
        # it is delivered.
        "commitments": commitments_for(tenant=tenant, partner=partner),
    }


def _percent(outcome: RequirementOutcome) -> int:
    """How far along a "reach at least" requirement is, for a progress bar (0–100)."""
    if outcome.passed:
        return 100
    threshold = outcome.rule.threshold
    if outcome.rule.comparator not in (Comparator.GTE, Comparator.GT) or threshold <= 0:
        return 0
    return max(0, min(99, int(outcome.value * 100 / threshold)))


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + _(" and ") + items[-1]


# --- Simulation ------------------------------------------------------------------------------


def simulate(*, tenant, rules: list[TierRule], now: datetime | None = None) -> dict:
    """What the rules would do to every partner, without writing anything.

    `qualified_tier` is what publishing records; `tier_after` is the effective tier the
    movement rules give today (pending demotions stay until their date).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    program = _program(tenant)
    values = compute_values(tenant=tenant, rules=rules, partner_ids=None, now=now)
    ranks = {rule.id: rule.rank for rule in rules}
    names = dict(Tier.objects.for_tenant(tenant).values_list("pk", "name"))
    overrides = {
        o.partner_id: o
        for o in TierOverride.objects.for_tenant(tenant).filter(
            ended_at__isnull=True, expires_on__gte=today
        )
    }
    moves, counts = [], {"up": 0, "down": 0, "pending_down": 0, "unchanged": 0}
    for partner in (
        PartnerOrganisation.objects.for_tenant(tenant)
        .only("id", "name", "tier_id", "qualified_tier_id", "demotion_due_on")
        .order_by("name")
    ):
        before = partner.tier_id
        outcomes = outcomes_for(partner.pk, rules, values)
        qualified = qualifying(outcomes)
        decide(
            partner=partner,
            qualified=qualified,
            ranks=ranks,
            program=program,
            override=overrides.get(partner.pk),
            today=today,
        )
        direction = _direction(ranks, before, partner.tier_id, qualified)
        counts[direction] += 1
        if direction != "unchanged":
            moves.append(
                {
                    "partner": {"id": partner.pk, "name": partner.name},
                    "direction": direction,
                    "tier_before": _tier_ref(before, names, ranks),
                    "qualified_tier": _tier_ref(qualified.id if qualified else None, names, ranks),
                    "tier_after": _tier_ref(partner.tier_id, names, ranks),
                    "demotion_due_on": partner.demotion_due_on,
                    "metric_values": {
                        r.rule.metric: str(r.value) for t in outcomes for r in t.outcomes
                    },
                }
            )
    return {"counts": counts, "moves": moves}


def _direction(ranks, before, after, qualified) -> str:
    before_rank = ranks.get(before, -1) if before else -1
    after_rank = ranks.get(after, -1) if after else -1
    if after_rank > before_rank:
        return "up"
    if after_rank < before_rank:
        return "down"
    qualified_rank = qualified.rank if qualified else -1
    return "pending_down" if qualified_rank < before_rank else "unchanged"


def _tier_ref(tier_id, names, ranks):
    if tier_id is None:
        return None
    return {"id": tier_id, "name": names.get(tier_id, ""), "rank": ranks.get(tier_id)}


@transaction.atomic
def publish_rules(*, tenant, actor, rules: list[TierRule]) -> EvaluationSummary:
    """Make a draft the program's rules, then re-evaluate every partner the normal way."""
    from ecosystem.audit.services import record

    tiers = {t.pk: t for t in Tier.objects.for_tenant(tenant).select_for_update()}
    TierRequirement.objects.for_tenant(tenant).delete()
    TierRequirement.objects.for_tenant(tenant).bulk_create(
        [
            TierRequirement(
                tenant=tenant,
                tier_id=rule.id,
                metric=r.metric,
                comparator=r.comparator,
                threshold=r.threshold,
                window_days=r.window_days,
                parameter=r.parameter,
            )
            for rule in rules
            for r in rule.requirements
        ]
    )
    for rule in rules:
        tier = tiers[rule.id]
        tier.requirement_mode, tier.required_count = rule.mode, rule.required_count
    Tier.objects.for_tenant(tenant).bulk_update(
        list(tiers.values()), ["requirement_mode", "required_count"]
    )
    record(tenant=tenant, actor=actor, action="tier.rules_published", changes=rules_to_json(rules))
    return evaluate_partners(tenant=tenant, actor=actor)


# --- Triggers ----------------------------------------------------------------------------

REEVALUATION_DELAY = timedelta(seconds=10)
NIGHTLY_AT_HOUR = 2


def request_reevaluation(*, tenant, partner_id: int | None = None) -> None:
    """Queue a re-evaluation of one partner (or all). Requests in a burst collapse into one:
    the due-work row for the same key only moves its due time."""
    from ecosystem.scheduling.services import schedule

    if partner_id is None:
        schedule(
            tenant=tenant,
            kind="partners.tier_full_reevaluation",
            key="all",
            due_at=timezone.now() + REEVALUATION_DELAY,
        )
    else:
        schedule(
            tenant=tenant,
            kind="partners.tier_reevaluation",
            key=f"partner:{partner_id}",
            due_at=timezone.now() + REEVALUATION_DELAY,
        )


def schedule_nightly_evaluation(*, tenant, now: datetime | None = None) -> None:
    """The next nightly full evaluation, at NIGHTLY_AT_HOUR in the tenant's time zone."""
    import zoneinfo

    from ecosystem.scheduling.services import schedule

    try:
        zone = zoneinfo.ZoneInfo(tenant.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = (now or timezone.now()).astimezone(zone)
    due = local.replace(hour=NIGHTLY_AT_HOUR, minute=0, second=0, microsecond=0)
    if due <= local:
        due += timedelta(days=1)
    # One key per night: booking tomorrow from tonight's run must add a row, not move it.
    schedule(
        tenant=tenant,
        kind="partners.tier_nightly_evaluation",
        key=f"nightly:{due.date().isoformat()}",
        due_at=due,
    )


# --- Drafts for the simulator page ----------------------------------------------------------


def open_draft(*, tenant, actor):
    """The person's open draft, or a new one copied from the published rules."""
    from .models import TierRuleDraft

    draft = (
        TierRuleDraft.objects.for_tenant(tenant)
        .filter(created_by=actor, published_at__isnull=True, discarded_at__isnull=True)
        .first()
    )
    if draft is None:
        draft = TierRuleDraft.objects.create(
            tenant=tenant, created_by=actor, rules=rules_to_json(load_rules(tenant=tenant))
        )
    return draft


def save_draft(*, tenant, actor, draft, data) -> list[TierRule]:
    """Validate and keep a draft's rules; returns them ready to simulate."""
    rules = rules_from_json(tenant=tenant, data=data)
    draft.rules = rules_to_json(rules)
    draft.save(update_fields=["rules", "updated_at"])
    return rules


@transaction.atomic
def publish_draft(*, tenant, actor, draft) -> EvaluationSummary:
    """Publish a draft: it becomes the rules and every partner is re-evaluated."""
    rules = rules_from_json(tenant=tenant, data=draft.rules)
    summary = publish_rules(tenant=tenant, actor=actor, rules=rules)
    draft.published_at = timezone.now()
    draft.save(update_fields=["published_at", "updated_at"])
    return summary


def discard_draft(*, tenant, actor, draft) -> None:
    draft.discarded_at = timezone.now()
    draft.save(update_fields=["discarded_at", "updated_at"])
