"""Reopening a won deal and recording refunds: reviewers only, with a reason, audited,
emitted as deal.reopened / deal.refunded, and reachable from the deal page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from dealreg import services
from dealreg.models import Deal
from ecosystem.audit.models import AuditEntry
from ecosystem.errors import Conflict, NotAllowed, ValidationFailed
from ecosystem.outbox.models import OutboxEvent
from tests.mdf.incentives_factories import approved_deal, win


@pytest.fixture
def won(tenant, partner, channel_manager):
    return win(tenant, channel_manager, approved_deal(tenant, partner),
               amount="40000", closed_on=datetime.date(2025, 5, 10))  # fmt: skip


def test_reopen_moves_won_back_to_approved_audited_and_emitted(tenant, channel_manager, won):
    deal = services.reopen_deal(
        tenant=tenant, actor=channel_manager, deal_id=won.pk, reason="Signed by mistake"
    )
    assert (deal.status, deal.final_amount, deal.closed_on) == ("approved", None, None)
    event = OutboxEvent.objects.for_tenant(tenant).get(name="deal.reopened")
    assert event.payload["final_amount"] == "40000.00"
    assert event.payload["reason"] == "Signed by mistake"
    assert AuditEntry.objects.for_tenant(tenant).filter(action="deal.reopened").exists()
    assert deal.events.filter(kind="status.approved", message="Signed by mistake").exists()
    with pytest.raises(Conflict):  # only a won deal reopens
        services.reopen_deal(tenant=tenant, actor=channel_manager, deal_id=won.pk, reason="x")


def test_refunds_never_exceed_the_final_amount(tenant, channel_manager, partner_admin, won):
    with pytest.raises(NotAllowed):
        services.record_refund(tenant=tenant, actor=partner_admin, deal_id=won.pk,
                               amount="1", reason="x")  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        services.record_refund(tenant=tenant, actor=channel_manager, deal_id=won.pk,
                               amount="1", reason="")  # fmt: skip
    assert refused.value.field == "reason"
    services.record_refund(tenant=tenant, actor=channel_manager, deal_id=won.pk,
                           amount="30000", reason="Seats returned")  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        services.record_refund(tenant=tenant, actor=channel_manager, deal_id=won.pk,
                               amount="10000.01", reason="More")  # fmt: skip
    assert refused.value.field == "amount"
    services.record_refund(tenant=tenant, actor=channel_manager, deal_id=won.pk,
                           amount="10000", reason="The rest")  # fmt: skip
    payloads = [
        event.payload
        for event in OutboxEvent.objects.for_tenant(tenant).filter(name="deal.refunded")
    ]
    assert [p["refunded_total"] for p in payloads] == ["30000.00", "40000.00"]
    assert Deal.objects.for_tenant(tenant).get(pk=won.pk).status == "won"
    assert services.refunded_since_won(won) == Decimal("40000.00")


def test_refund_on_a_deal_that_is_not_won_is_409(tenant, partner, channel_manager):
    deal = approved_deal(tenant, partner)
    with pytest.raises(Conflict):
        services.record_refund(tenant=tenant, actor=channel_manager, deal_id=deal.pk,
                               amount="1", reason="x")  # fmt: skip


def test_deal_page_forms(tenant, channel_manager, partner_admin, won, portal_client):
    client = portal_client(channel_manager)
    page = client.get(reverse("deals:detail", args=[won.pk])).content.decode()
    assert reverse("deals:refund", args=[won.pk]) in page
    assert reverse("deals:reopen", args=[won.pk]) in page
    assert reverse("incentives:deal_calculator", args=[won.pk]) in page
    refused = client.post(reverse("deals:refund", args=[won.pk]), {"amount": "50000",
                                                                   "reason": "x"})  # fmt: skip
    assert refused.status_code == 400
    assert client.post(reverse("deals:refund", args=[won.pk]),
                       {"amount": "100", "reason": "Partial"}).status_code == 302  # fmt: skip
    assert client.post(reverse("deals:reopen", args=[won.pk]),
                       {"reason": "Wrong deal"}).status_code == 302  # fmt: skip
    assert Deal.objects.for_tenant(tenant).get(pk=won.pk).status == "approved"
    partner_page = portal_client(partner_admin).get(reverse("deals:detail", args=[won.pk]))
    assert reverse("deals:reopen", args=[won.pk]) not in partner_page.content.decode()
    assert portal_client(partner_admin).post(reverse("deals:reopen", args=[won.pk]),
                                             {"reason": "x"}).status_code == 403  # fmt: skip
