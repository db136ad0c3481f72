"""Deal metrics in the tier registry: set-based, windowed, and re-evaluating on deal.won."""

import datetime
from decimal import Decimal

from django.utils import timezone

from dealreg import services
from dealreg.models import DealParticipant, DealStatus
from ecosystem.outbox.services import dispatch_pending
from ecosystem.scheduling.models import DueWork
from partners.metrics import get_metric
from tests.dealreg.factories import DealFactory
from tests.partners.factories import PartnerOrganisationFactory


def _won(tenant, partner, amount, closed_on, currency="USD", influencer=None):
    deal = DealFactory(
        tenant=tenant,
        partner=partner,
        status=DealStatus.WON,
        final_amount=Decimal(amount),
        closed_on=closed_on,
        currency=currency,
    )
    DealParticipant.objects.create(tenant=tenant, deal=deal, partner=partner, role="sourced")
    if influencer is not None:
        DealParticipant.objects.create(
            tenant=tenant, deal=deal, partner=influencer, role="influence"
        )
    return deal


def test_sourced_and_influenced_revenue_and_counts(tenant, partner, other_partner):
    today = timezone.localdate()
    _won(tenant, partner, "1000.00", today, influencer=other_partner)
    _won(tenant, partner, "500.50", today - datetime.timedelta(days=400))
    _won(tenant, partner, "9999.00", today, currency="EUR")  # not the program currency
    DealFactory(tenant=tenant, partner=other_partner)  # registered, pending
    since = timezone.now() - datetime.timedelta(days=365)
    sourced = get_metric("sourced_won_revenue")
    assert sourced.values(tenant=tenant, since=since) == {partner.pk: Decimal("1000.00")}
    assert sourced.values(tenant=tenant, since=None)[partner.pk] == Decimal("1500.50")
    influenced = get_metric("influenced_won_revenue").values(tenant=tenant, since=since)
    assert influenced == {other_partner.pk: Decimal("1000.00")}
    won = get_metric("won_deal_count").values(tenant=tenant, since=since)
    assert won == {partner.pk: Decimal(2)}
    registered = get_metric("registered_deal_count").values(tenant=tenant, since=since)
    assert registered == {partner.pk: Decimal(3), other_partner.pk: Decimal(1)}


def test_window_boundary_is_inclusive(tenant, partner):
    today = timezone.localdate()
    _won(tenant, partner, "10.00", today - datetime.timedelta(days=365))
    since = timezone.now() - datetime.timedelta(days=365)
    assert get_metric("sourced_won_revenue").values(tenant=tenant, since=since) == {
        partner.pk: Decimal("10.00")
    }


def test_one_query_per_metric_whatever_the_partner_count(tenant, django_assert_num_queries):
    partners = [PartnerOrganisationFactory(tenant=tenant) for _ in range(20)]
    for partner in partners:
        _won(tenant, partner, "100.00", timezone.localdate())
    for code in (
        "sourced_won_revenue",
        "influenced_won_revenue",
        "won_deal_count",
        "registered_deal_count",
    ):
        with django_assert_num_queries(1):
            values = get_metric(code).values(tenant=tenant, partner_ids=[p.pk for p in partners])
        assert len(values) == (0 if code == "influenced_won_revenue" else 20)


def test_winning_queues_reevaluation_of_every_participant(
    tenant, partner_sales, channel_manager, other_partner, deal_data
):
    data = deal_data()
    data["amount"] = Decimal(data["amount"])
    deal = services.register_deal(tenant=tenant, actor=partner_sales, data=data)
    from dealreg import collaboration

    collaboration.add_participant(
        tenant=tenant,
        actor=channel_manager,
        deal_id=deal.pk,
        partner_id=other_partner.pk,
        role="influence",
    )
    DueWork.objects.for_tenant(tenant).filter(kind="partners.tier_reevaluation").delete()
    services.close_deal(tenant=tenant, actor=channel_manager, deal_id=deal.pk, outcome="won")
    dispatch_pending()
    keys = set(
        DueWork.objects.for_tenant(tenant)
        .filter(kind="partners.tier_reevaluation")
        .values_list("key", flat=True)
    )
    assert keys == {f"partner:{deal.partner_id}", f"partner:{other_partner.pk}"}


def test_directory_sorts_by_won_revenue_in_the_database(
    tenant, admin, partner, other_partner, portal_client, django_assert_max_num_queries
):
    today = timezone.localdate()
    quiet = PartnerOrganisationFactory(tenant=tenant, name="Aardvark Quiet")
    _won(tenant, partner, "1000.00", today, influencer=quiet)
    _won(tenant, other_partner, "7500.00", today)
    _won(tenant, partner, "90000.00", today - datetime.timedelta(days=400))  # outside the year
    client = portal_client(admin)
    client.get("/partners/")
    with django_assert_max_num_queries(12):  # as the unsorted directory: one sorted query
        page = client.get("/partners/", {"sort": "sourced_won_revenue"})
    rows = [(p.name, p.sort_value) for p in page.context["page"].object_list]
    assert rows == [
        (other_partner.name, Decimal("7500.00")),
        (partner.name, Decimal("1000.00")),
        ("Aardvark Quiet", Decimal("0")),
    ]
    html = page.content.decode()
    assert "Sourced won revenue, last 12 months" in html and "USD 7,500" in html
    influenced = client.get("/partners/", {"sort": "influenced_won_revenue"})
    assert influenced.context["page"].object_list[0].name == "Aardvark Quiet"
