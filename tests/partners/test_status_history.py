"""Lifecycle status changes: one rule (a reason to suspend or offboard), kept as history."""

import pytest
from django.urls import reverse

from ecosystem.audit.models import AuditEntry
from ecosystem.errors import ValidationFailed
from ecosystem.outbox.models import OutboxEvent
from partners import services
from partners.models import PartnerStatusChange

pytestmark = pytest.mark.django_db


def history(partner):
    return list(
        PartnerStatusChange.objects.for_tenant(partner.tenant)
        .filter(partner=partner)
        .order_by("id")
        .values_list("from_status", "to_status", "reason")
    )


def test_change_writes_history_audit_and_event(admin, partner, tenant):
    services.change_partner_status(
        tenant=tenant,
        actor=admin.user,
        partner_id=partner.pk,
        to_status="suspended",
        reason="Agreement lapsed",
    )
    partner.refresh_from_db()
    assert partner.status == "suspended"
    change = PartnerStatusChange.objects.for_tenant(tenant).get(partner=partner)
    assert (change.from_status, change.to_status, change.reason, change.changed_by) == (
        "active",
        "suspended",
        "Agreement lapsed",
        admin.user,
    )
    assert AuditEntry.objects.for_tenant(tenant).filter(action="partner.status_changed").exists()
    event = OutboxEvent.objects.for_tenant(tenant).get(name="partner.status_changed")
    assert event.payload == {
        "partner_id": partner.pk,
        "from": "active",
        "to": "suspended",
        "reason": "Agreement lapsed",
    }


@pytest.mark.parametrize("to_status", ["suspended", "offboarded"])
def test_reason_is_required_to_suspend_or_offboard(to_status, admin, partner, tenant):
    for reason in ("", "   "):
        with pytest.raises(ValidationFailed) as caught:
            services.change_partner_status(
                tenant=tenant,
                actor=admin.user,
                partner_id=partner.pk,
                to_status=to_status,
                reason=reason,
            )
        assert "reason" in caught.value.as_dict()
    assert history(partner) == []


def test_update_partner_routes_status_through_the_same_rule(admin, partner, tenant):
    with pytest.raises(ValidationFailed) as caught:
        services.update_partner(
            tenant=tenant, actor=admin.user, partner_id=partner.pk, data={"status": "offboarded"}
        )
    assert "reason" in caught.value.as_dict()
    services.update_partner(
        tenant=tenant,
        actor=admin.user,
        partner_id=partner.pk,
        data={"status": "offboarded", "status_reason": "Left the program", "name": "NW"},
    )
    assert history(partner) == [("active", "offboarded", "Left the program")]
    assert OutboxEvent.objects.for_tenant(tenant).filter(name="partner.status_changed").count() == 1


def test_creation_starts_the_history(admin, tenant):
    partner = services.create_partner(
        tenant=tenant,
        actor=admin.user,
        data={"name": "Initech", "partner_type": "msp", "country": "US", "status": "applicant"},
    )
    assert history(partner) == [("", "applicant", "")]


def test_unknown_or_same_status_names_status(admin, partner, tenant):
    for to_status in ("deleted", "active"):
        with pytest.raises(ValidationFailed) as caught:
            services.change_partner_status(
                tenant=tenant, actor=admin.user, partner_id=partner.pk, to_status=to_status
            )
        assert "status" in caught.value.as_dict()


# --- API --------------------------------------------------------------------------------------


def test_api_status_endpoint(channel_manager, partner, api_client):
    client = api_client(channel_manager)
    url = f"/api/v1/partners/{partner.pk}/status/"
    missing = client.post(url, {"status": "suspended"}, format="json")
    assert missing.status_code == 400
    assert "reason" in missing.json()
    assert client.post(url, {"status": "nope"}, format="json").status_code == 400
    ok = client.post(url, {"status": "suspended", "reason": "Overdue invoices"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["status"] == "suspended"
    assert history(partner) == [("active", "suspended", "Overdue invoices")]


@pytest.mark.parametrize("actor", ["partner_admin", "partner_sales"])
def test_api_partner_users_cannot_change_status(actor, partner, api_client, request):
    member = request.getfixturevalue(actor)
    response = api_client(member).post(
        f"/api/v1/partners/{partner.pk}/status/", {"status": "active"}, format="json"
    )
    assert response.status_code == 403
    assert history(partner) == []


# --- the partner page -------------------------------------------------------------------------


def test_page_changes_status_and_shows_history(admin, partner, portal_client):
    client = portal_client(admin)
    url = reverse("partners:status_change", args=[partner.pk])
    refused = client.post(url, {"status": "suspended", "reason": ""})
    assert refused.status_code == 400
    assert "Say why" in refused.content.decode()
    response = client.post(url, {"status": "suspended", "reason": "Agreement lapsed"})
    assert response.status_code == 302
    page = client.get(reverse("partners:detail", args=[partner.pk])).content.decode()
    assert "Status history" in page
    assert "Agreement lapsed" in page
    assert admin.user.get_full_name() in page


def test_partner_users_see_history_but_no_status_form(partner_admin, partner, portal_client):
    page = portal_client(partner_admin).get(reverse("partners:detail", args=[partner.pk]))
    assert "Status history" in page.content.decode()
    assert "status_form" not in page.context or page.context.get("status_form") is None
    assert (
        portal_client(partner_admin)
        .post(reverse("partners:status_change", args=[partner.pk]), {"status": "active"})
        .status_code
        == 403
    )
