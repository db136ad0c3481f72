"""The audit log page: readable entries, filters, pagination."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from ecosystem.audit.services import record
from ecosystem.tenancy.context import RequestInfo, request_scope
from partners.services import create_partner, update_partner
from tests.partners.factories import PartnerOrganisationFactory


def test_entries_are_readable(admin, tenant, portal_client):
    with (
        time_machine.travel(datetime(2026, 3, 14, 9, 30, tzinfo=UTC), tick=False),
        request_scope(RequestInfo(ip="203.0.113.9")),
    ):
        partner = create_partner(
            tenant=tenant,
            actor=admin.user,
            data={"name": "Initech", "partner_type": "msp", "country": "US"},
        )
        update_partner(
            tenant=tenant, actor=admin.user, partner_id=partner.pk, data={"status": "active"}
        )
    tenant.time_zone = "Europe/Berlin"
    tenant.save()
    response = portal_client(admin).get(reverse("audit_log"))
    body = response.content.decode()
    assert "Partner created" in body
    assert "Partner updated" in body
    assert "Initech" in body
    assert "Partner organisation" in body  # the object's type, readable
    assert 'Onboarding</span> → <span class="after">Active' in body
    assert "203.0.113.9" in body
    assert admin.user.email in body
    assert "14 Mar 2026" in body
    assert "10:30:00" in body  # 09:30 UTC shown in the tenant's zone
    assert "Europe/Berlin" in body


def test_unknown_tenant_time_zone_falls_back_to_utc(admin, tenant, portal_client):
    tenant.time_zone = "Mars/Olympus_Mons"
    tenant.save()
    record(tenant=tenant, actor=admin.user, action="partner.created")
    assert portal_client(admin).get(reverse("audit_log")).status_code == 200


def test_filter_by_action_prefix_and_actor(admin, channel_manager, tenant, portal_client):
    record(tenant=tenant, actor=admin.user, action="partner.created")
    record(tenant=tenant, actor=channel_manager.user, action="partner.updated")
    record(tenant=tenant, actor=channel_manager.user, action="invitation.sent")
    client = portal_client(admin)

    def actions(params):
        page = client.get(reverse("audit_log"), params).context["page"]
        return sorted(entry.action for entry in page.object_list)

    assert actions({"action": "partner."}) == ["partner.created", "partner.updated"]
    assert actions({"action": "invitation.sent"}) == ["invitation.sent"]
    assert actions({"actor": "cm@"}) == ["invitation.sent", "partner.updated"]
    assert actions({"action": "partner.", "actor": "CM@ACME"}) == ["partner.updated"]


def test_action_choices_are_grouped_from_recorded_actions(admin, tenant, portal_client):
    record(tenant=tenant, actor=admin.user, action="partner.created")
    record(tenant=tenant, actor=admin.user, action="api_token.revoked")
    choices = (
        portal_client(admin).get(reverse("audit_log")).context["form"].fields["action"].choices
    )
    values = [value for _, options in choices[1:] for value, _ in options]
    assert values == ["api_token.", "api_token.revoked", "partner.", "partner.created"]


@pytest.mark.parametrize(
    "params",
    [
        {"action": "nonsense"},
        {"actor": "\x00"},
        {"actor": "x" * 1000},
        {"page": "abc"},
        {"page": "99"},
    ],
)
def test_odd_filters_never_fail(params, admin, tenant, portal_client):
    record(tenant=tenant, actor=admin.user, action="partner.created")
    assert portal_client(admin).get(reverse("audit_log"), params).status_code == 200


def test_empty_log_and_empty_filter_results_say_what_to_do(admin, tenant, portal_client):
    client = portal_client(admin)
    assert "Nothing recorded yet" in client.get(reverse("audit_log")).content.decode()
    record(tenant=tenant, actor=admin.user, action="partner.created")
    body = client.get(reverse("audit_log"), {"actor": "nobody"}).content.decode()
    assert "No entries match these filters" in body


def test_only_this_tenants_entries(admin, tenant, other_tenant, portal_client):
    record(tenant=other_tenant, actor=None, action="partner.created", changes={"name": "Secret"})
    response = portal_client(admin).get(reverse("audit_log"))
    assert len(response.context["page"].object_list) == 0


def test_paginated_fifty_per_page_with_constant_queries(
    admin, tenant, partner, other_partner, portal_client, django_assert_max_num_queries
):
    for number in range(60):
        record(
            tenant=tenant,
            actor=admin.user,
            action="partner.updated",
            changes={
                "name": [f"Old {number}", f"New {number}"],
                "partner": partner.pk if number % 2 else other_partner.pk,
            },
        )
    client = portal_client(admin)
    client.get(reverse("audit_log"))
    # 6 for the request itself, then actions, count, page and the partners' names.
    with django_assert_max_num_queries(11):
        first = client.get(reverse("audit_log"))
    assert len(first.context["page"].object_list) == 50
    second = client.get(reverse("audit_log"), {"page": 2})
    assert len(second.context["page"].object_list) == 10
    assert "Page 2 of 2" in second.content.decode()


def test_recorded_choice_values_read_as_labels(admin, tenant, portal_client):
    record(
        tenant=tenant, actor=admin.user, action="invitation.sent", changes={"role": "partner_sales"}
    )
    body = portal_client(admin).get(reverse("audit_log")).content.decode()
    assert "Partner sales" in body


def test_recorded_partner_ids_are_named(admin, tenant, partner, other_tenant, portal_client):
    foreign = PartnerOrganisationFactory(tenant=other_tenant, name="Globex Secret Partner")
    record(
        tenant=tenant, actor=admin.user, action="invitation.sent", changes={"partner": partner.pk}
    )
    record(
        tenant=tenant, actor=admin.user, action="invitation.sent", changes={"partner": foreign.pk}
    )
    record(
        tenant=tenant,
        actor=admin.user,
        action="tenant.branding_updated",
        changes={"logo": ["set", None]},
    )
    body = portal_client(admin).get(reverse("audit_log")).content.decode()
    assert partner.name in body
    assert "Globex Secret Partner" not in body  # another tenant's name never leaks
    assert "Removed" in body
