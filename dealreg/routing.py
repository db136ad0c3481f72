"""Lead routing: which partners may receive a lead, and how they are ranked.

Pure scoring over values loaded set-based: `rank_partners` reads the tenant's active routing
rules (one query) and every active partner with the figures the score needs annotated (one
query, however many partners there are), then decides in Python. Nothing is written here;
dealreg.leads offers the lead and stores the breakdown.

Eligibility
-----------
The first active rule (lowest priority number) whose lead criteria match the lead decides
which partners are eligible: its lead countries (empty = any) and "interest contains" (case
insensitive, empty = any). Of that rule's partner criteria, each one given must hold: the
partner's country or a country it serves is one of the rule's countries; a region it serves
(or its home country's region) is one of the rule's regions; its type is one of the rule's
types; it holds the rule's specialisation; its tier ranks at least the rule's minimum tier.
The rule's required certification is recorded in the notes but not checked until the
onboarding app tracks certifications (see `certified_partner_ids`). No rule matching means
every partner is eligible by criteria. Always: the partner is active and has room, i.e. its
open leads (offered to it or accepted by it) are fewer than its capacity.

Score
-----
Four components, each normalised to 0…1 and weighted (weights add up to 1), then multiplied
by the tier's routing weight:

    score = tier weight × (0.35 × win rate + 0.25 × free capacity + 0.25 × proximity
                           + 0.15 × rotation)

- win rate (0.35): deals the partner won ÷ deals it closed (won or lost) in the trailing
  365 days, smoothed as (won + 1) ÷ (won + lost + 2) so a partner with no closed deals
  starts at 0.5 instead of 0 or 1.
- free capacity (0.25): 1 − open leads ÷ capacity (a partner with room for 10 holding 3
  scores 0.7).
- proximity, the distance of region (0.25): 1.0 when the partner is based in the lead's
  country, 0.8 when it serves that country, 0.5 when it serves (or is based in) the lead's
  region, 0 otherwise. Regions: North America, Latin America, EMEA, APAC (`REGION_OF`).
- rotation, the recency of the last lead (0.15): hours since the partner was last offered
  any lead ÷ 168, capped at 1 (a week or more, or never: 1.0), so recent recipients step
  back and leads spread.
- tier routing weight (multiplier): the tier's `lead_priority_weight` (no tier: 1).

Each component is stored with its raw value, its normalised value, its weight and its
contribution to the score; the contributions add up to the score (the tier's contribution
is (weight − 1) × the weighted sum). Ties go to the partner with fewer open leads, then by
name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from partners.models import (
    PartnerOrganisation,
    PartnerSpecialisation,
    PartnerStatus,
    PartnerType,
    Region,
)

from .models import Deal, DealStatus, Lead, LeadOffer, LeadStatus, RoutingRule

BREAKDOWN_VERSION = 1
WEIGHTS: dict[str, Decimal] = {
    "win_rate": Decimal("0.35"),
    "load": Decimal("0.25"),
    "proximity": Decimal("0.25"),
    "recency": Decimal("0.15"),
}
WIN_RATE_WINDOW_DAYS = 365
ROTATION_FULL_HOURS = 168
PROXIMITY_SAME_COUNTRY = Decimal("1.0")
PROXIMITY_SERVES_COUNTRY = Decimal("0.8")
PROXIMITY_SAME_REGION = Decimal("0.5")
PROXIMITY_ELSEWHERE = Decimal("0")
OPEN_LEAD_STATUSES = (LeadStatus.OFFERED, LeadStatus.ACCEPTED)
# How many of the best candidates a stored breakdown keeps beside the chosen partner.
STORED_CANDIDATES = 10
STORED_EXCLUDED_NAMES = 5
FOUR_PLACES = Decimal("0.0001")

# --- regions ---------------------------------------------------------------------------------

_NORTH_AMERICA = "US CA BM GL PM UM"
_LATIN_AMERICA = (
    "MX GT BZ SV HN NI CR PA CU DO HT JM PR BS BB TT AG DM GD KN LC VC AI AW BQ CW SX KY TC VG "
    "VI MS GP MQ BL MF AR BO BR CL CO EC GY PY PE SR UY VE FK GF GS"
)
_ASIA_PACIFIC = (
    "AF BD BT IN LK MV NP PK CN HK MO TW JP KR KP MN BN KH ID LA MY MM PH SG TH TL VN AU NZ "
    "PG FJ SB VU NC PF WS TO KI TV NR FM MH PW CK NU TK WF AS GU MP NF PN CX CC HM IO AQ"
)
REGION_OF: dict[str, str] = {
    **{code: Region.NORTH_AMERICA for code in _NORTH_AMERICA.split()},
    **{code: Region.LATIN_AMERICA for code in _LATIN_AMERICA.split()},
    **{code: Region.APAC for code in _ASIA_PACIFIC.split()},
}


def region_of(country: str) -> str:
    """The sales region of an ISO country code; Europe, the Middle East and Africa (and any
    code not listed) are EMEA."""
    return REGION_OF.get(str(country or "").upper(), Region.EMEA)


def certified_partner_ids(*, tenant, code: str) -> set[int] | None:
    """Partners holding the certification `code`, or None while certifications are not
    tracked (the onboarding app is not there yet): the requirement is then noted, not
    applied."""
    return None


# --- results ---------------------------------------------------------------------------------


@dataclass
class Component:
    key: str
    label: str
    raw: Any
    detail: str
    normalised: Decimal
    weight: Decimal | None  # None: a multiplier
    contribution: Decimal = Decimal("0")

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "kind": "multiplier" if self.weight is None else "weighted",
            "raw": self.raw,
            "detail": self.detail,
            "normalised": float(self.normalised),
            "weight": None if self.weight is None else float(self.weight),
            "contribution": float(self.contribution),
        }


@dataclass
class Candidate:
    partner: PartnerOrganisation
    eligible: bool
    notes: list[str]  # why the partner is (or is not) eligible, in plain words
    failed: list[str]  # exclusion reason codes (EXCLUSION_LABELS)
    open_leads: int
    previous_offer: str  # the status of an earlier offer of this lead to it, or ""
    components: list[Component] = field(default_factory=list)
    score: Decimal = Decimal("0")
    rank: int | None = None

    @property
    def was_offered(self) -> bool:
        return bool(self.previous_offer)


EXCLUSION_LABELS = {
    "status": gettext_lazy("not active"),
    "country": gettext_lazy("not in the rule's partner countries"),
    "region": gettext_lazy("not in the rule's partner regions"),
    "partner_type": gettext_lazy("not one of the rule's partner types"),
    "specialisation": gettext_lazy("without the rule's specialisation"),
    "certification": gettext_lazy("without the rule's certification"),
    "tier": gettext_lazy("below the rule's minimum tier"),
    "capacity": gettext_lazy("at capacity"),
}


def exclusion_label(code: str) -> str:
    return str(EXCLUSION_LABELS.get(code, code))


@dataclass
class Ranking:
    """Every active partner considered for one lead: the eligible ones ranked best first."""

    lead: Lead
    rule: RoutingRule | None
    rule_note: str
    candidates: list[Candidate]  # eligible, best first (rank 1…n)
    excluded: list[Candidate]  # active partners that failed a criterion
    computed_at: datetime
    certification_note: str = ""

    def next_candidate(self) -> Candidate | None:
        """The best eligible partner not yet offered this lead."""
        return next((c for c in self.candidates if not c.was_offered), None)

    def find(self, partner_id: int) -> Candidate | None:
        for candidate in (*self.candidates, *self.excluded):
            if candidate.partner.pk == partner_id:
                return candidate
        return None

    def exclusion_summary(self) -> list[dict[str, Any]]:
        """[{reason, label, count, partners}] — how many active partners each criterion
        excluded (a partner failing several counts under each)."""
        summary: dict[str, list[str]] = {}
        for candidate in self.excluded:
            for code in candidate.failed:
                summary.setdefault(code, []).append(candidate.partner.name)
        return [
            {
                "reason": code,
                "label": exclusion_label(code),
                "count": len(names),
                "partners": sorted(names)[:STORED_EXCLUDED_NAMES],
            }
            for code, names in sorted(summary.items(), key=lambda item: -len(item[1]))
        ]

    def why_none(self) -> str:
        """Plain words for why no partner can be offered the lead."""
        if not self.candidates and not self.excluded:
            return _("No partner is active in this program.")
        if self.candidates:
            return _(
                "Every eligible partner (%(count)s) was offered this lead already and declined "
                "it or let the offer expire."
            ) % {"count": len(self.candidates)}
        parts = [
            _("%(count)s %(label)s") % {"count": item["count"], "label": item["label"]}
            for item in self.exclusion_summary()
        ]
        return _("No partner is eligible. %(rule)s Of %(total)s active partners: %(parts)s.") % {
            "rule": self.rule_note,
            "total": len(self.excluded),
            "parts": "; ".join(parts),
        }

    def breakdown_for(self, candidate: Candidate) -> dict[str, Any]:
        """The JSON stored on an offer: why this partner, and how the others scored."""
        partner = candidate.partner
        tier = partner.tier
        shown = self.candidates[:STORED_CANDIDATES]
        if candidate not in shown:
            shown = [*shown, candidate]
        return {
            "version": BREAKDOWN_VERSION,
            "computed_at": self.computed_at.isoformat(),
            "formula": formula_text(),
            "lead": {
                "country": str(self.lead.country),
                "region": region_of(str(self.lead.country)),
                "interest": self.lead.interest,
            },
            "rule": {"id": self.rule.pk, "name": self.rule.name} if self.rule else None,
            "rule_note": self.rule_note,
            "certification_note": self.certification_note,
            "partner": {
                "id": partner.pk,
                "name": partner.name,
                "country": str(partner.country),
                "region": region_of(str(partner.country)),
                "type": partner.partner_type,
            },
            "tier": {"id": tier.pk, "name": tier.name, "rank": tier.rank} if tier else None,
            "score": float(candidate.score),
            "rank": candidate.rank,
            "eligible": candidate.eligible,
            "eligible_count": len(self.candidates),
            "open_leads": candidate.open_leads,
            "capacity": partner.capacity,
            "components": [component.as_dict() for component in candidate.components],
            "eligibility": candidate.notes,
            "candidates": [_candidate_row(row) for row in shown],
            "excluded": self.exclusion_summary(),
        }


def _candidate_row(candidate: Candidate) -> dict[str, Any]:
    return {
        "partner_id": candidate.partner.pk,
        "partner_name": candidate.partner.name,
        "tier": candidate.partner.tier.name if candidate.partner.tier else None,
        "rank": candidate.rank,
        "score": float(candidate.score),
        "eligible": candidate.eligible,
        "previous_offer": candidate.previous_offer,
        "components": {
            component.key: {
                "raw": component.raw,
                "normalised": float(component.normalised),
                "contribution": float(component.contribution),
            }
            for component in candidate.components
        },
    }


def formula_text() -> str:
    return _(
        "score = tier routing weight × (%(win)s × win rate + %(load)s × free capacity + "
        "%(proximity)s × proximity + %(recency)s × rotation)"
    ) % {key: f"{WEIGHTS[name]}" for key, name in _FORMULA_KEYS.items()}


_FORMULA_KEYS = {"win": "win_rate", "load": "load", "proximity": "proximity", "recency": "recency"}


# --- loading ---------------------------------------------------------------------------------


def _count(queryset) -> Coalesce:
    """A correlated COUNT(*) of `queryset` (already filtered on OuterRef) as an integer."""
    return Coalesce(
        Subquery(
            queryset.order_by().values("tenant_id").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _candidates_queryset(*, tenant, lead: Lead, rule: RoutingRule | None, since, extra_ids):
    """Active partners (and `extra_ids`, whatever their status) with the figures the score
    needs, all in one query."""
    deals = Deal.objects.for_tenant(tenant).filter(partner=OuterRef("pk"), closed_on__gte=since)
    offers = LeadOffer.objects.for_tenant(tenant).filter(partner=OuterRef("pk"))
    previous = offers.filter(lead_id=lead.pk).order_by("-offered_at", "-id").values("status")[:1]
    partners = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(Q(status=PartnerStatus.ACTIVE) | Q(pk__in=list(extra_ids)))
        .select_related("tier")
        .annotate(
            open_leads=_count(
                Lead.objects.for_tenant(tenant).filter(
                    partner=OuterRef("pk"), status__in=OPEN_LEAD_STATUSES
                )
            ),
            won_deals=_count(deals.filter(status=DealStatus.WON)),
            lost_deals=_count(deals.filter(status=DealStatus.LOST)),
            last_offered_at=Subquery(
                offers.order_by()
                .values("partner_id")
                .annotate(last=Max("offered_at"))
                # the annotation's GROUP BY makes this one row per partner
                .values("last")[:1]
            ),
            previous_offer=Subquery(previous),
        )
        .order_by("name", "pk")
    )
    if rule is not None and rule.specialisation_id:
        partners = partners.annotate(
            has_specialisation=Exists(
                PartnerSpecialisation.objects.for_tenant(tenant).filter(
                    partner=OuterRef("pk"), specialisation_id=rule.specialisation_id
                )
            )
        )
    return partners


def matching_rule(rules: Iterable[RoutingRule], lead: Lead) -> RoutingRule | None:
    """The first rule, in priority order, whose lead criteria the lead meets."""
    country = str(lead.country)
    interest = (lead.interest or "").casefold()
    for rule in rules:
        codes = {str(code) for code in rule.lead_countries}
        if codes and country not in codes:
            continue
        wanted = (rule.interest_contains or "").strip().casefold()
        if wanted and wanted not in interest:
            continue
        return rule
    return None


def _rule_note(rule: RoutingRule | None, lead: Lead) -> str:
    if rule is None:
        return _(
            "No routing rule matches this lead, so every active partner with room is eligible."
        )
    criteria = []
    if rule.lead_countries:
        criteria.append(_("lead country %(country)s") % {"country": lead.country})
    if rule.interest_contains:
        criteria.append(_("interest contains “%(text)s”") % {"text": rule.interest_contains})
    return _("Rule “%(name)s” (priority %(priority)s) decides eligibility: %(criteria)s.") % {
        "name": rule.name,
        "priority": rule.priority,
        "criteria": ", ".join(criteria) or _("it covers every lead"),
    }


# --- eligibility -----------------------------------------------------------------------------


def _check(
    partner, rule: RoutingRule | None, certified: set[int] | None
) -> tuple[list[str], list[str]]:
    """(notes, failed codes) of one partner against the rule's partner criteria and its
    capacity."""
    notes: list[str] = []
    failed: list[str] = []
    if partner.status != PartnerStatus.ACTIVE:
        failed.append("status")
        notes.append(_("is %(status)s, not active") % {"status": partner.get_status_display()})
    else:
        notes.append(_("active"))
    if rule is not None:
        territory = {str(partner.country), *(str(code) for code in partner.countries_served)}
        wanted_countries = {str(code) for code in rule.partner_countries}
        if wanted_countries:
            shared = sorted(territory & wanted_countries)
            if shared:
                notes.append(_("covers %(countries)s") % {"countries": ", ".join(shared)})
            else:
                failed.append("country")
                notes.append(
                    _("covers none of %(countries)s")
                    % {"countries": ", ".join(sorted(wanted_countries))}
                )
        if rule.partner_regions:
            regions = {*partner.regions, region_of(str(partner.country))}
            shared = sorted(regions & set(rule.partner_regions))
            if shared:
                notes.append(_("serves region %(regions)s") % {"regions": ", ".join(shared)})
            else:
                failed.append("region")
                notes.append(
                    _("serves none of the regions %(regions)s")
                    % {"regions": ", ".join(rule.partner_regions)}
                )
        if rule.partner_types:
            label = PartnerType(partner.partner_type).label if partner.partner_type else "—"
            if partner.partner_type in rule.partner_types:
                notes.append(_("type %(type)s") % {"type": label})
            else:
                failed.append("partner_type")
                notes.append(_("type %(type)s is not wanted") % {"type": label})
        if rule.specialisation_id:
            name = rule.specialisation.name if rule.specialisation else ""
            if getattr(partner, "has_specialisation", False):
                notes.append(_("holds “%(name)s”") % {"name": name})
            else:
                failed.append("specialisation")
                notes.append(_("lacks “%(name)s”") % {"name": name})
        if rule.required_certification and certified is not None:
            if partner.pk in certified:
                notes.append(_("certified %(code)s") % {"code": rule.required_certification})
            else:
                failed.append("certification")
                notes.append(_("not certified %(code)s") % {"code": rule.required_certification})
        minimum = rule.minimum_tier
        if minimum is not None:
            tier = partner.tier
            if tier is not None and tier.rank >= minimum.rank:
                notes.append(
                    _("tier %(tier)s ≥ %(minimum)s") % {"tier": tier.name, "minimum": minimum.name}
                )
            else:
                failed.append("tier")
                notes.append(
                    _("tier %(tier)s below %(minimum)s")
                    % {"tier": tier.name if tier else _("none"), "minimum": minimum.name}
                )
    if partner.open_leads >= partner.capacity:
        failed.append("capacity")
        notes.append(
            _("at capacity (%(open)s of %(capacity)s open leads)")
            % {"open": partner.open_leads, "capacity": partner.capacity}
        )
    else:
        notes.append(
            _("has room (%(open)s of %(capacity)s open leads)")
            % {"open": partner.open_leads, "capacity": partner.capacity}
        )
    return notes, failed


# --- scoring ---------------------------------------------------------------------------------


def _quantise(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def score_components(partner, *, lead: Lead, now: datetime) -> list[Component]:
    """The weighted components and the tier multiplier of one partner for one lead, with
    contributions filled in (they add up to the score)."""
    won, lost = partner.won_deals, partner.lost_deals
    win_rate = Decimal(won + 1) / Decimal(won + lost + 2)
    capacity = partner.capacity or 0
    free = (
        max(Decimal("0"), Decimal("1") - Decimal(partner.open_leads) / Decimal(capacity))
        if capacity
        else Decimal("0")
    )
    lead_country = str(lead.country)
    lead_region = region_of(lead_country)
    served = {str(code) for code in partner.countries_served}
    if str(partner.country) == lead_country:
        proximity, where = PROXIMITY_SAME_COUNTRY, _("based in %(c)s")
    elif lead_country in served:
        proximity, where = PROXIMITY_SERVES_COUNTRY, _("serves %(c)s")
    elif lead_region in {*partner.regions, region_of(str(partner.country))}:
        proximity, where = PROXIMITY_SAME_REGION, _("same region as %(c)s")
    else:
        proximity, where = PROXIMITY_ELSEWHERE, _("outside the region of %(c)s")
    last = partner.last_offered_at
    if last is None:
        hours = None
        rotation = Decimal("1")
        rotation_detail = _("never offered a lead")
    else:
        hours = max(0.0, (now - last).total_seconds() / 3600)
        rotation = min(Decimal("1"), Decimal(str(round(hours, 2))) / ROTATION_FULL_HOURS)
        rotation_detail = _("last lead offered %(hours)s h ago") % {"hours": f"{hours:.1f}"}
    components = [
        Component(
            "win_rate",
            _("Win rate"),
            {"won": won, "lost": lost},
            _("%(won)s won, %(lost)s lost in %(days)s days")
            % {"won": won, "lost": lost, "days": WIN_RATE_WINDOW_DAYS},
            _quantise(win_rate),
            WEIGHTS["win_rate"],
        ),
        Component(
            "load",
            _("Free capacity"),
            {"open_leads": partner.open_leads, "capacity": capacity},
            _("%(open)s of %(capacity)s open leads")
            % {"open": partner.open_leads, "capacity": capacity},
            _quantise(free),
            WEIGHTS["load"],
        ),
        Component(
            "proximity",
            _("Proximity"),
            {"partner_country": str(partner.country), "lead_country": lead_country},
            where % {"c": countries.name(lead_country) or lead_country},
            proximity,
            WEIGHTS["proximity"],
        ),
        Component(
            "recency",
            _("Rotation"),
            None if hours is None else round(hours, 2),
            rotation_detail,
            _quantise(rotation),
            WEIGHTS["recency"],
        ),
    ]
    base = Decimal("0")
    for component in components:
        assert component.weight is not None
        component.contribution = _quantise(component.weight * component.normalised)
        base += component.contribution
    tier = partner.tier
    multiplier = tier.lead_priority_weight if tier is not None else Decimal("1")
    components.append(
        Component(
            "tier",
            _("Tier routing weight"),
            float(multiplier),
            _("tier %(tier)s") % {"tier": tier.name} if tier else _("no tier"),
            Decimal(multiplier),
            None,
            _quantise((Decimal(multiplier) - 1) * base),
        )
    )
    return components


def _total(components: list[Component]) -> Decimal:
    return _quantise(sum((component.contribution for component in components), Decimal("0")))


def rank_partners(
    *, tenant, lead: Lead, now: datetime | None = None, include_partner_id: int | None = None
) -> Ranking:
    """Every active partner checked against the lead's routing rule and scored: eligible
    ones ranked best first, the others with the criteria they failed. `include_partner_id`
    adds one partner whatever its status (staff overriding the choice). Two queries."""
    now = now or timezone.now()
    rules = list(
        RoutingRule.objects.for_tenant(tenant)
        .filter(is_active=True)
        .select_related("specialisation", "minimum_tier")
        .order_by("priority", "id")
    )
    rule = matching_rule(rules, lead)
    certified = None
    certification_note = ""
    if rule is not None and rule.required_certification:
        certified = certified_partner_ids(tenant=tenant, code=rule.required_certification)
        if certified is None:
            certification_note = _(
                "The rule asks for certification %(code)s; certifications are not tracked "
                "yet, so it was not checked."
            ) % {"code": rule.required_certification}
    partners = _candidates_queryset(
        tenant=tenant,
        lead=lead,
        rule=rule,
        since=(now - timedelta(days=WIN_RATE_WINDOW_DAYS)).date(),
        extra_ids=[include_partner_id] if include_partner_id else [],
    )
    eligible: list[Candidate] = []
    excluded: list[Candidate] = []
    for partner in partners:
        notes, failed = _check(partner, rule, certified)
        candidate = Candidate(
            partner=partner,
            eligible=not failed,
            notes=notes,
            failed=failed,
            open_leads=partner.open_leads,
            previous_offer=partner.previous_offer or "",
        )
        if candidate.eligible or partner.pk == include_partner_id:
            candidate.components = score_components(partner, lead=lead, now=now)
            candidate.score = _total(candidate.components)
        if candidate.was_offered:
            candidate.notes.append(
                _("offered this lead before (%(status)s)")
                % {"status": LeadOffer.Status(candidate.previous_offer).label.lower()}
            )
        (eligible if candidate.eligible else excluded).append(candidate)
    eligible.sort(key=lambda c: (-c.score, c.open_leads, c.partner.name.casefold(), c.partner.pk))
    for position, candidate in enumerate(eligible, start=1):
        candidate.rank = position
    return Ranking(
        lead=lead,
        rule=rule,
        rule_note=_rule_note(rule, lead),
        candidates=eligible,
        excluded=excluded,
        computed_at=now,
        certification_note=certification_note,
    )
