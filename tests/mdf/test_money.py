"""Market development funds: the money model, its ledger and its invariants, also under
concurrent calls from several connections."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from ecosystem.errors import Conflict, NotAllowed, ValidationFailed
from ecosystem.outbox.models import OutboxEvent
from ecosystem.tenancy.roles import Role
from mdf import selectors, services
from mdf.models import EntryKind, FundRequest, LedgerEntry
from tests.concurrency import run_together
from tests.partners.factories import PartnerOrganisationFactory

START = datetime.date(2026, 10, 1)
END = datetime.date(2026, 12, 31)


def make_fund(tenant, member, amount="50000.00", **extra):
    return services.create_fund(
        tenant=tenant,
        actor=member,
        data={"name": "Q4 2026 MDF", "currency": "usd", "amount": amount,
              "start_date": START, "end_date": END, **extra},
    )  # fmt: skip


def request_data(amount="4000.00", **extra):
    return {
        "activity_type": "webinar",
        "title": "Cloud security webinar",
        "start_date": datetime.date(2026, 11, 3),
        "end_date": datetime.date(2026, 11, 3),
        "requested_amount": amount,
        "expected_leads": 40,
        "expected_pipeline": "250000",
        **extra,
    }


@pytest.fixture
def finance(tenant, make_member):
    return make_member(tenant, Role.FINANCE, email="finance@acme.example")


@pytest.mark.django_db
def test_funds_allocations_and_requests_move_money_through_the_ledger(
    tenant, finance, channel_manager, partner, partner_admin
):
    fund = make_fund(tenant, finance)
    allocation = services.allocate(
        tenant=tenant, actor=finance, fund_id=fund.pk, partner_id=partner.pk, amount="10000"
    )
    request = services.submit_request(
        tenant=tenant, actor=partner_admin, allocation_id=allocation.pk, data=request_data()
    )
    services.approve_request(
        tenant=tenant, actor=channel_manager, request_id=request.pk, amount="3500",
        reason="Venue covered by us",
    )  # fmt: skip

    request.refresh_from_db()
    assert (request.status, request.approved_amount) == ("approved", Decimal("3500.00"))
    balance = selectors.balances(tenant=tenant, allocation_ids=[allocation.pk])[allocation.pk]
    assert (balance.allocated, balance.committed, balance.remaining) == (
        Decimal("10000.00"),
        Decimal("3500.00"),
        Decimal("6500.00"),
    )
    kinds = list(LedgerEntry.objects.for_tenant(tenant).values_list("kind", "amount", "currency"))
    assert kinds == [
        (EntryKind.CREDIT, Decimal("10000.00"), "USD"),
        (EntryKind.COMMITMENT, Decimal("3500.00"), "USD"),
    ]
    names = set(OutboxEvent.objects.for_tenant(tenant).values_list("name", flat=True))
    assert {"mdf.fund_created", "mdf.allocated", "mdf.request_submitted",
            "mdf.request_approved"} <= names  # fmt: skip


@pytest.mark.django_db
def test_the_ledger_is_append_only(tenant, finance, partner):
    fund = make_fund(tenant, finance)
    services.allocate(tenant=tenant, actor=finance, fund_id=fund.pk, partner_id=partner.pk,
                      amount="100")  # fmt: skip
    entry = LedgerEntry.objects.for_tenant(tenant).get()

    entry.amount = Decimal("1")
    with pytest.raises(ValueError, match="never changed"):
        entry.save()
    with pytest.raises(ValueError, match="never deleted"):
        entry.delete()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "nan"}, "amount"),
        ({"currency": "dollars"}, "currency"),
        ({"end_date": datetime.date(2026, 9, 1)}, "end_date"),
    ],
)
def test_bad_fund_input_names_the_field(tenant, finance, data, field):
    with pytest.raises(ValidationFailed) as error:
        make_fund(tenant, finance, **data)
    assert field in error.value.errors


@pytest.mark.django_db
def test_bad_request_input_names_the_field(tenant, finance, partner, partner_admin):
    fund = make_fund(tenant, finance)
    allocation = services.allocate(
        tenant=tenant, actor=finance, fund_id=fund.pk, partner_id=partner.pk, amount="1000"
    )

    with pytest.raises(ValidationFailed) as error:
        services.submit_request(
            tenant=tenant,
            actor=partner_admin,
            allocation_id=allocation.pk,
            data=request_data(
                "abc", expected_leads="many", expected_pipeline="lots", activity_type="party"
            ),
        )

    assert set(error.value.errors) == {
        "requested_amount",
        "expected_leads",
        "expected_pipeline",
        "activity_type",
    }


@pytest.mark.django_db
def test_allocations_never_exceed_the_fund_and_respect_its_restrictions(
    tenant, finance, partner, other_partner
):
    fund = make_fund(tenant, finance, amount="10000")
    services.allocate(tenant=tenant, actor=finance, fund_id=fund.pk, partner_id=partner.pk,
                      amount="7000")  # fmt: skip
    with pytest.raises(Conflict, match=r"Only 3000\.00 USD"):
        services.allocate(tenant=tenant, actor=finance, fund_id=fund.pk,
                          partner_id=other_partner.pk, amount="3000.01")  # fmt: skip

    msp_only = make_fund(tenant, finance, partner_type="msp")
    partner.partner_type = "var"
    partner.save(update_fields=["partner_type"])
    with pytest.raises(ValidationFailed, match="Managed service provider partners only"):
        services.allocate(tenant=tenant, actor=finance, fund_id=msp_only.pk,
                          partner_id=partner.pk, amount="10")  # fmt: skip


@pytest.mark.django_db
def test_approvals_never_exceed_the_request_or_the_allocation(
    tenant, finance, channel_manager, partner, partner_admin
):
    fund = make_fund(tenant, finance)
    allocation = services.allocate(tenant=tenant, actor=finance, fund_id=fund.pk,
                                   partner_id=partner.pk, amount="5000")  # fmt: skip
    first, second = (
        services.submit_request(
            tenant=tenant,
            actor=partner_admin,
            allocation_id=allocation.pk,
            data=request_data("3000"),
        )
        for _ in range(2)
    )
    with pytest.raises(ValidationFailed) as over:
        services.approve_request(tenant=tenant, actor=channel_manager, request_id=first.pk,
                                 amount="3000.01")  # fmt: skip
    assert over.value.field == "amount"
    with pytest.raises(ValidationFailed) as unexplained:
        services.approve_request(tenant=tenant, actor=channel_manager, request_id=first.pk,
                                 amount="2000")  # fmt: skip
    assert unexplained.value.field == "reason"

    services.approve_request(tenant=tenant, actor=channel_manager, request_id=first.pk)
    with pytest.raises(Conflict, match=r"Only 2000\.00 USD is left"):
        services.approve_request(tenant=tenant, actor=channel_manager, request_id=second.pk)
    with pytest.raises(Conflict, match="already approved"):
        services.reject_request(tenant=tenant, actor=channel_manager, request_id=first.pk,
                                reason="Changed my mind")  # fmt: skip


@pytest.mark.django_db
def test_who_may_do_what(tenant, finance, channel_manager, partner, partner_admin, other_partner):
    with pytest.raises(NotAllowed):
        make_fund(tenant, channel_manager)
    fund = make_fund(tenant, finance)
    theirs = services.allocate(tenant=tenant, actor=finance, fund_id=fund.pk,
                               partner_id=other_partner.pk, amount="1000")  # fmt: skip
    # A partner cannot request against another partner's allocation: it is not theirs.
    with pytest.raises(ValidationFailed) as error:
        services.submit_request(tenant=tenant, actor=partner_admin, allocation_id=theirs.pk,
                                data=request_data("100"))  # fmt: skip
    assert error.value.field == "allocation"
    with pytest.raises(NotAllowed):
        services.approve_request(tenant=tenant, actor=partner_admin, request_id=0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_concurrent_approvals_never_overspend_an_allocation(
    tenant, finance, make_member, partner, partner_admin
):
    fund = make_fund(tenant, finance)
    allocation = services.allocate(tenant=tenant, actor=finance, fund_id=fund.pk,
                                   partner_id=partner.pk, amount="10000")  # fmt: skip
    requests = [
        services.submit_request(
            tenant=tenant,
            actor=partner_admin,
            allocation_id=allocation.pk,
            data=request_data("4000"),
        )
        for _ in range(6)
    ]
    reviewers = [
        make_member(tenant, Role.CHANNEL_MANAGER, email=f"cm{index}@acme.example")
        for index in range(6)
    ]

    def approval(reviewer, request):
        return lambda: services.approve_request(
            tenant=tenant, actor=reviewer, request_id=request.pk
        )

    results = run_together([approval(r, q) for r, q in zip(reviewers, requests, strict=True)])

    approved = [result for result in results if isinstance(result, FundRequest)]
    refused = [result for result in results if isinstance(result, Conflict)]
    assert (len(approved), len(refused)) == (2, 4), results
    balance = selectors.balances(tenant=tenant, allocation_ids=[allocation.pk])[allocation.pk]
    assert (balance.committed, balance.remaining) == (Decimal("8000.00"), Decimal("2000.00"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_concurrent_allocations_never_overspend_a_fund(tenant, finance):
    fund = make_fund(tenant, finance, amount="10000")
    partners = [PartnerOrganisationFactory(tenant=tenant, name=f"Rival {n}") for n in range(5)]

    results = run_together([
        (lambda p=p: services.allocate(tenant=tenant, actor=finance, fund_id=fund.pk,
                                       partner_id=p.pk, amount="3000"))
        for p in partners
    ])  # fmt: skip

    assert sum(not isinstance(result, Exception) for result in results) == 3
    assert selectors.fund_allocated(fund) == Decimal("9000.00")
