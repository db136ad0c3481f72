"""Partners worth adding to a deal, each with the reasons it was recommended.

Score (0..1) = 0.30 complementary type + 0.25 specialisation fit + 0.25 co-selling history
with the current participants + 0.20 serves the customer's country. Only active partners
that are not already on the deal are considered. A fixed number of queries whatever the
number of partners: candidates with their specialisations, then one aggregate of past
co-selling. (Certifications join the score once training records exist.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q
from django.utils.translation import gettext as _
from django_countries import countries

from partners.models import PartnerOrganisation, PartnerStatus, PartnerType, Specialisation

from .models import Deal, DealParticipant

# Who tends to complete whom on a deal: a reseller brings an integrator, a software vendor
# an implementation or managed-service partner, and so on.
COMPLEMENTS: dict[str, set[str]] = {
    PartnerType.ISV: {PartnerType.GSI, PartnerType.MSP, PartnerType.CONSULTANT},
    PartnerType.VAR: {PartnerType.MSP, PartnerType.GSI, PartnerType.ISV},
    PartnerType.REFERRAL: {PartnerType.VAR, PartnerType.GSI, PartnerType.MSP},
    PartnerType.GSI: {PartnerType.ISV, PartnerType.MSSP},
    PartnerType.MSP: {PartnerType.ISV, PartnerType.MSSP},
    PartnerType.MSSP: {PartnerType.MSP, PartnerType.GSI},
    PartnerType.CONSULTANT: {PartnerType.VAR, PartnerType.ISV},
}
MAX_CANDIDATES = 300
WEIGHTS = {"type": 0.30, "specialisation": 0.25, "history": 0.25, "region": 0.20}
WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = {"and", "the", "for", "of", "with", "a", "an", "to", "in", "on"}


@dataclass
class Recommendation:
    partner: PartnerOrganisation
    score: float
    reasons: list[str] = field(default_factory=list)


def _words(*texts: str) -> set[str]:
    return {
        word
        for text in texts
        for word in WORD.findall(text.lower())
        if len(word) > 2 and word not in STOPWORDS
    }


def recommend_partners(*, tenant, deal: Deal, limit: int = 5) -> list[Recommendation]:
    participants = list(
        DealParticipant.objects.for_tenant(tenant)
        .filter(deal=deal)
        .exclude(status=DealParticipant.Status.DECLINED)
        .select_related("partner")
        .prefetch_related("partner__specialisations")
    )
    on_deal = {participant.partner_id for participant in participants}
    active = [p for p in participants if p.status == DealParticipant.Status.ACTIVE]
    wanted_types = set().union(*(COMPLEMENTS.get(p.partner.partner_type, set()) for p in active))
    held = {s.pk for p in active for s in p.partner.specialisations.all()}
    deal_words = _words(deal.title, " ".join(deal.products or []), deal.notes)
    country = str(deal.customer_country)

    history = dict(
        DealParticipant.objects.for_tenant(tenant)
        .filter(
            status=DealParticipant.Status.ACTIVE,
            deal__participants__partner_id__in=[p.partner_id for p in active],
            deal__participants__status=DealParticipant.Status.ACTIVE,
        )
        .exclude(partner_id__in=on_deal)
        .exclude(deal=deal)
        .values("partner_id")
        .annotate(n=Count("deal", distinct=True))
        .values_list("partner_id", "n")
    )

    # Only partners that can score on type, place or history are read (bounded), so a
    # program with 100,000 partners does not load them all for one deal page.
    candidates = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(status=PartnerStatus.ACTIVE)
        .filter(
            Q(partner_type__in=sorted(wanted_types))
            | Q(country=country)
            | Q(countries_served__contains=country)
            | Q(pk__in=list(history))
        )
        .exclude(pk__in=on_deal)
        .select_related("tier")
        .prefetch_related(
            Prefetch("specialisations", queryset=Specialisation.objects.for_tenant(tenant))
        )
        .order_by(F("tier__rank").desc(nulls_last=True), "name")[:MAX_CANDIDATES]
    )
    recommendations = []
    for partner in candidates:
        score, reasons = 0.0, []
        if partner.partner_type in wanted_types:
            score += WEIGHTS["type"]
            reasons.append(
                _("%(type)s complements the partners on the deal")
                % {"type": partner.get_partner_type_display()}
            )
        specialisations = list(partner.specialisations.all())
        fitting = [s.name for s in specialisations if _words(s.name) & deal_words]
        new = [s.name for s in specialisations if s.pk not in held]
        if fitting:
            score += WEIGHTS["specialisation"]
            reasons.append(_("specialised in %(names)s") % {"names": ", ".join(fitting[:3])})
        elif new:
            score += WEIGHTS["specialisation"] / 2
            reasons.append(
                _("brings %(names)s, which the deal's partners lack")
                % {"names": ", ".join(new[:3])}
            )
        together = history.get(partner.pk, 0)
        if together:
            score += WEIGHTS["history"] * min(together, 3) / 3
            reasons.append(
                _("co-sold %(count)s deal(s) with the partners on this deal") % {"count": together}
            )
        served = {str(c) for c in partner.countries_served} | {str(partner.country)}
        if country in served:
            score += WEIGHTS["region"]
            reasons.append(
                _("serves %(country)s") % {"country": countries.name(country) or country}
            )
        if score > 0:
            recommendations.append(Recommendation(partner, round(score, 3), reasons))
    recommendations.sort(key=lambda r: (-r.score, r.partner.name))
    return recommendations[:limit]
