"""Offboarding a partner: access removed, open work released or reassigned, nothing
deleted; reactivation gives access back."""

import pytest
from django.urls import reverse

from dealreg.models import DealParticipant
from ecosystem.errors import Conflict, ValidationFailed
from ecosystem.outbox.models import OutboxEvent
from ecosystem.outbox.services import dispatch_pending
from ecosystem.tenancy import services as tenancy_services
from ecosystem.tenancy.models import Invitation, Membership
from ecosystem.tenancy.roles import Role
from onboarding import offboarding_services as services
from onboarding.models import Offboarding
from partners import services as partner_services
from tests.dealreg.factories import DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(tenant, partner, partner_admin, partner_sales, admin):
    """The partner's open work: a pending and an approved deal (each with its sourced
    participant), a won deal, a lead offered to it, and a pending invitation."""
    deals = {
        status: DealFactory(tenant=tenant, partner=partner, status=status)
        for status in ("pending_review", "approved", "won")
    }
    for deal in deals.values():
        DealParticipant.objects.create(tenant=tenant, deal=deal, partner=partner, role="sourced")
    lead = LeadFactory(tenant=tenant, partner=partner, status="offered")
    invitation = tenancy_services.invite_member(
        tenant=tenant,
        actor=partner_admin.user,
        actor_membership=partner_admin,
        email="new.rep@northwind.example",
        role=Role.PARTNER_SALES,
        partner_organisation=partner,
    )
    return deals, lead, invitation


def test_offboarding_releases_work_and_removes_access(tenant, partner, admin, work):
    deals, lead, invitation = work

    offboarding = services.offboard_partner(
        tenant=tenant, actor=admin, partner_id=partner.pk, reason="Contract ended"
    )

    partner.refresh_from_db()
    assert partner.status == "offboarded"
    assert {key: deal.status for key, deal in _fresh(deals).items()} == {
        "pending_review": "rejected",
        "approved": "expired",
        "won": "won",
    }
    lead.refresh_from_db()
    assert lead.partner_id is None and lead.status in {"new", "declined"}
    assert (
        not Membership.objects.for_tenant(tenant)
        .filter(partner_organisation=partner, is_active=True)
        .exists()
    )
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    assert offboarding.outcome == {
        "deals_rejected": 1,
        "deals_expired": 1,
        "leads_rerouted": 1,
        "people_removed": 2,
    }
    assert OutboxEvent.objects.for_tenant(tenant).filter(name="partner.offboarded").exists()
    # The plain status-change listener sees the record and does nothing more.
    dispatch_pending()
    assert Offboarding.objects.for_tenant(tenant).count() == 1


def test_reassigning_moves_deals_and_leads_to_another_partner(
    tenant, partner, other_partner, admin, work
):
    deals, lead, _invitation = work

    offboarding = services.offboard_partner(
        tenant=tenant,
        actor=admin,
        partner_id=partner.pk,
        reason="Acquired by Contoso",
        reassign_to=other_partner.pk,
    )

    fresh = _fresh(deals)
    assert fresh["pending_review"].partner == other_partner
    assert fresh["approved"].partner == other_partner and fresh["approved"].status == "approved"
    assert fresh["won"].partner == partner  # closed business stays credited where it was
    sourced = DealParticipant.objects.for_tenant(tenant).get(deal=fresh["approved"])
    assert (sourced.partner, sourced.role) == (other_partner, "sourced")
    lead.refresh_from_db()
    assert (lead.partner, lead.status) == (other_partner, "offered")
    assert offboarding.outcome == {
        "deals_reassigned": 2,
        "leads_reassigned": 1,
        "people_removed": 2,
    }


def test_offboarding_needs_a_reason_an_active_target_and_happens_once(
    tenant, partner, other_partner, admin
):
    with pytest.raises(ValidationFailed) as missing:
        services.offboard_partner(tenant=tenant, actor=admin, partner_id=partner.pk, reason=" ")
    assert missing.value.field == "reason"

    partner_services.change_partner_status(
        tenant=tenant, actor=admin.user, partner_id=other_partner.pk, to_status="suspended",
        reason="Audit",
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as inactive:
        services.offboard_partner(
            tenant=tenant,
            actor=admin,
            partner_id=partner.pk,
            reason="Merged",
            reassign_to=other_partner.pk,
        )
    assert inactive.value.field == "reassign_to"

    services.offboard_partner(tenant=tenant, actor=admin, partner_id=partner.pk, reason="Gone")
    with pytest.raises(Conflict, match="already offboarded"):
        services.offboard_partner(tenant=tenant, actor=admin, partner_id=partner.pk, reason="x")


def test_a_plain_status_change_gets_the_same_clean_up_once(tenant, partner, admin, work):
    deals, _lead, _invitation = work

    partner_services.change_partner_status(
        tenant=tenant, actor=admin.user, partner_id=partner.pk, to_status="offboarded",
        reason="Stopped selling",
    )  # fmt: skip
    dispatch_pending()
    dispatch_pending()

    offboarding = Offboarding.objects.for_tenant(tenant).get()
    assert offboarding.reason == "Stopped selling" and offboarding.offboarded_by is None
    assert offboarding.outcome["people_removed"] == 2
    assert _fresh(deals)["approved"].status == "expired"


def test_reactivation_gives_access_back(tenant, partner, partner_admin, admin, work):
    services.offboard_partner(tenant=tenant, actor=admin, partner_id=partner.pk, reason="Paused")

    with pytest.raises(ValidationFailed):
        services.reactivate_partner(tenant=tenant, actor=admin, partner_id=partner.pk, reason="")
    services.reactivate_partner(
        tenant=tenant, actor=admin, partner_id=partner.pk, reason="Renewed", to_status="active"
    )

    partner.refresh_from_db()
    partner_admin.refresh_from_db()
    assert partner.status == "active" and partner_admin.is_active
    offboarding = Offboarding.objects.for_tenant(tenant).get()
    assert offboarding.reactivated_by == admin.user and offboarding.reactivation_reason == "Renewed"
    with pytest.raises(Conflict, match="not offboarded"):
        services.reactivate_partner(
            tenant=tenant, actor=admin, partner_id=partner.pk, reason="Again"
        )


def test_the_page_shows_the_impact_and_offboards(
    tenant, partner, channel_manager, partner_admin, portal_client, work
):
    url = reverse("offboarding:partner", args=[partner.pk])
    client = portal_client(channel_manager)

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["impact"] == {
        "open_deals": 2,
        "held_leads": 1,
        "people": 2,
        "invitations": 1,
    }
    refused = client.post(url, {"reason": "Gone", "work_handling": "reassign"})
    assert refused.status_code == 400
    assert "reassign_to" in refused.context["offboard_form"].errors
    done = client.post(url, {"reason": "Gone", "work_handling": "release"})
    assert done.status_code == 302
    partner.refresh_from_db()
    assert partner.status == "offboarded"
    assert portal_client(partner_admin).get(reverse("deals:list")).status_code == 403


def _fresh(deals):
    return {key: type(deal).objects.get(pk=deal.pk) for key, deal in deals.items()}
