"""What each MDF dollar returned: per request, and summed per partner, activity type and
fund. Spend is what was approved on the request's claim; leads, pipeline and won revenue are
attributed through the claim's linked leads and deals (a linked lead's deal counts too).

    cost per lead = spend / leads          ROI = (won revenue − spend) / spend

Exact decimals throughout: cost per lead to the cent, ROI to four places (0.2500 = 25 %),
both rounded half up, and None where the divisor is zero. Group figures count a deal once
even when several of the group's activities link it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch

from dealreg.models import OPEN_STATUSES, Deal, DealStatus, Lead

from .models import Claim, ClaimStatus, FundRequest

CENT = Decimal("0.01")
RATIO = Decimal("0.0001")


@dataclass
class Return:
    """Spend and what it brought, for one request or a group of them."""

    label: str
    currency: str
    spend: Decimal = Decimal("0.00")
    leads: int = 0
    activities: int = 0
    deals: dict[int, Deal] = field(default_factory=dict)
    request: FundRequest | None = None  # set on a single request's row

    @property
    def pipeline(self) -> Decimal:
        return sum(
            (deal.amount for deal in self.deals.values() if deal.status in OPEN_STATUSES),
            Decimal("0.00"),
        )

    @property
    def won_revenue(self) -> Decimal:
        return sum(
            (deal.final_amount or Decimal("0") for deal in self.deals.values()
             if deal.status == DealStatus.WON),
            Decimal("0.00"),
        )  # fmt: skip

    @property
    def cost_per_lead(self) -> Decimal | None:
        if not self.leads:
            return None
        return (self.spend / self.leads).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def roi(self) -> Decimal | None:
        if not self.spend:
            return None
        return ((self.won_revenue - self.spend) / self.spend).quantize(RATIO, ROUND_HALF_UP)


def _claims(tenant, *, partner_id=None, fund_id=None):
    claims = (
        Claim.objects.for_tenant(tenant)
        .filter(status__in=[ClaimStatus.APPROVED, ClaimStatus.PAID])
        .select_related("request__allocation__fund", "request__allocation__partner")
        .prefetch_related(
            Prefetch("linked_deals", queryset=Deal.objects.for_tenant(tenant)),
            Prefetch(
                "linked_leads",
                queryset=Lead.objects.for_tenant(tenant).select_related("deal"),
            ),
        )
        .order_by("request__start_date", "pk")
    )
    if partner_id is not None:
        claims = claims.filter(request__allocation__partner_id=partner_id)
    if fund_id is not None:
        claims = claims.filter(request__allocation__fund_id=fund_id)
    return claims


def _add(total: Return, claim: Claim) -> None:
    currency = claim.currency
    total.spend += claim.approved_amount or Decimal("0")
    linked_leads = list(claim.linked_leads.all())
    total.leads += max(claim.leads_generated, len(linked_leads))
    total.activities += 1
    deals = list(claim.linked_deals.all()) + [lead.deal for lead in linked_leads if lead.deal]
    for deal in deals:
        if deal.currency == currency:  # not converted: no exchange rates yet
            total.deals[deal.pk] = deal


def by_request(*, tenant, partner_id=None, fund_id=None) -> list[Return]:
    """One Return per claimed request (three queries, whatever the number)."""
    rows = []
    for claim in _claims(tenant, partner_id=partner_id, fund_id=fund_id):
        row = Return(label=claim.request.title, currency=claim.currency, request=claim.request)
        _add(row, claim)
        rows.append(row)
    return rows


def _grouped(claims: Iterable[Claim], key: Callable[[Claim], tuple[str, str]]) -> list[Return]:
    groups: dict[tuple[str, str], Return] = {}
    for claim in claims:
        label, currency = key(claim)
        group = groups.setdefault((label, currency), Return(label=label, currency=currency))
        _add(group, claim)
    return sorted(groups.values(), key=lambda group: (-group.spend, group.label))


def by_partner(*, tenant, fund_id=None) -> list[Return]:
    return _grouped(
        _claims(tenant, fund_id=fund_id),
        lambda claim: (claim.request.allocation.partner.name, claim.currency),
    )


def by_activity_type(*, tenant, partner_id=None, fund_id=None) -> list[Return]:
    return _grouped(
        _claims(tenant, partner_id=partner_id, fund_id=fund_id),
        lambda claim: (claim.request.get_activity_type_display(), claim.currency),
    )


def by_fund(*, tenant, partner_id=None) -> list[Return]:
    return _grouped(
        _claims(tenant, partner_id=partner_id),
        lambda claim: (claim.request.allocation.fund.name, claim.currency),
    )
