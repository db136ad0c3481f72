"""Deal metrics for tier rules (partners.metrics registry): one aggregate query each.

Money metrics add up won deals in the program's currency (the tenant's default currency);
deals in other currencies are not converted (there is no exchange-rate source yet), so tier
thresholds and the revenue they count share one currency.
"""

from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from partners.metrics import Unit, Values, metric

from .models import Deal, DealParticipant, DealStatus, ParticipantRole

MONEY_FIELD = DecimalField(max_digits=18, decimal_places=2)
INFLUENCE_ROLES = [role for role in ParticipantRole.values if role != ParticipantRole.SOURCED]


def _won(tenant, since):
    deals = Q(deal__status=DealStatus.WON, deal__currency=tenant.default_currency)
    if since is not None:
        deals &= Q(deal__closed_on__gte=since.date())
    return deals


def _participations(tenant, partner_ids):
    rows = DealParticipant.objects.for_tenant(tenant).filter(status=DealParticipant.Status.ACTIVE)
    return rows if partner_ids is None else rows.filter(partner_id__in=partner_ids)


def _sum_by_partner(rows) -> Values:
    return {pk: total or Decimal("0") for pk, total in rows}


def _revenue_per_partner(roles):
    """(tenant, since) -> each partner row's won revenue in `roles`, for sorting lists."""

    def expression(*, tenant, since):
        total = (
            _participations(tenant, None)
            .filter(_won(tenant, since), role__in=roles, partner_id=OuterRef("pk"))
            .values("partner_id")
            .annotate(total=Sum("deal__final_amount"))
            .values("total")
        )
        return Coalesce(Subquery(total), Value(Decimal("0")), output_field=MONEY_FIELD)

    return expression


@metric(
    "sourced_won_revenue",
    label=_("Sourced won revenue"),
    unit=Unit.MONEY,
    description=_("Final amounts of won deals the partner registered, in the program currency."),
    per_partner=_revenue_per_partner([ParticipantRole.SOURCED]),
)
def sourced_won_revenue(*, tenant, partner_ids, since, parameter) -> Values:
    rows = (
        _participations(tenant, partner_ids)
        .filter(_won(tenant, since), role=ParticipantRole.SOURCED)
        .values("partner_id")
        .annotate(total=Sum("deal__final_amount"))
        .values_list("partner_id", "total")
    )
    return _sum_by_partner(rows)


@metric(
    "influenced_won_revenue",
    label=_("Influenced won revenue"),
    unit=Unit.MONEY,
    description=_(
        "Final amounts of won deals the partner took part in without registering them "
        "(influence, fulfillment, referral, co-sell), in the program currency."
    ),
    per_partner=_revenue_per_partner(INFLUENCE_ROLES),
)
def influenced_won_revenue(*, tenant, partner_ids, since, parameter) -> Values:
    rows = (
        _participations(tenant, partner_ids)
        .filter(_won(tenant, since), role__in=INFLUENCE_ROLES)
        .values("partner_id")
        .annotate(total=Sum("deal__final_amount"))
        .values_list("partner_id", "total")
    )
    return _sum_by_partner(rows)


@metric(
    "won_deal_count",
    label=_("Won deals"),
    unit=Unit.COUNT,
    description=_("Deals the partner registered that were won."),
)
def won_deal_count(*, tenant, partner_ids, since, parameter) -> Values:
    deals = Deal.objects.for_tenant(tenant).filter(status=DealStatus.WON)
    if partner_ids is not None:
        deals = deals.filter(partner_id__in=partner_ids)
    if since is not None:
        deals = deals.filter(closed_on__gte=since.date())
    rows = deals.values("partner_id").annotate(n=Count("pk")).values_list("partner_id", "n")
    return {pk: Decimal(n) for pk, n in rows}


@metric(
    "registered_deal_count",
    label=_("Registered deals"),
    unit=Unit.COUNT,
    description=_("Deals the partner registered, whatever became of them."),
)
def registered_deal_count(*, tenant, partner_ids, since, parameter) -> Values:
    deals = Deal.objects.for_tenant(tenant)
    if partner_ids is not None:
        deals = deals.filter(partner_id__in=partner_ids)
    if since is not None:
        deals = deals.filter(created_at__gte=since)
    rows = deals.values("partner_id").annotate(n=Count("pk")).values_list("partner_id", "n")
    return {pk: Decimal(n) for pk, n in rows}


def sourced_won_by_partner(*, tenant, start, end) -> dict[int, dict[str, tuple[Decimal, int]]]:
    """{partner id: {currency: (won revenue, won deals)}} for deals the partner registered
    and won between `start` and `end` (close dates, inclusive), in every currency (one
    query): MDF accruals count the fund's currency and report the rest."""
    rows = (
        _participations(tenant, None)
        .filter(
            role=ParticipantRole.SOURCED,
            deal__status=DealStatus.WON,
            deal__closed_on__gte=start,
            deal__closed_on__lte=end,
        )
        .values("partner_id", "deal__currency")
        .annotate(total=Sum("deal__final_amount"), deals=Count("deal_id"))
        .order_by()
    )
    found: dict[int, dict[str, tuple[Decimal, int]]] = {}
    for row in rows:
        found.setdefault(row["partner_id"], {})[row["deal__currency"]] = (
            row["total"] or Decimal("0"),
            row["deals"],
        )
    return found
