"""The review queue's reads and the deal list's filters: what each reviewer is shown."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dealreg import collaboration, selectors, services
from dealreg.models import DealAppeal, DealStatus, ProtectionExtension
from ecosystem.errors import NotFound
from tests.dealreg.factories import DealFactory


def test_extension_requests_are_counted_though_their_deals_are_approved(
    tenant, partner, partner_sales, channel_manager
):
    approved = DealFactory(
        tenant=tenant,
        partner=partner,
        status=DealStatus.APPROVED,
        protection_expires_at=timezone.now() + datetime.timedelta(days=5),
    )
    DealFactory(tenant=tenant, partner=partner)
    services.request_extension(
        tenant=tenant, actor=partner_sales, deal_id=approved.pk, reason="Budget moved to Q3"
    )
    counts = selectors.queue_counts(tenant=tenant)
    assert counts["pending"] == 1
    assert counts["extensions"] == 1
    assert [request.deal_id for request in selectors.pending_extensions(tenant=tenant)] == [
        approved.pk
    ]
    ProtectionExtension.objects.filter(deal=approved).update(status="approved")
    assert selectors.queue_counts(tenant=tenant)["extensions"] == 0


def test_an_unassigned_appeal_is_not_offered_to_the_reviewer_it_contests(
    tenant, partner, channel_manager, admin
):
    deal = DealFactory(tenant=tenant, partner=partner, status=DealStatus.REJECTED)
    appeal = DealAppeal.objects.create(
        tenant=tenant,
        deal=deal,
        subject="rejection",
        note="We had the meeting first",
        original_decider=channel_manager.user,
    )
    assert list(selectors.pending_appeals(tenant=tenant, membership=channel_manager)) == []
    assert list(selectors.pending_appeals(tenant=tenant, membership=admin)) == [appeal]


def test_the_queue_defaults_to_the_sla_order_when_sort_is_blank(tenant, partner, channel_manager):
    now = timezone.now()
    later = DealFactory(
        tenant=tenant, partner=partner, review_due_at=now + datetime.timedelta(hours=9)
    )
    sooner = DealFactory(
        tenant=tenant, partner=partner, review_due_at=now + datetime.timedelta(hours=1)
    )
    queue = selectors.review_queue(tenant=tenant, membership=channel_manager, filters={"sort": ""})
    assert list(queue) == [sooner, later]


def test_expiring_filter_lists_approved_deals_whose_protection_ends_soon(
    tenant, partner, partner_sales
):
    now = timezone.now()
    soon = DealFactory(
        tenant=tenant,
        partner=partner,
        status=DealStatus.APPROVED,
        protection_expires_at=now + datetime.timedelta(days=3),
    )
    DealFactory(
        tenant=tenant,
        partner=partner,
        status=DealStatus.APPROVED,
        protection_expires_at=now + datetime.timedelta(days=60),
    )
    DealFactory(tenant=tenant, partner=partner)
    listed = selectors.deal_list(tenant=tenant, membership=partner_sales, filters={"expiring": "1"})
    assert list(listed) == [soon]
    assert selectors.deal_counts_for_partner(tenant=tenant, partner_id=partner.pk)["expiring"] == 1


def test_expiring_filter_on_the_deals_page(portal_client, tenant, partner, partner_sales):
    soon = DealFactory(
        tenant=tenant,
        partner=partner,
        status=DealStatus.APPROVED,
        title="Renewal closing soon",
        protection_expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    DealFactory(tenant=tenant, partner=partner, title="Fresh pending deal")
    page = portal_client(partner_sales).get("/deals/?expiring=1").content.decode()
    assert soon.title in page and "Fresh pending deal" not in page
    assert 'name="expiring" value="1" checked' in page


def test_an_unchanged_close_date_in_the_past_does_not_block_other_edits(
    tenant, partner, partner_sales
):
    deal = DealFactory(
        tenant=tenant,
        partner=partner,
        status=DealStatus.APPROVED,
        expected_close_date=timezone.localdate() - datetime.timedelta(days=2),
    )
    updated = services.update_deal(
        tenant=tenant,
        actor=partner_sales,
        deal_id=deal.pk,
        data={"expected_close_date": deal.expected_close_date, "amount": Decimal("30000")},
    )
    assert updated.amount == Decimal("30000")


def test_the_registering_partner_reaches_the_room_without_a_participant_row(
    tenant, partner, partner_sales, other_partner_admin
):
    deal = DealFactory(tenant=tenant, partner=partner, status=DealStatus.APPROVED)
    message = collaboration.post_message(
        tenant=tenant, actor=partner_sales, deal_id=deal.pk, body="Kick-off booked"
    )
    assert message.deal_id == deal.pk
    with pytest.raises(NotFound):
        collaboration.post_message(
            tenant=tenant, actor=other_partner_admin, deal_id=deal.pk, body="Let me in"
        )
