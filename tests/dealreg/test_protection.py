"""Protection expiry (with a warning 14 days ahead), extensions, review escalation, appeals."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from dealreg import collaboration, services
from dealreg.models import DealStatus
from dealreg.rules import update_rules
from ecosystem.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ecosystem.notifications.models import Notification
from ecosystem.outbox.models import OutboxEvent
from ecosystem.scheduling.services import process_due
from ecosystem.tenancy.roles import Role


def register(actor, data):
    return services.register_deal(
        tenant=actor.tenant, actor=actor, data=dict(data, amount=Decimal(str(data["amount"])))
    )


def test_warning_then_expiry_through_due_work(partner_sales, deal_data):
    deal = register(partner_sales, deal_data())
    expires = deal.protection_expires_at
    process_due(now=expires - datetime.timedelta(days=15))
    assert not Notification.objects.for_tenant(deal.tenant).filter(kind="deal.expiring").exists()
    process_due(now=expires - datetime.timedelta(days=14))
    assert (
        Notification.objects.for_tenant(deal.tenant)
        .filter(kind="deal.expiring", recipient=partner_sales.user)
        .exists()
    )
    with time_machine.travel(expires + datetime.timedelta(minutes=1), tick=False):
        process_due()
    deal.refresh_from_db()
    assert deal.status == DealStatus.EXPIRED
    assert OutboxEvent.objects.for_tenant(deal.tenant).filter(name="deal.expired").exists()
    assert deal.events.filter(kind="status.expired").exists()


def test_extension_moves_the_expiry(partner_sales, channel_manager, deal_data):
    deal = register(partner_sales, deal_data())
    before = deal.protection_expires_at
    with pytest.raises(ValidationFailed):
        services.request_extension(
            tenant=deal.tenant, actor=partner_sales, deal_id=deal.pk, reason=" "
        )
    services.request_extension(
        tenant=deal.tenant,
        actor=partner_sales,
        deal_id=deal.pk,
        reason="Procurement slipped a quarter",
    )
    with pytest.raises(Conflict):
        services.request_extension(
            tenant=deal.tenant, actor=partner_sales, deal_id=deal.pk, reason="again"
        )
    services.decide_extension(
        tenant=deal.tenant, actor=channel_manager, deal_id=deal.pk, approve=True
    )
    deal.refresh_from_db()
    assert deal.protection_expires_at == before + datetime.timedelta(days=30)
    assert deal.extensions_granted == 1
    # The old expiry time passes without expiring the deal.
    with time_machine.travel(before + datetime.timedelta(minutes=1), tick=False):
        process_due()
    deal.refresh_from_db()
    assert deal.status == DealStatus.APPROVED


def test_extensions_are_limited(partner_sales, channel_manager, admin, deal_data):
    update_rules(tenant=partner_sales.tenant, actor=admin, data={"max_extensions": 1})
    deal = register(partner_sales, deal_data())
    services.request_extension(
        tenant=deal.tenant, actor=partner_sales, deal_id=deal.pk, reason="Budget freeze"
    )
    services.decide_extension(
        tenant=deal.tenant, actor=channel_manager, deal_id=deal.pk, approve=True
    )
    with pytest.raises(Conflict):
        services.request_extension(
            tenant=deal.tenant, actor=partner_sales, deal_id=deal.pk, reason="More"
        )


def test_overdue_review_escalates_to_the_reviewers_lead(
    tenant, partner, partner_sales, make_member, admin, deal_data, mailoutbox
):
    lead = make_member(tenant, Role.ADMIN, email="head@acme.example")
    manager = make_member(tenant, Role.CHANNEL_MANAGER, email="mgr@acme.example")
    manager.reports_to = lead
    manager.save()
    partner.channel_manager = manager
    partner.save()
    update_rules(tenant=tenant, actor=admin, data={"auto_approve": False, "review_sla_hours": 24})
    partner_sales.partner_organisation.refresh_from_db()
    deal = register(partner_sales, deal_data())
    assert deal.assigned_to == manager
    process_due(now=deal.review_due_at - datetime.timedelta(minutes=1))
    deal.refresh_from_db()
    assert deal.escalated_at is None
    process_due(now=deal.review_due_at + datetime.timedelta(minutes=1))
    deal.refresh_from_db()
    assert deal.escalated_at is not None
    overdue = Notification.objects.for_tenant(tenant).filter(kind="deal.review_overdue")
    assert list(overdue.values_list("recipient__email", flat=True)) == ["head@acme.example"]
    assert deal.events.filter(kind="review.escalated").exists()


def test_approving_in_time_cancels_the_escalation(
    tenant, partner_sales, channel_manager, admin, deal_data
):
    update_rules(tenant=tenant, actor=admin, data={"auto_approve": False})
    deal = register(partner_sales, deal_data())
    services.approve_deal(tenant=tenant, actor=channel_manager, deal_id=deal.pk)
    process_due(now=deal.review_due_at + datetime.timedelta(hours=1))
    deal.refresh_from_db()
    assert deal.escalated_at is None


def test_appeal_goes_to_a_different_reviewer_once(
    tenant, partner_sales, partner_admin, channel_manager, admin, deal_data
):
    update_rules(tenant=tenant, actor=admin, data={"auto_approve": False})
    deal = register(partner_sales, deal_data())
    services.reject_deal(
        tenant=tenant, actor=channel_manager, deal_id=deal.pk, reason="Not enough detail"
    )
    appeal = collaboration.file_appeal(
        tenant=tenant, actor=partner_admin, deal_id=deal.pk, note="Here is the detail: …"
    )
    assert appeal.subject == "rejection"
    assert appeal.reviewer.user_id != channel_manager.user_id
    with pytest.raises(Conflict):
        collaboration.file_appeal(tenant=tenant, actor=partner_admin, deal_id=deal.pk, note="again")
    with pytest.raises(NotAllowed):
        collaboration.decide_appeal(
            tenant=tenant,
            actor=channel_manager,
            deal_id=deal.pk,
            outcome="reversed",
            reason="I changed my mind",
        )
    collaboration.decide_appeal(
        tenant=tenant,
        actor=admin,
        deal_id=deal.pk,
        outcome="reversed",
        reason="The detail checks out",
    )
    deal.refresh_from_db()
    assert deal.status == DealStatus.APPROVED
    assert deal.protection_expires_at > timezone.now()
    kinds = list(deal.events.values_list("kind", flat=True))
    assert (
        kinds.index("status.rejected")
        < kinds.index("appeal.filed")
        < kinds.index("appeal.reversed")
    )


def test_upheld_appeal_keeps_the_rejection(
    tenant, partner_sales, partner_admin, channel_manager, admin, deal_data
):
    update_rules(tenant=tenant, actor=admin, data={"auto_approve": False})
    deal = register(partner_sales, deal_data())
    services.reject_deal(
        tenant=tenant, actor=channel_manager, deal_id=deal.pk, reason="Direct account"
    )
    collaboration.file_appeal(
        tenant=tenant, actor=partner_sales, deal_id=deal.pk, note="We sourced it"
    )
    collaboration.decide_appeal(
        tenant=tenant, actor=admin, deal_id=deal.pk, outcome="upheld", reason="Direct has it"
    )
    deal.refresh_from_db()
    assert deal.status == DealStatus.REJECTED
    assert (
        Notification.objects.for_tenant(tenant)
        .filter(kind="deal.appeal_upheld", recipient=partner_sales.user)
        .exists()
    )


def test_another_partner_cannot_appeal(
    tenant, partner_sales, other_partner_admin, channel_manager, admin, deal_data
):
    update_rules(tenant=tenant, actor=admin, data={"auto_approve": False})
    deal = register(partner_sales, deal_data())
    services.reject_deal(tenant=tenant, actor=channel_manager, deal_id=deal.pk, reason="No")
    with pytest.raises(NotFound):
        collaboration.file_appeal(
            tenant=tenant, actor=other_partner_admin, deal_id=deal.pk, note="me too"
        )


def test_duplicate_ruling_appeal_subject(
    tenant, partner_sales, other_partner_admin, channel_manager, admin, deal_data
):
    register(partner_sales, deal_data())
    second = register(other_partner_admin, deal_data())
    services.reject_deal(
        tenant=tenant, actor=channel_manager, deal_id=second.pk, reason="Duplicate"
    )
    appeal = collaboration.file_appeal(
        tenant=tenant,
        actor=other_partner_admin,
        deal_id=second.pk,
        note="We were first in the account",
    )
    assert appeal.subject == "duplicate"
    # Reversal is refused while the first partner's protection stands.
    reviewer = appeal.reviewer
    with pytest.raises(Conflict):
        collaboration.decide_appeal(
            tenant=tenant, actor=reviewer, deal_id=second.pk, outcome="reversed", reason="ok"
        )


def test_participants_room_and_help(
    tenant, partner_sales, other_partner_admin, channel_manager, deal_data, mailoutbox
):
    deal = register(partner_sales, deal_data())
    with pytest.raises(NotFound):
        collaboration.post_message(
            tenant=tenant, actor=other_partner_admin, deal_id=deal.pk, body="hello?"
        )
    request = collaboration.request_to_join(
        tenant=tenant, actor=other_partner_admin, deal_id=deal.pk, note="We run their ERP"
    )
    assert request.status == "requested"
    collaboration.decide_participant(
        tenant=tenant,
        actor=channel_manager,
        deal_id=deal.pk,
        participant_id=request.pk,
        accept=True,
    )
    message = collaboration.post_message(
        tenant=tenant,
        actor=other_partner_admin,
        deal_id=deal.pk,
        body=f"@{partner_sales.user.email} can we meet Tuesday? cc @nobody@else.example",
    )
    assert message.mentions == [partner_sales.user.pk]
    assert (
        Notification.objects.for_tenant(tenant)
        .filter(kind="deal.mention", recipient=partner_sales.user)
        .exists()
    )
    help_request = collaboration.request_help(
        tenant=tenant, actor=partner_sales, deal_id=deal.pk, kind="sales_engineer", note="Demo"
    )
    updated = collaboration.update_help_request(
        tenant=tenant,
        actor=channel_manager,
        deal_id=deal.pk,
        request_id=help_request.pk,
        status="assigned",
        assignee_id=channel_manager.pk,
    )
    assert updated.assigned_to == channel_manager
    with pytest.raises(Conflict):
        collaboration.add_participant(
            tenant=tenant,
            actor=channel_manager,
            deal_id=deal.pk,
            partner_id=other_partner_admin.partner_organisation_id,
            role="influence",
        )
