"""Two partners registering (or two reviewers approving) the same customer at the same
moment must not both win: decisions are serialised per (tenant, normalised customer).

These tests use real concurrent connections (one per thread) on PostgreSQL."""

from decimal import Decimal

import pytest
from django.db import connection

from dealreg import services
from dealreg.models import Deal, DealStatus
from ecosystem.errors import Conflict
from ecosystem.tenancy.roles import Role
from tests.concurrency import run_together
from tests.partners.factories import PartnerOrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)
CONTENDERS = 6


@pytest.fixture
def sellers(tenant, make_member):
    from dealreg.rules import rules_for

    rules_for(tenant)  # created up front: its insert must not serialise the contenders
    members = []
    for index in range(CONTENDERS):
        partner = PartnerOrganisationFactory(tenant=tenant, name=f"Contender {index}")
        members.append(
            make_member(tenant, Role.PARTNER_SALES, partner, email=f"rep{index}@contender.example")
        )
    return members


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_concurrent_registrations_give_exactly_one_first_in_approval(sellers, deal_data):
    def registration(member, index):
        data = deal_data(
            customer_name=[
                "Initech Inc.",
                "INITECH",
                "Initech, Inc",
                "initech inc",
                "Initech",
                "The Initech Inc.",
            ][index],
            customer_domain=[
                "initech.com",
                "www.initech.com",
                "https://initech.com/",
                "",
                "initech.com",
                "INITECH.COM",
            ][index],
            amount=Decimal("30000"),
        )
        return lambda: services.register_deal(tenant=member.tenant, actor=member, data=data)

    results = run_together([registration(member, i) for i, member in enumerate(sellers)])
    errors = [result for result in results if isinstance(result, Exception)]
    assert not errors, errors
    deals = Deal.objects.for_tenant(sellers[0].tenant)
    assert deals.count() == CONTENDERS
    assert deals.filter(status=DealStatus.APPROVED).count() == 1
    pending = deals.filter(status=DealStatus.PENDING_REVIEW)
    assert pending.count() == CONTENDERS - 1
    winner = deals.get(status=DealStatus.APPROVED)
    for deal in pending:
        assert deal.matches.filter(matched_deal=winner).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_concurrent_manual_approvals_of_rival_registrations(
    tenant, sellers, make_member, deal_data
):
    from dealreg.rules import update_rules

    admin = make_member(tenant, Role.ADMIN, email="boss@acme.example")
    update_rules(tenant=tenant, actor=admin, data={"auto_approve": False})
    deals = [
        services.register_deal(tenant=tenant, actor=member, data=deal_data(amount=Decimal("1000")))
        for member in sellers
    ]
    assert {deal.status for deal in deals} == {DealStatus.PENDING_REVIEW}
    reviewers = [
        make_member(tenant, Role.CHANNEL_MANAGER, email=f"cm{i}@acme.example")
        for i in range(len(deals))
    ]

    def approval(reviewer, deal):
        return lambda: services.approve_deal(tenant=tenant, actor=reviewer, deal_id=deal.pk)

    results = run_together([approval(r, d) for r, d in zip(reviewers, deals, strict=True)])
    approved = [result for result in results if isinstance(result, Deal)]
    conflicts = [result for result in results if isinstance(result, Conflict)]
    assert len(approved) == 1, results
    assert len(conflicts) == len(deals) - 1
    assert Deal.objects.for_tenant(tenant).filter(status=DealStatus.APPROVED).count() == 1
