"""Reads of leads, offers and routing rules, applying the reader's visibility, and the
routing fairness report.

Staff see every lead of the tenant. A partner member sees only the leads currently offered
to its organisation or accepted (later converted or lost) by it: another partner's lead, or
one the organisation declined or let expire, is a 404. Of a lead's offers a partner member
sees only its own organisation's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any

from django.db.models import Count, F, Min, Prefetch, Q
from django.db.models.fields.json import KT
from django.utils.translation import gettext as _

from ecosystem.audit.models import AuditEntry
from ecosystem.portal.selectors import tenant_zone
from partners.models import Region

from .models import Lead, LeadOffer, LeadStatus, RoutingRule
from .routing import region_of

PARTNER_VISIBLE_STATUSES = (
    LeadStatus.OFFERED,
    LeadStatus.ACCEPTED,
    LeadStatus.CONVERTED,
    LeadStatus.LOST,
)
INBOX_STATUSES = (LeadStatus.OFFERED, LeadStatus.ACCEPTED)


def _as_id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def leads_visible_to(*, tenant, membership):
    leads = Lead.objects.for_tenant(tenant).select_related("partner__tier")
    if membership is None:
        return leads.none()
    if membership.is_partner_member:
        return leads.filter(
            partner_id=membership.partner_organisation_id, status__in=PARTNER_VISIBLE_STATUSES
        )
    return leads


def _offers_for(tenant, membership, **filters):
    offers = LeadOffer.objects.for_tenant(tenant).filter(**filters).select_related("partner")
    if membership is not None and membership.is_partner_member:
        offers = offers.filter(partner_id=membership.partner_organisation_id)
    return offers


def lead_list(*, tenant, membership, filters: dict | None = None):
    """Leads the member may see, newest first, with the open offer of each loaded
    (`open_offers`): filters status, partner, country, source, q (company or contact)."""
    filters = filters or {}
    leads = leads_visible_to(tenant=tenant, membership=membership).prefetch_related(
        Prefetch(
            "offers",
            queryset=_offers_for(tenant, membership, status=LeadOffer.Status.OFFERED),
            to_attr="open_offers",
        )
    )
    status = filters.get("status")
    if status in LeadStatus.values:
        leads = leads.filter(status=status)
    elif status == "open":
        leads = leads.filter(status__in=(LeadStatus.NEW, *INBOX_STATUSES))
    partner_id = _as_id(filters.get("partner"))
    if partner_id:
        leads = leads.filter(partner_id=partner_id)
    country = str(filters.get("country") or "").upper()
    if len(country) == 2:
        leads = leads.filter(country=country)
    source = filters.get("source")
    if source in Lead.Source.values:
        leads = leads.filter(source=source)
    query = str(filters.get("q") or "").strip()
    if query:
        leads = leads.filter(
            Q(company_name__icontains=query)
            | Q(company_domain__icontains=query)
            | Q(contact_name__icontains=query)
        )
    return leads.order_by("-created_at", "-id")


def inbox(*, tenant, membership):
    """A partner's leads to answer (offers, soonest expiry first) and to work (accepted,
    newest first)."""
    return (
        lead_list(tenant=tenant, membership=membership)
        .filter(status__in=INBOX_STATUSES)
        .annotate(
            answer_due=Min("offers__expires_at", filter=Q(offers__status=LeadOffer.Status.OFFERED))
        )
        .order_by(F("answer_due").asc(nulls_last=True), "-created_at", "-id")
    )


def lead_detail(*, tenant, membership, pk):
    """One lead with its offers (a partner member: only its own organisation's), or None
    when the member may not see it."""
    offers = _offers_for(tenant, membership).select_related("partner__tier", "responded_by")
    return (
        leads_visible_to(tenant=tenant, membership=membership)
        .select_related("deal", "created_by")
        .prefetch_related(
            Prefetch("offers", queryset=offers.order_by("offered_at", "id")),
            Prefetch(
                "offers",
                queryset=_offers_for(tenant, membership, status=LeadOffer.Status.OFFERED),
                to_attr="open_offers",
            ),
        )
        .filter(pk=_as_id(pk) or 0)
        .first()
    )


def open_offer(lead) -> LeadOffer | None:
    """The lead's open offer from a lead loaded by lead_list/lead_detail (no query)."""
    offers = getattr(lead, "open_offers", None) or []
    return offers[0] if offers else None


def routing_note(*, tenant, lead) -> str:
    """Why the lead could not be offered, when it is waiting (`new`) or ran out (`declined`)."""
    if lead.status not in (LeadStatus.NEW, LeadStatus.DECLINED):
        return ""
    entry = (
        AuditEntry.objects.for_tenant(tenant)
        .filter(object_type="dealreg.lead", object_id=str(lead.pk), action="lead.unrouted")
        .order_by("-created_at", "-id")
        .values_list("changes", flat=True)
        .first()
    )
    return (entry or {}).get("note", "") if isinstance(entry, dict) else ""


def lead_history(*, tenant, lead, limit: int = 50):
    """The lead's audit trail, oldest first (staff)."""
    return (
        AuditEntry.objects.for_tenant(tenant)
        .filter(object_type="dealreg.lead", object_id=str(lead.pk))
        .select_related("actor")
        .order_by("created_at", "id")[:limit]
    )


def routing_rules(*, tenant):
    return (
        RoutingRule.objects.for_tenant(tenant)
        .select_related("specialisation", "minimum_tier")
        .order_by("priority", "id")
    )


def lead_counts(*, tenant) -> dict[str, int]:
    """Headline numbers for the staff lead list (one query)."""
    leads = Lead.objects.for_tenant(tenant)
    return leads.aggregate(
        total=Count("pk"),
        new=Count("pk", filter=Q(status=LeadStatus.NEW)),
        offered=Count("pk", filter=Q(status=LeadStatus.OFFERED)),
        accepted=Count("pk", filter=Q(status=LeadStatus.ACCEPTED)),
        declined=Count("pk", filter=Q(status=LeadStatus.DECLINED)),
    )


# --- the fairness report ---------------------------------------------------------------------


@dataclass
class Period:
    start: date
    end: date  # inclusive

    def bounds(self, tenant) -> tuple[datetime, datetime]:
        zone = tenant_zone(tenant)
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )


def _hours(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "average": None}
    return {
        "median": round(median(values), 2),
        "average": round(sum(values) / len(values), 2),
    }


def routing_report(*, tenant, period: Period, top_partners: int = 25) -> dict[str, Any]:
    """How leads were routed in the period (offers made in it): totals by outcome, time to
    accept, declines with their reasons, SLA pullbacks (offers that expired unanswered),
    overrides, and the spread over partner tiers and regions (as they were when offered)
    and over partners. Leads created in the period by source and by region. A fixed number
    of queries, however many offers."""
    start, end = period.bounds(tenant)
    offers = LeadOffer.objects.for_tenant(tenant).filter(offered_at__gte=start, offered_at__lt=end)
    totals = offers.aggregate(
        offers=Count("pk"),
        open=Count("pk", filter=Q(status=LeadOffer.Status.OFFERED)),
        accepted=Count("pk", filter=Q(status=LeadOffer.Status.ACCEPTED)),
        declined=Count("pk", filter=Q(status=LeadOffer.Status.DECLINED)),
        expired=Count("pk", filter=Q(status=LeadOffer.Status.EXPIRED)),
        withdrawn=Count("pk", filter=Q(status=LeadOffer.Status.WITHDRAWN)),
        overrides=Count("pk", filter=Q(is_override=True)),
        leads=Count("lead_id", distinct=True),
        partners=Count("partner_id", distinct=True),
    )
    answered = list(
        offers.filter(
            status__in=(LeadOffer.Status.ACCEPTED, LeadOffer.Status.DECLINED),
            responded_at__isnull=False,
        ).values_list("status", "offered_at", "responded_at")
    )
    accept_hours = [
        (responded - offered).total_seconds() / 3600
        for status, offered, responded in answered
        if status == LeadOffer.Status.ACCEPTED
    ]
    decline_hours = [
        (responded - offered).total_seconds() / 3600
        for status, offered, responded in answered
        if status == LeadOffer.Status.DECLINED
    ]
    reasons = Counter(
        " ".join(reason.split()).rstrip(".")
        for reason in offers.filter(status=LeadOffer.Status.DECLINED).values_list(
            "reason", flat=True
        )
    )
    by_tier = list(
        offers.annotate(
            tier_name=KT("breakdown__tier__name"), tier_rank=KT("breakdown__tier__rank")
        )
        .values("tier_name", "tier_rank")
        .annotate(
            offers=Count("pk"),
            accepted=Count("pk", filter=Q(status=LeadOffer.Status.ACCEPTED)),
            leads=Count("lead_id", distinct=True),
        )
        .order_by()
    )
    by_tier.sort(key=lambda row: (-int(row["tier_rank"] or -1), row["tier_name"] or ""))
    by_region: dict[str, dict[str, int]] = {}
    for region, count, accepted in (
        offers.annotate(region=KT("breakdown__partner__region"))
        .values("region")
        .annotate(
            offers=Count("pk"), accepted=Count("pk", filter=Q(status=LeadOffer.Status.ACCEPTED))
        )
        .values_list("region", "offers", "accepted")
    ):
        by_region[region or ""] = {"offers": count, "accepted": accepted}
    partner_rows = list(
        offers.values("partner_id", "partner__name")
        .annotate(
            offers=Count("pk"),
            accepted=Count("pk", filter=Q(status=LeadOffer.Status.ACCEPTED)),
            declined=Count("pk", filter=Q(status=LeadOffer.Status.DECLINED)),
            expired=Count("pk", filter=Q(status=LeadOffer.Status.EXPIRED)),
            overrides=Count("pk", filter=Q(is_override=True)),
        )
        .order_by("-offers", "partner__name")[:top_partners]
    )
    created = Lead.objects.for_tenant(tenant).filter(created_at__gte=start, created_at__lt=end)
    by_source = dict(created.values("source").annotate(n=Count("pk")).values_list("source", "n"))
    by_country = created.values("country").annotate(n=Count("pk")).values_list("country", "n")
    lead_regions: Counter[str] = Counter()
    for country, count in by_country:
        lead_regions[region_of(country)] += count
    region_labels = dict(Region.choices)
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "totals": {
            **totals,
            "sla_pullbacks": totals["expired"],
            "leads_created": sum(by_source.values()),
            "acceptance_rate": round(totals["accepted"] / totals["offers"], 4)
            if totals["offers"]
            else None,
        },
        "hours_to_accept": _hours(accept_hours),
        "hours_to_decline": _hours(decline_hours),
        "decline_reasons": [
            {"reason": reason or _("(no reason)"), "count": count}
            for reason, count in reasons.most_common(10)
        ],
        "by_tier": [
            {
                "tier": row["tier_name"] or None,
                "rank": int(row["tier_rank"]) if row["tier_rank"] not in (None, "") else None,
                "offers": row["offers"],
                "accepted": row["accepted"],
                "leads": row["leads"],
            }
            for row in by_tier
        ],
        "by_partner_region": [
            {
                "region": code,
                "label": str(region_labels.get(code, code)),
                **by_region.get(code, {"offers": 0, "accepted": 0}),
            }
            for code in Region.values
        ],
        "by_partner": [
            {
                "partner": row["partner_id"],
                "partner_name": row["partner__name"],
                "offers": row["offers"],
                "accepted": row["accepted"],
                "declined": row["declined"],
                "expired": row["expired"],
                "overrides": row["overrides"],
            }
            for row in partner_rows
        ],
        "leads_by_source": [
            {"source": code, "label": str(label), "count": by_source.get(code, 0)}
            for code, label in Lead.Source.choices
        ],
        "leads_by_region": [
            {"region": code, "label": str(label), "count": lead_regions.get(code, 0)}
            for code, label in Region.choices
        ],
    }
