"""Payouts (paid once, batches all or none, CSV), allocation by tier rule, accrual from won
revenue, expiry at the period's end, and ROI arithmetic."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from ecosystem.errors import Conflict, ValidationFailed
from ecosystem.scheduling.services import process_due
from mdf import claim_services, payout_services, period_services, roi, selectors, services
from mdf.models import (
    AccrualOutcome,
    Claim,
    ClaimStatus,
    EntryKind,
    LedgerEntry,
)
from partners.models import PartnerStatus
from tests.concurrency import run_together
from tests.dealreg.factories import DealFactory, DealParticipantFactory, LeadFactory
from tests.mdf.conftest import pdf, request_data
from tests.partners.factories import PartnerOrganisationFactory, TierFactory

AFTER = datetime.datetime(2026, 11, 10, 12, tzinfo=datetime.UTC)
PAYMENT = {
    "reference": "AP-2026-118",
    "method": "bank_transfer",
    "paid_on": datetime.date(2026, 11, 9),
}


@pytest.fixture
def approved_claim(tenant, partner_admin, channel_manager, approved_request):
    def build(amount="3000.00", **request_extra):
        request = approved_request(amount, **request_extra)
        filed = claim_services.submit_claim(
            tenant=tenant,
            actor=partner_admin,
            request_id=request.pk,
            data={"claimed_amount": amount},
            proofs=[("invoice", pdf())],
        )
        return claim_services.approve_claim(tenant=tenant, actor=channel_manager, claim_id=filed.pk)

    with time_machine.travel(AFTER, tick=False):
        yield build


@pytest.mark.django_db
def test_a_claim_is_paid_once(tenant, finance, channel_manager, approved_claim):
    claim = approved_claim()

    with pytest.raises(ValidationFailed) as error:
        payout_services.pay_claim(
            tenant=tenant, actor=finance, claim_id=claim.pk, data={"method": "cash"}
        )
    assert set(error.value.errors) == {"reference", "method", "paid_on"}
    with pytest.raises(Exception, match="role"):
        payout_services.pay_claim(
            tenant=tenant, actor=channel_manager, claim_id=claim.pk, data=PAYMENT
        )

    paid = payout_services.pay_claim(tenant=tenant, actor=finance, claim_id=claim.pk, data=PAYMENT)
    with pytest.raises(Conflict, match="already paid"):
        payout_services.pay_claim(tenant=tenant, actor=finance, claim_id=claim.pk, data=PAYMENT)

    assert (paid.status, paid.payment_reference) == (ClaimStatus.PAID, "AP-2026-118")
    balance = selectors.balances(tenant=tenant, allocation_ids=[paid.request.allocation_id])
    assert balance[paid.request.allocation_id].paid == Decimal("3000.00")


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_of_one_claim_pay_it_once(tenant, finance, approved_claim):
    claim = approved_claim()

    def pay():
        return payout_services.pay_claim(
            tenant=tenant, actor=finance, claim_id=claim.pk, data=PAYMENT
        )

    results = run_together([pay] * 5)

    assert sum(isinstance(result, Claim) for result in results) == 1
    assert sum(isinstance(result, Conflict) for result in results) == 4
    assert LedgerEntry.objects.for_tenant(tenant).filter(kind=EntryKind.PAYOUT).count() == 1


@pytest.mark.django_db
def test_a_batch_pays_all_or_none_and_exports_decimal_strings(
    tenant, finance, partner, approved_claim
):
    first = approved_claim("1200.50")
    second = approved_claim("800.25", allocation=first.request.allocation)
    payout_services.pay_claim(tenant=tenant, actor=finance, claim_id=second.pk, data=PAYMENT)

    with pytest.raises(Conflict, match=f"Claim {second.pk} was already paid"):
        payout_services.pay_claims(
            tenant=tenant, actor=finance, claim_ids=[first.pk, second.pk], data=PAYMENT
        )
    first.refresh_from_db()
    assert first.status == ClaimStatus.APPROVED

    third = approved_claim("99.99", allocation=first.request.allocation)
    batch = payout_services.pay_claims(
        tenant=tenant, actor=finance, claim_ids=[first.pk, third.pk], data=PAYMENT
    )

    rows = selectors.payout_rows(selectors.batch_claims(tenant=tenant, batch_id=batch.pk))
    assert [row[5] for row in rows] == ["1200.50", "99.99"]
    assert rows[0][1:4] == [str(partner.pk), partner.name, "Q4 2026 MDF"]
    assert {row[7] for row in rows} == {"AP-2026-118"}
    summary = selectors.payout_batches(tenant=tenant).get(pk=batch.pk)
    assert (summary.claim_count, summary.total) == (2, Decimal("1300.49"))


@pytest.mark.django_db
def test_allocation_by_tier_tops_up_and_never_overspends(tenant, finance, make_fund):
    gold = TierFactory(tenant=tenant, name="Gold", rank=3)
    silver = TierFactory(tenant=tenant, name="Silver", rank=2)
    golds = PartnerOrganisationFactory.create_batch(
        2, tenant=tenant, tier=gold, status=PartnerStatus.ACTIVE
    )
    PartnerOrganisationFactory(tenant=tenant, tier=silver, status=PartnerStatus.ACTIVE)
    PartnerOrganisationFactory(tenant=tenant, tier=gold, status=PartnerStatus.SUSPENDED)
    fund = make_fund("50000")
    services.allocate(
        tenant=tenant, actor=finance, fund_id=fund.pk, partner_id=golds[0].pk, amount="5000"
    )

    with pytest.raises(Conflict, match="need 80000"):
        period_services.allocate_by_tier(
            tenant=tenant,
            actor=finance,
            fund_id=fund.pk,
            amounts={gold.pk: "40000", silver.pk: "5000"},
        )
    assert selectors.fund_allocated(fund) == Decimal("5000.00")

    period_services.allocate_by_tier(
        tenant=tenant, actor=finance, fund_id=fund.pk, amounts={gold.pk: "20000", silver.pk: "5000"}
    )
    again = period_services.allocate_by_tier(
        tenant=tenant, actor=finance, fund_id=fund.pk, amounts={gold.pk: "20000"}
    )

    assert again == []  # already at the rule's amounts
    by_partner = selectors.allocated_by_partner(fund)
    assert sorted(by_partner.values()) == [
        Decimal("5000.00"),
        Decimal("20000.00"),
        Decimal("20000.00"),
    ]
    with pytest.raises(ValidationFailed) as error:
        period_services.allocate_by_tier(
            tenant=tenant, actor=finance, fund_id=fund.pk, amounts={gold.pk: "1.234"}
        )
    assert f"amounts.{gold.pk}" in error.value.errors


def won(tenant, partner, amount, closed_on, currency="USD"):
    deal = DealFactory(
        tenant=tenant,
        partner=partner,
        status="won",
        currency=currency,
        final_amount=Decimal(amount),
        closed_on=closed_on,
    )
    DealParticipantFactory(deal=deal)
    return deal


@pytest.mark.django_db
def test_accrual_allocates_the_tier_percent_of_last_quarters_won_revenue(
    tenant, finance, make_fund
):
    gold = TierFactory(tenant=tenant, name="Gold", rank=3, mdf_accrual_percent=Decimal("2.5"))
    silver = TierFactory(tenant=tenant, name="Silver", rank=2, mdf_accrual_percent=Decimal("1"))
    apex = PartnerOrganisationFactory(tenant=tenant, name="Apex", tier=gold, status="active")
    birch = PartnerOrganisationFactory(tenant=tenant, name="Birch", tier=silver, status="active")
    PartnerOrganisationFactory(tenant=tenant, name="Cedar", tier=silver, status="active")
    won(tenant, apex, "120000.00", datetime.date(2026, 8, 14))
    won(tenant, apex, "33333.33", datetime.date(2026, 9, 30))
    won(tenant, apex, "50000.00", datetime.date(2026, 10, 1))  # this quarter: not counted
    won(tenant, apex, "90000.00", datetime.date(2026, 7, 2), currency="EUR")  # reported only
    won(tenant, birch, "700000.00", datetime.date(2026, 7, 1))
    fund = make_fund("10000", accrues=True)

    run = period_services.run_accrual(tenant=tenant, actor=finance, fund_id=fund.pk)

    assert (run.basis_start, run.basis_end) == (
        datetime.date(2026, 7, 1),
        datetime.date(2026, 9, 30),
    )
    lines = {
        line.partner.name: line
        for line in selectors.accrual_report(tenant=tenant, fund_id=fund.pk).lines.all()
    }
    # 1 % of 700,000 = 7,000 first (the larger accrual), then 2.5 % of 153,333.33 =
    # 3,833.33325 → 3,833.33, of which only 3,000 is left in the fund.
    assert (lines["Birch"].earned, lines["Birch"].allocated, lines["Birch"].outcome) == (
        Decimal("7000.00"),
        Decimal("7000.00"),
        AccrualOutcome.ALLOCATED,
    )
    assert (lines["Apex"].won_revenue, lines["Apex"].earned, lines["Apex"].allocated) == (
        Decimal("153333.33"),
        Decimal("3833.33"),
        Decimal("3000.00"),
    )
    assert (lines["Apex"].won_deals, lines["Apex"].other_currency_deals) == (2, 1)
    assert lines["Apex"].outcome == AccrualOutcome.CAPPED
    assert lines["Cedar"].outcome == AccrualOutcome.NOTHING_EARNED
    assert selectors.fund_allocated(fund) == Decimal("10000.00")
    with pytest.raises(Conflict, match="already run"):
        period_services.run_accrual(tenant=tenant, actor=finance, fund_id=fund.pk)


@pytest.mark.django_db
def test_the_accrual_runs_by_itself_when_the_period_starts(tenant, finance, make_fund):
    gold = TierFactory(tenant=tenant, rank=3, mdf_accrual_percent=Decimal("5"))
    partner = PartnerOrganisationFactory(tenant=tenant, tier=gold, status="active")
    won(tenant, partner, "10000", datetime.date(2026, 9, 1))
    with time_machine.travel(datetime.datetime(2026, 9, 15, tzinfo=datetime.UTC), tick=False):
        fund = make_fund("10000", accrues=True)
        process_due()
        assert not selectors.fund_allocated(fund)
    with time_machine.travel(datetime.datetime(2026, 10, 1, 7, tzinfo=datetime.UTC), tick=False):
        process_due()
    assert selectors.allocated_by_partner(fund) == {partner.pk: Decimal("500.00")}


@pytest.mark.django_db
def test_unused_money_expires_with_the_period(
    tenant, finance, partner, partner_admin, channel_manager, make_fund
):
    with time_machine.travel(datetime.datetime(2026, 11, 10, tzinfo=datetime.UTC), tick=False):
        fund = make_fund()
        allocation = services.allocate(
            tenant=tenant, actor=finance, fund_id=fund.pk, partner_id=partner.pk, amount="10000"
        )
        approved = services.submit_request(
            tenant=tenant, actor=partner_admin, allocation_id=allocation.pk, data=request_data()
        )
        services.approve_request(tenant=tenant, actor=channel_manager, request_id=approved.pk)
        waiting = services.submit_request(
            tenant=tenant,
            actor=partner_admin,
            allocation_id=allocation.pk,
            data=request_data("100"),
        )
    with time_machine.travel(datetime.datetime(2027, 1, 1, 1, tzinfo=datetime.UTC), tick=False):
        process_due()
        fund.refresh_from_db()
        assert fund.expired_at is not None
        with pytest.raises(Conflict, match="period has ended"):
            services.approve_request(tenant=tenant, actor=channel_manager, request_id=waiting.pk)
        # The approved webinar is still claimable; claiming less expires the rest at once.
        filed = claim_services.submit_claim(
            tenant=tenant,
            actor=partner_admin,
            request_id=approved.pk,
            data={"claimed_amount": "3000"},
            proofs=[("invoice", pdf())],
        )
        claim_services.approve_claim(tenant=tenant, actor=channel_manager, claim_id=filed.pk)
    assert period_services.expire_fund(tenant=tenant, fund_id=fund.pk) == Decimal("0")
    balance = selectors.balances(tenant=tenant, allocation_ids=[allocation.pk])[allocation.pk]
    assert (balance.allocated, balance.committed, balance.expired, balance.remaining) == (
        Decimal("10000.00"),
        Decimal("3000.00"),
        Decimal("7000.00"),
        Decimal("0.00"),
    )


@pytest.mark.django_db
def test_roi_with_exact_decimals(tenant, partner, partner_admin, channel_manager, approved_request):
    lead = LeadFactory(tenant=tenant, partner=partner)
    lead.deal = DealFactory(
        tenant=tenant, partner=partner, status="approved", amount=Decimal("40000.00")
    )
    lead.save()
    won_deal = DealFactory(
        tenant=tenant, partner=partner, status="won", final_amount=Decimal("10000.00")
    )
    euro_deal = DealFactory(
        tenant=tenant,
        partner=partner,
        status="won",
        currency="EUR",
        final_amount=Decimal("99999.00"),
    )
    with time_machine.travel(AFTER, tick=False):
        webinar = approved_request("3000.00")
        event = approved_request("1000.00", activity_type="event", title="Booth")
        for request, amount, leads, deals in (
            (webinar, "3000.00", 7, [won_deal, euro_deal]),
            (event, "1000.00", 0, [won_deal]),
        ):
            filed = claim_services.submit_claim(
                tenant=tenant,
                actor=partner_admin,
                request_id=request.pk,
                data={
                    "claimed_amount": amount,
                    "leads_generated": leads,
                    "linked_leads": [lead.pk] if request is event else [],
                    "linked_deals": [deal.pk for deal in deals],
                },
                proofs=[("invoice", pdf())],
            )
            claim_services.approve_claim(tenant=tenant, actor=channel_manager, claim_id=filed.pk)

    rows = {row.label: row for row in roi.by_request(tenant=tenant)}
    webinar_roi = rows["Cloud security webinar"]
    assert (webinar_roi.spend, webinar_roi.leads, webinar_roi.won_revenue) == (
        Decimal("3000.00"),
        7,
        Decimal("10000.00"),
    )
    assert webinar_roi.cost_per_lead == Decimal("428.57")  # 3000 / 7 = 428.571…
    assert webinar_roi.roi == Decimal("2.3333")  # (10000 - 3000) / 3000
    booth = rows["Booth"]
    assert (booth.leads, booth.pipeline, booth.roi) == (1, Decimal("40000.00"), Decimal("9.0000"))
    (partner_total,) = roi.by_partner(tenant=tenant)
    # The won deal is linked by both activities and counts once.
    assert (partner_total.spend, partner_total.won_revenue, partner_total.roi) == (
        Decimal("4000.00"),
        Decimal("10000.00"),
        Decimal("1.5000"),
    )
    by_type = {row.label: row.activities for row in roi.by_activity_type(tenant=tenant)}
    assert by_type == {"Webinar": 1, "Event": 1}
    assert [row.label for row in roi.by_fund(tenant=tenant)] == ["Q4 2026 MDF"]


@pytest.mark.django_db
def test_roi_reads_are_bounded(
    tenant, partner, partner_admin, channel_manager, approved_request, django_assert_max_num_queries
):
    with time_machine.travel(AFTER, tick=False):
        for index in range(4):
            request = approved_request("100.00", title=f"Webinar {index}")
            deals = DealFactory.create_batch(2, tenant=tenant, partner=partner)
            leads = LeadFactory.create_batch(2, tenant=tenant, partner=partner)
            filed = claim_services.submit_claim(
                tenant=tenant,
                actor=partner_admin,
                request_id=request.pk,
                data={
                    "claimed_amount": "100",
                    "linked_deals": [d.pk for d in deals],
                    "linked_leads": [lead.pk for lead in leads],
                },
                proofs=[("invoice", pdf())],
            )
            claim_services.approve_claim(tenant=tenant, actor=channel_manager, claim_id=filed.pk)

    with django_assert_max_num_queries(3):
        assert len(roi.by_request(tenant=tenant)) == 4
