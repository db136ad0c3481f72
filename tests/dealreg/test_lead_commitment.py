"""The lead-priority tier commitment, read from the router's stored offers."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealreg import leads
from dealreg.commitments import lead_priority
from ecosystem.outbox.services import dispatch_pending
from partners.commitment_services import evaluate_commitments
from partners.commitments import promised_by
from partners.models import CommitmentStatus, PartnerCommitment
from tests.partners.factories import PartnerOrganisationFactory, TierFactory

NOW = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def gold(tenant):
    return TierFactory(tenant=tenant, name="Gold", rank=3, lead_priority_weight=Decimal("1.5"))


@pytest.fixture
def gold_partner(tenant, gold):
    return PartnerOrganisationFactory(tenant=tenant, name="Gold Local", country="GB", tier=gold)


@pytest.fixture
def registered_partner(tenant):
    return PartnerOrganisationFactory(tenant=tenant, name="Newcomer", country="US")


def route(tenant, admin, company="Initech"):
    return leads.create_lead(
        tenant=tenant, actor=admin, data={"company_name": company, "country": "GB"}, route=True
    )


def verdict(tenant, partner):
    return lead_priority(tenant=tenant, partners=[partner])[partner.pk]


def test_the_tier_promises_it_and_the_check_is_registered(gold):
    promised = {item.code: item for item in promised_by(gold)}
    assert promised["lead_priority"].check is lead_priority


def test_unverified_until_a_lead_reaches_the_partner(clock, tenant, gold_partner):
    found = verdict(tenant, gold_partner)
    assert found.status == CommitmentStatus.UNVERIFIED
    assert "Gold weight ×1.5" in found.detail


def test_met_when_routed_leads_reached_the_partner(clock, tenant, admin, gold_partner):
    route(tenant, admin)
    route(tenant, admin, company="Globex")
    found = verdict(tenant, gold_partner)
    assert found.status == CommitmentStatus.MET
    assert found.detail.startswith("2 leads offered in the last 90 days")


def test_not_met_when_staff_override_the_router_away_from_the_partner(
    clock, tenant, admin, gold_partner, registered_partner
):
    lead = route(tenant, admin)
    assert lead.partner == gold_partner
    leads.override_route(
        tenant=tenant,
        actor=admin,
        lead_id=lead.pk,
        partner_id=registered_partner.pk,
        reason="Friend of the CEO",
    )
    found = verdict(tenant, gold_partner)
    assert found.status == CommitmentStatus.NOT_MET
    assert "staff gave 1 lead the router chose" in found.detail
    assert "(latest on 2026-06-01)" in found.detail and "Initech" not in found.detail


def test_an_old_override_falls_out_of_the_window(
    clock, tenant, admin, gold_partner, registered_partner
):
    lead = route(tenant, admin)
    leads.override_route(
        tenant=tenant, actor=admin, lead_id=lead.pk, partner_id=registered_partner.pk
    )
    with time_machine.travel(NOW + datetime.timedelta(days=91), tick=False):
        assert verdict(tenant, gold_partner).status == CommitmentStatus.UNVERIFIED


def test_an_override_updates_the_stored_commitment_at_once(
    clock, tenant, admin, gold_partner, registered_partner
):
    lead = route(tenant, admin)
    evaluate_commitments(tenant=tenant)
    stored = PartnerCommitment.objects.for_tenant(tenant).filter(partner=gold_partner)
    assert stored.get(benefit="lead_priority").status == CommitmentStatus.MET
    leads.override_route(
        tenant=tenant, actor=admin, lead_id=lead.pk, partner_id=registered_partner.pk
    )
    dispatch_pending()
    assert stored.get(benefit="lead_priority").status == CommitmentStatus.NOT_MET


def test_query_count_does_not_grow_with_partners(clock, tenant, admin, gold):
    partners = [
        PartnerOrganisationFactory(tenant=tenant, name=f"Gold {n}", country="GB", tier=gold)
        for n in range(6)
    ]
    for n in range(4):
        route(tenant, admin, company=f"Company {n}")
    with CaptureQueriesContext(connection) as few:
        lead_priority(tenant=tenant, partners=partners[:2])
    with CaptureQueriesContext(connection) as many:
        lead_priority(tenant=tenant, partners=partners)
    assert len(many) == len(few) == 2
