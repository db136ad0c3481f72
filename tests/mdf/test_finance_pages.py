"""Fund owners' and finance's MDF pages: funds and allocations (by hand, by tier, by
accrual), payouts with their CSV exports, and ROI; who may open each, what they show and
how the services' refusals reach the page."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dealreg.models import DealParticipant, DealStatus
from ecosystem.tenancy.roles import Role
from mdf import claim_services, roi, selectors, services
from mdf.models import AccrualRun, Allocation, Claim, ClaimStatus, Fund, PayoutBatch
from tests.dealreg.factories import DealFactory
from tests.partners.factories import PartnerOrganisationFactory, TierFactory
from tests.portal.conftest import ALL_ROLE_NAMES

TODAY = timezone.localdate()
START = TODAY - datetime.timedelta(days=30)
END = TODAY + datetime.timedelta(days=60)

FUND_READERS = {"admin", "finance", "channel_manager", "marketing_manager"}
FUND_OWNERS = {"admin", "finance"}
PAYERS = {"admin", "finance"}
ROI_READERS = FUND_READERS | {"executive", "partner_admin", "partner_sales", "partner_marketing"}


@pytest.fixture
def finance(tenant, make_member):
    return make_member(tenant, Role.FINANCE, email="finance@acme.example")


@pytest.fixture
def marketing_manager(tenant, make_member):
    return make_member(tenant, Role.MARKETING_MANAGER, email="mm@acme.example")


def make_fund(tenant, member, amount="50000.00", name="Q4 MDF", **extra):
    return services.create_fund(
        tenant=tenant,
        actor=member,
        data={
            "name": name,
            "currency": "USD",
            "amount": amount,
            "start_date": START,
            "end_date": END,
            **extra,
        },
    )


def approved_claim(
    tenant,
    *,
    fund,
    partner,
    finance,
    reviewer,
    requester,
    amount="1000.00",
    title="Webinar",
    leads=0,
    allocate="5000",
    deals=(),
):
    """An approved claim on `partner`'s allocation, built through the services."""
    allocation = Allocation.objects.for_tenant(tenant).filter(fund=fund, partner=partner).first()
    if allocation is None:
        allocation = services.allocate(
            tenant=tenant, actor=finance, fund_id=fund.pk, partner_id=partner.pk, amount=allocate
        )
    day = TODAY - datetime.timedelta(days=1)
    request = services.submit_request(
        tenant=tenant,
        actor=requester,
        allocation_id=allocation.pk,
        data={
            "activity_type": "webinar",
            "title": title,
            "start_date": day,
            "end_date": day,
            "requested_amount": amount,
        },
    )
    services.approve_request(tenant=tenant, actor=reviewer, request_id=request.pk)
    claim = claim_services.submit_claim(
        tenant=tenant,
        actor=requester,
        request_id=request.pk,
        data={
            "claimed_amount": amount,
            "leads_generated": leads,
            "linked_deals": [deal.pk for deal in deals],
        },
        proofs=[("attendee_list", SimpleUploadedFile("attendees.csv", b"name\nAda\n"))],
    )
    return claim_services.approve_claim(tenant=tenant, actor=reviewer, claim_id=claim.pk)


def partner_member(tenant, partner, make_member, role=Role.PARTNER_ADMIN):
    return make_member(tenant, role, partner, email=f"{role}-{partner.pk}@partner.example")


def parse_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- who may open what ---------------------------------------------------------------------

PAGES = [
    ("mdf_finance:funds", False, FUND_READERS),
    ("mdf_finance:fund_create", False, FUND_OWNERS),
    ("mdf_finance:fund_detail", True, FUND_READERS),
    ("mdf_finance:payouts", False, PAYERS),
    ("mdf_finance:payable_csv", False, PAYERS),
    ("mdf_finance:roi", False, ROI_READERS),
    ("mdf_finance:settings", False, FUND_OWNERS),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL_ROLE_NAMES)
def test_pages_by_role(role, tenant, admin, make_member, partner, portal_client):
    fund = make_fund(tenant, admin)
    organisation = partner if role.startswith("partner") else None
    member = make_member(tenant, Role(role), organisation, email=f"{role}@roles.example")
    client = portal_client(member)
    for name, needs_fund, allowed in PAGES:
        url = reverse(name, args=[fund.pk] if needs_fund else [])
        response = client.get(url)
        assert response.status_code == (200 if role in allowed else 403), (name, role)


@pytest.mark.django_db
def test_actions_refuse_roles_without_the_capability(
    tenant, admin, channel_manager, partner_admin, partner, portal_client
):
    fund = make_fund(tenant, admin)
    for member in (channel_manager, partner_admin):
        client = portal_client(member)
        for name in ("fund_allocate", "fund_allocate_by_tier", "fund_run_accrual"):
            response = client.post(reverse(f"mdf_finance:{name}", args=[fund.pk]), {})
            assert response.status_code == 403
        assert client.post(reverse("mdf_finance:payouts_pay_batch"), {}).status_code == 403
    assert not Allocation.objects.for_tenant(tenant).exists()


# --- funds ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_funds_list_shows_each_funds_figures_in_bounded_queries(
    tenant, finance, partner, other_partner, portal_client, django_assert_max_num_queries
):
    for number in range(12):
        fund = make_fund(tenant, finance, amount="10000.00", name=f"Fund {number:02}")
        services.allocate(
            tenant=tenant, actor=finance, fund_id=fund.pk, partner_id=partner.pk, amount="2500.50"
        )
        services.allocate(
            tenant=tenant,
            actor=finance,
            fund_id=fund.pk,
            partner_id=other_partner.pk,
            amount="1000",
        )
    Fund.objects.for_tenant(tenant).create(
        tenant=tenant,
        name="Next year",
        currency="EUR",
        amount=Decimal("500.00"),
        start_date=END + datetime.timedelta(days=1),
        end_date=END + datetime.timedelta(days=90),
    )
    client = portal_client(finance)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("mdf_finance:funds"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Fund 00" in body and "Fund 11" in body
    assert "3,500.50" in body  # allocated to the two partners
    assert "6,499.50" in body  # left to allocate
    assert "Upcoming" in body and "Current" in body
    assert "New fund" in body


@pytest.mark.django_db
def test_funds_list_is_empty_then_read_only_for_reviewers(tenant, channel_manager, portal_client):
    response = portal_client(channel_manager).get(reverse("mdf_finance:funds"))
    body = response.content.decode()
    assert "No funds yet" in body
    assert "New fund" not in body


@pytest.mark.django_db
def test_new_fund_form_creates_a_fund_and_shows_the_services_errors(tenant, finance, portal_client):
    client = portal_client(finance)
    url = reverse("mdf_finance:fund_create")
    bad = client.post(
        url,
        {
            "name": "Q1",
            "currency": "USD",
            "amount": "12.345",
            "start_date": "2027-01-01",
            "end_date": "2027-03-31",
        },
    )
    assert bad.status_code == 400
    assert "Use at most two decimals." in bad.content.decode()
    backwards = client.post(
        url,
        {
            "name": "Q1",
            "currency": "USD",
            "amount": "100",
            "start_date": "2027-03-01",
            "end_date": "2027-01-31",
        },
    )
    assert backwards.status_code == 400
    assert "The period cannot end before it starts." in backwards.content.decode()
    assert not Fund.objects.for_tenant(tenant).exists()

    response = client.post(
        url,
        {
            "name": "Q1 2027",
            "currency": "eur",
            "amount": "75000.00",
            "start_date": "2027-01-01",
            "end_date": "2027-03-31",
            "accrues": "on",
        },
    )
    fund = Fund.objects.for_tenant(tenant).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mdf_finance:fund_detail", args=[fund.pk])
    assert (fund.name, fund.currency, fund.amount, fund.accrues) == (
        "Q1 2027",
        "EUR",
        Decimal("75000.00"),
        True,
    )


@pytest.mark.django_db
def test_fund_page_shows_every_balance_field_from_the_ledger_in_bounded_queries(
    tenant, finance, channel_manager, make_member, portal_client, django_assert_max_num_queries
):
    fund = make_fund(tenant, finance)
    gold = TierFactory(tenant=tenant, name="Gold", rank=3)
    partners = [
        PartnerOrganisationFactory(tenant=tenant, name=f"Partner {n:02}", tier=gold)
        for n in range(11)
    ]
    for organisation in partners:
        services.allocate(
            tenant=tenant, actor=finance, fund_id=fund.pk, partner_id=organisation.pk, amount="3000"
        )
    requester = partner_member(tenant, partners[0], make_member)
    approved_claim(
        tenant,
        fund=fund,
        partner=partners[0],
        finance=finance,
        reviewer=channel_manager,
        requester=requester,
        amount="1200.00",
    )
    client = portal_client(finance)
    with django_assert_max_num_queries(22):
        response = client.get(reverse("mdf_finance:fund_detail", args=[fund.pk]))
    assert response.status_code == 200
    allocation = Allocation.objects.for_tenant(tenant).get(partner=partners[0])
    balance = selectors.balances(tenant=tenant, allocation_ids=[allocation.pk])[allocation.pk]
    assert (balance.committed, balance.claimed, balance.remaining) == (
        Decimal("1200.00"),
        Decimal("1200.00"),
        Decimal("1800.00"),
    )
    rows = response.context["page"].object_list
    assert len(rows) == 11
    assert rows[0].balance == balance
    body = response.content.decode()
    assert "Partner 10" in body and "Gold" in body and "By hand" in body
    assert "1,800.00" in body
    assert response.context["totals"]["allocated"] == Decimal("33000.00")
    assert "17,000.00" in body  # left to allocate
    assert "Allocate by tier" in body


@pytest.mark.django_db
def test_reviewers_read_the_fund_page_without_the_forms(
    tenant, finance, channel_manager, portal_client
):
    fund = make_fund(tenant, finance)
    response = portal_client(channel_manager).get(
        reverse("mdf_finance:fund_detail", args=[fund.pk])
    )
    assert response.status_code == 200
    assert "allocate_form" not in response.context
    assert "Allocate by hand" not in response.content.decode()


@pytest.mark.django_db
def test_allocating_by_hand_offers_eligible_partners_and_shows_refusals(
    tenant, finance, partner, other_partner, portal_client
):
    fund = make_fund(tenant, finance, amount="5000.00", partner_type="var")
    outsider = PartnerOrganisationFactory(tenant=tenant, name="Fabrikam ISV", partner_type="isv")
    applicant = PartnerOrganisationFactory(tenant=tenant, name="Hopeful Ltd", status="applicant")
    client = portal_client(finance)
    url = reverse("mdf_finance:fund_allocate", args=[fund.pk])
    page = client.get(reverse("mdf_finance:fund_detail", args=[fund.pk]))
    offered = dict(page.context["allocate_form"].fields["partner"].choices)
    assert partner.pk in offered and other_partner.pk in offered
    assert outsider.pk not in offered and applicant.pk not in offered

    response = client.post(url, {"partner": partner.pk, "amount": "4000", "note": "Launch"})
    assert response.status_code == 302
    too_much = client.post(url, {"partner": other_partner.pk, "amount": "1500"})
    assert too_much.status_code == 409
    assert "Only 1000.00 USD of this fund is left to allocate." in too_much.content.decode()
    not_offered = client.post(url, {"partner": outsider.pk, "amount": "10"})
    assert not_offered.status_code == 400
    zero = client.post(url, {"partner": other_partner.pk, "amount": "0"})
    assert zero.status_code == 400
    assert "Give an amount above zero." in zero.content.decode()
    assert selectors.allocated_by_partner(fund) == {partner.pk: Decimal("4000.00")}


@pytest.mark.django_db
def test_allocating_by_tier_previews_totals_refuses_an_overspend_and_tops_up(
    tenant, finance, portal_client
):
    fund = make_fund(tenant, finance, amount="20000.00")
    gold = TierFactory(tenant=tenant, name="Gold", rank=3)
    silver = TierFactory(tenant=tenant, name="Silver", rank=2)
    golds = [PartnerOrganisationFactory(tenant=tenant, tier=gold) for _ in range(2)]
    silvers = [PartnerOrganisationFactory(tenant=tenant, tier=silver) for _ in range(3)]
    services.allocate(
        tenant=tenant, actor=finance, fund_id=fund.pk, partner_id=golds[0].pk, amount="1000"
    )
    client = portal_client(finance)
    url = reverse("mdf_finance:fund_allocate_by_tier", args=[fund.pk])

    preview = client.post(
        url, {f"tier_{gold.pk}": "5000", f"tier_{silver.pk}": "2000", "preview": "1"}
    )
    assert preview.status_code == 200
    lines = {line.tier.name: (line.partners, line.needed) for line in preview.context["tier_lines"]}
    assert lines == {"Gold": (2, Decimal("9000")), "Silver": (3, Decimal("6000"))}
    assert Allocation.objects.for_tenant(tenant).count() == 1

    over = client.post(url, {f"tier_{gold.pk}": "9000", f"tier_{silver.pk}": "2000"})
    assert over.status_code == 409
    assert "only 19000.00 USD of the fund is left to allocate" in over.content.decode()
    bad = client.post(url, {f"tier_{gold.pk}": "12.345"})
    assert bad.status_code == 400
    assert "Use at most two decimals." in bad.content.decode()
    assert Allocation.objects.for_tenant(tenant).count() == 1

    done = client.post(url, {f"tier_{gold.pk}": "5000", f"tier_{silver.pk}": "2000"})
    assert done.status_code == 302
    allocated = selectors.allocated_by_partner(fund)
    assert [allocated[p.pk] for p in golds + silvers] == [Decimal("5000.00")] * 2 + [
        Decimal("2000.00")
    ] * 3


@pytest.mark.django_db
def test_accrual_runs_once_and_its_report_shows_each_line_and_downloads(
    tenant, finance, portal_client
):
    # The fund is this quarter; its basis is the previous quarter.
    gold = TierFactory(tenant=tenant, name="Gold", rank=3, mdf_accrual_percent=Decimal("2.50"))
    earner = PartnerOrganisationFactory(tenant=tenant, name="Earner Ltd", tier=gold)
    idle = PartnerOrganisationFactory(tenant=tenant, name="Idle Ltd", tier=gold)
    fund = services.create_fund(
        tenant=tenant,
        actor=finance,
        data={
            "name": "Accruing",
            "currency": "USD",
            "amount": "100000",
            "start_date": datetime.date(2027, 1, 1),
            "end_date": datetime.date(2027, 3, 31),
            "accrues": True,
        },
    )
    for currency, amount in (("USD", "40000.00"), ("USD", "2000.00"), ("EUR", "9999.00")):
        deal = DealFactory(
            tenant=tenant,
            partner=earner,
            currency=currency,
            status=DealStatus.WON,
            final_amount=Decimal(amount),
            closed_on=datetime.date(2026, 11, 2),
        )
        DealParticipant.objects.for_tenant(tenant).create(
            tenant=tenant, deal=deal, partner=earner, role="sourced"
        )
    client = portal_client(finance)
    detail = reverse("mdf_finance:fund_detail", args=[fund.pk])
    assert "Run accrual" in client.get(detail).content.decode()
    assert client.get(reverse("mdf_finance:fund_accrual_csv", args=[fund.pk])).status_code == 404

    response = client.post(reverse("mdf_finance:fund_run_accrual", args=[fund.pk]), follow=True)
    body = response.content.decode()
    assert "Accrual ran on won revenue from 2026-10-01 to 2026-12-31." in body
    assert "Run accrual" not in body
    assert "Earner Ltd" in body and "42,000.00" in body and "1,050.00" in body
    assert "Idle Ltd" in body and "No accrual earned" in body

    again = client.post(reverse("mdf_finance:fund_run_accrual", args=[fund.pk]), follow=True)
    assert "The accrual for this fund has already run." in again.content.decode()
    assert AccrualRun.objects.for_tenant(tenant).count() == 1

    rows = parse_csv(client.get(reverse("mdf_finance:fund_accrual_csv", args=[fund.pk])))
    assert rows == [
        [
            "partner_id",
            "partner",
            "tier",
            "accrual_percent",
            "won_revenue",
            "won_deals",
            "other_currency_deals",
            "earned",
            "allocated",
            "currency",
            "outcome",
        ],
        [
            str(earner.pk),
            "Earner Ltd",
            "Gold",
            "2.50",
            "42000.00",
            "2",
            "1",
            "1050.00",
            "1050.00",
            "USD",
            "allocated",
        ],
        [
            str(idle.pk),
            "Idle Ltd",
            "Gold",
            "2.50",
            "0.00",
            "0",
            "0",
            "0.00",
            "0.00",
            "USD",
            "nothing_earned",
        ],
    ]


@pytest.mark.django_db
def test_a_fund_that_does_not_accrue_offers_no_accrual(tenant, finance, portal_client):
    fund = make_fund(tenant, finance)
    client = portal_client(finance)
    assert (
        "Run accrual"
        not in client.get(reverse("mdf_finance:fund_detail", args=[fund.pk])).content.decode()
    )
    response = client.post(reverse("mdf_finance:fund_run_accrual", args=[fund.pk]), follow=True)
    assert "This fund does not accrue" in response.content.decode()


# --- payouts -------------------------------------------------------------------------------


@pytest.fixture
def payable(tenant, finance, channel_manager, make_member):
    """Three approved claims of two partners on one fund."""
    fund = make_fund(tenant, finance)
    northwind = PartnerOrganisationFactory(tenant=tenant, name="Northwind")
    contoso = PartnerOrganisationFactory(tenant=tenant, name="=Contoso")  # a formula-like name
    claims = []
    for organisation, amounts in ((northwind, ["1250.50", "300.00"]), (contoso, ["999.99"])):
        requester = partner_member(tenant, organisation, make_member)
        for number, amount in enumerate(amounts):
            claims.append(
                approved_claim(
                    tenant,
                    fund=fund,
                    partner=organisation,
                    finance=finance,
                    reviewer=channel_manager,
                    requester=requester,
                    amount=amount,
                    title=f"Event {organisation.name} {number}",
                )
            )
    return {"fund": fund, "claims": claims, "northwind": northwind, "contoso": contoso}


PAYMENT = {"reference": "AP-2026-117", "method": "bank_transfer"}


@pytest.mark.django_db
def test_payouts_page_lists_payable_claims_in_bounded_queries(
    tenant, finance, channel_manager, make_member, portal_client, django_assert_max_num_queries
):
    fund = make_fund(tenant, finance, amount="900000")
    for number in range(11):
        organisation = PartnerOrganisationFactory(tenant=tenant, name=f"Payee {number:02}")
        approved_claim(
            tenant,
            fund=fund,
            partner=organisation,
            finance=finance,
            reviewer=channel_manager,
            requester=partner_member(tenant, organisation, make_member),
            amount="100.00",
            title=f"Activity {number:02}",
        )
    client = portal_client(finance)
    client.post(
        reverse("mdf_finance:payouts_pay_batch"),
        {
            **PAYMENT,
            "paid_on": TODAY.isoformat(),
            "claims": [c.pk for c in Claim.objects.for_tenant(tenant).order_by("pk")[:3]],
        },
    )
    with django_assert_max_num_queries(14):
        response = client.get(reverse("mdf_finance:payouts"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 8
    body = response.content.decode()
    assert "Payee 10" in body and "Activity 10" in body and "100.00 USD" in body
    assert "AP-2026-117" in body and "300.00" in body  # the batch and its total
    assert response.context["page"].object_list[0].age == 0


@pytest.mark.django_db
def test_payouts_page_is_empty_without_approved_claims(tenant, finance, portal_client):
    body = portal_client(finance).get(reverse("mdf_finance:payouts")).content.decode()
    assert "Nothing to pay" in body and "No batches yet" in body


@pytest.mark.django_db
def test_a_batch_pays_every_ticked_claim_and_exports_them(tenant, finance, payable, portal_client):
    client = portal_client(finance)
    claims = payable["claims"]
    response = client.post(
        reverse("mdf_finance:payouts_pay_batch"),
        {**PAYMENT, "paid_on": TODAY.isoformat(), "claims": [c.pk for c in claims]},
        follow=True,
    )
    assert "Paid 3 claims as batch AP-2026-117." in response.content.decode()
    batch = PayoutBatch.objects.for_tenant(tenant).get()
    assert set(Claim.objects.for_tenant(tenant).values_list("status", flat=True)) == {"paid"}

    rows = parse_csv(client.get(reverse("mdf_finance:batch_csv", args=[batch.pk])))
    fund_name, day = payable["fund"].name, TODAY.isoformat()
    northwind, contoso = payable["northwind"], payable["contoso"]
    assert rows == [
        selectors.PAYOUT_CSV_HEADER,
        [
            str(claims[0].pk),
            str(northwind.pk),
            "Northwind",
            fund_name,
            "Event Northwind 0",
            "1250.50",
            "USD",
            "AP-2026-117",
            "bank_transfer",
            day,
            "paid",
        ],
        [
            str(claims[1].pk),
            str(northwind.pk),
            "Northwind",
            fund_name,
            "Event Northwind 1",
            "300.00",
            "USD",
            "AP-2026-117",
            "bank_transfer",
            day,
            "paid",
        ],
        [
            str(claims[2].pk),
            str(contoso.pk),
            "'=Contoso",
            fund_name,
            "Event =Contoso 0",
            "999.99",
            "USD",
            "AP-2026-117",
            "bank_transfer",
            day,
            "paid",
        ],
    ]
    response = client.get(reverse("mdf_finance:batch_csv", args=[batch.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.django_db
def test_a_batch_with_a_claim_already_paid_pays_none(tenant, finance, payable, portal_client):
    client = portal_client(finance)
    first, *others = payable["claims"]
    client.post(
        reverse("mdf_finance:payouts_pay_claim", args=[first.pk]),
        {
            f"claim-{first.pk}-reference": "AP-1",
            f"claim-{first.pk}-method": "check",
            f"claim-{first.pk}-paid_on": TODAY.isoformat(),
        },
    )
    response = client.post(
        reverse("mdf_finance:payouts_pay_batch"),
        {**PAYMENT, "paid_on": TODAY.isoformat(), "claims": [c.pk for c in payable["claims"]]},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Nothing was paid." in body and f"Claim {first.pk} was already paid (AP-1)." in body
    statuses = dict(Claim.objects.for_tenant(tenant).values_list("pk", "status"))
    assert statuses == {first.pk: "paid", **{c.pk: "approved" for c in others}}
    assert not PayoutBatch.objects.for_tenant(tenant).exists()
    # What was ticked stays ticked to try again.
    assert [c.selected for c in response.context["page"].object_list] == [True, True]


@pytest.mark.django_db
def test_batch_form_errors_are_shown(tenant, finance, payable, portal_client):
    client = portal_client(finance)
    url = reverse("mdf_finance:payouts_pay_batch")
    future = (TODAY + datetime.timedelta(days=5)).isoformat()
    response = client.post(url, {**PAYMENT, "paid_on": future, "claims": [payable["claims"][0].pk]})
    assert response.status_code == 400
    assert "The payment date cannot be in the future." in response.content.decode()
    nothing = client.post(url, {**PAYMENT, "paid_on": TODAY.isoformat()})
    assert nothing.status_code == 400
    assert "Choose the claims to pay." in nothing.content.decode()
    no_reference = client.post(
        url, {"method": "check", "paid_on": TODAY.isoformat(), "claims": [payable["claims"][0].pk]}
    )
    assert no_reference.status_code == 400
    assert set(Claim.objects.for_tenant(tenant).values_list("status", flat=True)) == {"approved"}


@pytest.mark.django_db
def test_marking_one_claim_paid_twice_is_a_message_not_an_error(
    tenant, finance, payable, portal_client
):
    client = portal_client(finance)
    claim = payable["claims"][1]
    url = reverse("mdf_finance:payouts_pay_claim", args=[claim.pk])
    data = {
        f"claim-{claim.pk}-reference": "AP-9",
        f"claim-{claim.pk}-method": "check",
        f"claim-{claim.pk}-paid_on": TODAY.isoformat(),
    }
    first = client.post(url, data, follow=True)
    assert f"Claim {claim.pk} paid: 300.00 USD." in first.content.decode()
    second = client.post(url, data, follow=True)
    assert second.status_code == 200
    assert f"Claim {claim.pk} was already paid (AP-9)." in second.content.decode()
    missing = client.post(url, {}, follow=True)
    assert "was not paid" in missing.content.decode()
    claim.refresh_from_db()
    assert (claim.status, claim.payment_reference, claim.payment_method) == (
        ClaimStatus.PAID,
        "AP-9",
        "check",
    )


@pytest.mark.django_db
def test_payable_csv_lists_the_claims_waiting(tenant, finance, payable, portal_client):
    rows = parse_csv(portal_client(finance).get(reverse("mdf_finance:payable_csv")))
    assert rows[0] == selectors.PAYOUT_CSV_HEADER
    assert [row[5] for row in rows[1:]] == ["1250.50", "300.00", "999.99"]
    assert {row[10] for row in rows[1:]} == {"approved"}


# --- ROI -----------------------------------------------------------------------------------


@pytest.fixture
def returns(tenant, finance, channel_manager, make_member):
    fund = make_fund(tenant, finance, amount="90000")
    other_fund = make_fund(tenant, finance, amount="90000", name="Other fund")
    northwind = PartnerOrganisationFactory(tenant=tenant, name="Northwind")
    contoso = PartnerOrganisationFactory(tenant=tenant, name="Contoso")
    won = DealFactory(
        tenant=tenant, partner=northwind, status=DealStatus.WON, final_amount=Decimal("5000.00")
    )
    requesters = {p.pk: partner_member(tenant, p, make_member) for p in (northwind, contoso)}
    for number in range(11):
        organisation = northwind if number % 2 else contoso
        approved_claim(
            tenant,
            fund=fund if number < 9 else other_fund,
            partner=organisation,
            finance=finance,
            reviewer=channel_manager,
            requester=requesters[organisation.pk],
            amount="1000.00",
            title=f"Activity {number:02}",
            leads=3,
            deals=[won] if number == 1 else (),
        )
    return {"fund": fund, "northwind": northwind, "contoso": contoso, "requesters": requesters}


@pytest.mark.django_db
def test_roi_page_matches_mdf_roi_in_bounded_queries(
    tenant, finance, returns, portal_client, django_assert_max_num_queries
):
    client = portal_client(finance)
    with django_assert_max_num_queries(24):
        response = client.get(reverse("mdf_finance:roi"))
    assert response.status_code == 200
    expected = roi.by_partner(tenant=tenant)
    shown = response.context["per_partner"]
    assert [(r["label"], r["spend"], r["won_revenue"], r["cost_per_lead"]) for r in shown] == [
        (r.label, r.spend, r.won_revenue, r.cost_per_lead) for r in expected
    ]
    northwind = next(r for r in shown if r["label"] == "Northwind")
    # 5 activities of 1000.00 brought 5000.00: ROI 0 %; cost per lead 1000 / 3.
    assert (northwind["spend"], northwind["roi_percent"]) == (Decimal("5000.00"), Decimal("0"))
    contoso = next(r for r in shown if r["label"] == "Contoso")
    assert contoso["roi_percent"] == Decimal("-100.00")
    assert len(response.context["page"].object_list) == 11
    assert [r["label"] for r in response.context["per_fund"]] == ["Q4 MDF", "Other fund"]
    body = response.content.decode()
    assert "-100.00%" in body and "333.33" in body and "<svg" in body
    assert "Webinar" in body  # the activity type's bar


@pytest.mark.django_db
def test_roi_filtered_by_fund(tenant, finance, returns, portal_client):
    fund = returns["fund"]
    response = portal_client(finance).get(reverse("mdf_finance:roi"), {"fund": fund.pk})
    assert len(response.context["page"].object_list) == 9
    assert [r["label"] for r in response.context["per_fund"]] == ["Q4 MDF"]
    expected = roi.by_activity_type(tenant=tenant, fund_id=fund.pk)
    assert [r["spend"] for r in response.context["per_activity"]] == [r.spend for r in expected]


@pytest.mark.django_db
def test_partners_see_only_their_own_roi(tenant, returns, portal_client):
    member = returns["requesters"][returns["northwind"].pk]
    response = portal_client(member).get(reverse("mdf_finance:roi"))
    assert response.status_code == 200
    assert response.context["per_partner"] == []
    rows = response.context["page"].object_list
    assert {row["label"] for row in rows} == {f"Activity {n:02}" for n in (1, 3, 5, 7, 9)}
    body = response.content.decode()
    assert "Contoso" not in body and "Activity 00" not in body


@pytest.mark.django_db
def test_roi_without_claims_is_an_empty_state(tenant, finance, portal_client):
    body = portal_client(finance).get(reverse("mdf_finance:roi")).content.decode()
    assert "Nothing to measure yet" in body


# --- navigation ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "shown"), [("finance", True), ("admin", True), ("channel_manager", False)]
)
def test_finance_gets_the_payouts_navigation_entry(role, shown, tenant, make_member, portal_client):
    member = make_member(tenant, Role(role))
    response = portal_client(member).get(reverse("mdf_finance:funds"))
    labels = [str(item["label"]) for item in response.context["subnavigation"]]
    assert ("MDF payouts" in labels) is shown


@pytest.mark.django_db
def test_fund_owners_set_the_claim_deadline_reminders_and_sla(tenant, admin, portal_client):
    from mdf.claim_services import program_settings

    url = reverse("mdf_finance:settings")
    client = portal_client(admin)
    page = client.get(url)
    assert page.status_code == 200 and 'value="60"' in page.content.decode()

    refused = client.post(
        url,
        {
            "claim_deadline_days": "30",
            "first_reminder_days": "30",
            "last_reminder_days": "3",
            "review_sla_days": "5",
        },
    )
    assert refused.status_code == 400
    assert "Remind before the deadline" in refused.content.decode()

    saved = client.post(
        url,
        {
            "claim_deadline_days": "45",
            "first_reminder_days": "10",
            "last_reminder_days": "2",
            "review_sla_days": "3",
        },
    )
    assert saved.status_code == 302
    current = program_settings(tenant)
    assert (
        current.claim_deadline_days,
        current.first_reminder_days,
        current.last_reminder_days,
        current.review_sla_days,
    ) == (45, 10, 2, 3)
