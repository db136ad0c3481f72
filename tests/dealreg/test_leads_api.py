"""The leads/ and routing-rules/ API: shapes from API.md, roles, visibility, the replay and
the report."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dealreg import leads
from dealreg.models import Deal, Lead, LeadOffer, RoutingRule
from ecosystem.tenancy.roles import Role
from tests.dealreg.factories import LeadFactory, RoutingRuleFactory
from tests.partners.factories import PartnerOrganisationFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(tenant, admin, partner, other_partner):
    """lead for `partner` (Northwind, GB) offered; Contoso is in the US."""
    other_partner.country = "US"
    other_partner.save()

    def make(**data):
        body = {"company_name": "Initech", "country": "GB", "contact_email": "p@initech.com"}
        body.update(data)
        return leads.create_lead(tenant=tenant, actor=admin, data=body)

    return make


def test_create_routes_and_answers_in_the_contract_shape(api_client, admin, partner):
    response = api_client(admin).post(
        "/api/v1/leads/",
        {
            "company_name": "Initech",
            "country": "GB",
            "interest": "Backup",
            "products": ["Backup"],
            "estimated_amount": "5000.00",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {"id", "company_name", "country", "status", "partner"} <= set(body)
    assert body["status"] == "offered" and body["partner"] == partner.pk
    assert body["country"] == "GB" and body["currency"] == "USD"
    assert body["offer"]["partner"] == partner.pk and body["offer"]["expires_at"]
    assert Lead.objects.for_tenant(admin.tenant).get().source == "api"


def test_create_without_routing_and_with_an_idempotency_key(api_client, admin, partner):
    client = api_client(admin)
    body = {"company_name": "Initech", "country": "DE", "route": False}
    first = client.post("/api/v1/leads/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/leads/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert first.json()["status"] == "new" and first.json()["partner"] is None
    assert Lead.objects.for_tenant(admin.tenant).count() == 1


def test_create_checks_input(api_client, admin):
    response = api_client(admin).post(
        "/api/v1/leads/",
        {"company_name": "", "country": "XX", "company_domain": "not a domain"},
        format="json",
    )
    assert response.status_code == 400
    assert {"company_name", "country"} <= set(response.json())


@pytest.mark.parametrize("role", ["finance", "partner_admin", "partner_sales"])
def test_only_lead_managers_create(role, api_client, member_of_role):
    response = api_client(member_of_role(role)).post(
        "/api/v1/leads/", {"company_name": "X", "country": "GB"}, format="json"
    )
    assert response.status_code == 403


def test_partners_see_only_their_current_leads(
    api_client, tenant, routed, partner, other_partner, partner_sales, other_partner_admin, admin
):
    mine = routed()
    theirs = routed(country="US")
    LeadFactory(tenant=tenant, company_name="Unrouted")
    assert mine.partner == partner and theirs.partner == other_partner

    staff = api_client(admin).get("/api/v1/leads/").json()["results"]
    assert len(staff) == 3
    own = api_client(partner_sales).get("/api/v1/leads/").json()["results"]
    assert [row["id"] for row in own] == [mine.pk]
    assert own[0]["contact_email"] == ""  # shown once accepted
    client = api_client(partner_sales)
    assert client.get(f"/api/v1/leads/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/leads/{theirs.pk}/accept/").status_code == 404

    assert client.post(f"/api/v1/leads/{mine.pk}/accept/").status_code == 200
    detail = client.get(f"/api/v1/leads/{mine.pk}/").json()
    assert detail["status"] == "accepted" and detail["contact_email"] == "p@initech.com"


def test_list_filters(api_client, admin, tenant, routed, other_partner):
    routed()
    routed(country="US", company_name="Globex")
    LeadFactory(tenant=tenant, company_name="Waiting", country="DE")
    client = api_client(admin)
    assert [
        r["company_name"] for r in client.get("/api/v1/leads/?status=new").json()["results"]
    ] == ["Waiting"]
    by_partner = client.get(f"/api/v1/leads/?partner={other_partner.pk}").json()["results"]
    assert [r["company_name"] for r in by_partner] == ["Globex"]
    assert [
        r["company_name"] for r in client.get("/api/v1/leads/?country=de").json()["results"]
    ] == ["Waiting"]
    assert client.get("/api/v1/leads/?search=glob").json()["results"][0]["company_name"] == "Globex"


def test_list_queries_are_bounded(
    api_client, admin, tenant, partner, django_assert_max_num_queries
):
    partner.capacity = 100
    partner.save()
    client = api_client(admin)
    for number in range(3):
        leads.create_lead(
            tenant=tenant, actor=admin, data={"company_name": f"A{number}", "country": "GB"}
        )
    with django_assert_max_num_queries(12) as small:
        client.get("/api/v1/leads/")
    for number in range(30):
        leads.create_lead(
            tenant=tenant, actor=admin, data={"company_name": f"B{number}", "country": "GB"}
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get("/api/v1/leads/").json()["results"]) == 33


def test_decline_needs_a_reason_and_reveals_nothing_of_the_next_partner(
    api_client, routed, partner_sales, other_partner
):
    lead = routed()
    client = api_client(partner_sales)
    assert client.post(f"/api/v1/leads/{lead.pk}/decline/", {}, format="json").status_code == 400
    response = client.post(
        f"/api/v1/leads/{lead.pk}/decline/", {"reason": "Out of our territory"}, format="json"
    )
    assert response.status_code == 200
    assert (
        response.json()["status"] == "declined"
        and other_partner.name not in response.content.decode()
    )
    assert client.get(f"/api/v1/leads/{lead.pk}/").status_code == 404
    lead.refresh_from_db()
    assert lead.partner == other_partner


def test_accept_twice_is_a_conflict(api_client, routed, partner_admin):
    lead = routed()
    client = api_client(partner_admin)
    assert client.post(f"/api/v1/leads/{lead.pk}/accept/").status_code == 200
    assert client.post(f"/api/v1/leads/{lead.pk}/accept/").status_code == 409


def test_convert_creates_a_deal(api_client, routed, partner_sales, tenant):
    lead = routed(estimated_amount="1500.00", currency="EUR")
    client = api_client(partner_sales)
    assert client.post(f"/api/v1/leads/{lead.pk}/convert/").status_code == 409
    client.post(f"/api/v1/leads/{lead.pk}/accept/")
    response = client.post(f"/api/v1/leads/{lead.pk}/convert/")
    assert response.status_code == 201, response.content
    deal = Deal.objects.for_tenant(tenant).get(pk=response.json()["deal"])
    assert response.json()["status"] == "converted"
    assert (deal.customer_name, str(deal.amount), deal.currency) == ("Initech", "1500.00", "EUR")
    assert deal.expected_close_date == datetime.date.today() + datetime.timedelta(days=90)


def test_staff_override_withdraw_lose_and_route(
    api_client, admin, routed, other_partner, partner_sales, tenant
):
    lead = routed()
    client = api_client(admin)
    response = client.post(
        f"/api/v1/leads/{lead.pk}/override/",
        {"partner": other_partner.pk, "reason": "Named account"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["partner"] == other_partner.pk
    assert response.json()["offer"]["is_override"] is True
    assert (
        client.post(f"/api/v1/leads/{lead.pk}/withdraw/", {}, format="json").json()["status"]
        == "new"
    )
    assert client.post(f"/api/v1/leads/{lead.pk}/route/").json()["status"] == "declined"
    assert client.post(f"/api/v1/leads/{lead.pk}/lost/", {}, format="json").status_code == 400
    lost = client.post(
        f"/api/v1/leads/{lead.pk}/lost/", {"reason": "Bought elsewhere"}, format="json"
    )
    assert lost.json()["status"] == "lost"
    # Partners may not use staff actions (refused by role).
    partner_client = api_client(partner_sales)
    for action in ("override", "withdraw", "route", "routing"):
        method = partner_client.get if action == "routing" else partner_client.post
        assert method(f"/api/v1/leads/{lead.pk}/{action}/").status_code == 403


def test_routing_replay_lists_every_offer_with_its_breakdown(
    api_client, admin, routed, partner_sales, partner, other_partner
):
    lead = routed()
    api_client(partner_sales).post(
        f"/api/v1/leads/{lead.pk}/decline/", {"reason": "Busy"}, format="json"
    )
    response = api_client(admin).get(f"/api/v1/leads/{lead.pk}/routing/")
    assert response.status_code == 200
    body = response.json()
    assert body["lead"] == lead.pk and body["status"] == "offered"
    first, second = body["offers"]
    assert (first["partner"], first["status"], first["reason"]) == (partner.pk, "declined", "Busy")
    assert second["partner"] == other_partner.pk
    components = {c["key"]: c for c in first["breakdown"]["components"]}
    assert components["proximity"]["normalised"] == 1.0
    assert {"raw", "normalised", "weight", "contribution"} <= set(components["win_rate"])
    assert first["breakdown"]["eligibility"][0] == "active"


def test_report(api_client, admin, routed, partner_sales, tenant):
    gold = TierFactory(tenant=tenant, name="Gold", rank=3)
    partner_sales.partner_organisation.tier = gold
    partner_sales.partner_organisation.save()
    first = routed()
    routed(country="US")
    client = api_client(partner_sales)
    client.post(f"/api/v1/leads/{first.pk}/decline/", {"reason": "Too small"}, format="json")
    today = datetime.date.today().isoformat()
    response = api_client(admin).get(f"/api/v1/leads/report/?start={today}&end={today}")
    assert response.status_code == 200
    body = response.json()
    assert body["totals"]["offers"] == 3 and body["totals"]["declined"] == 1
    assert body["totals"]["leads_created"] == 2 and body["totals"]["sla_pullbacks"] == 0
    assert body["decline_reasons"] == [{"reason": "Too small", "count": 1}]
    assert {row["tier"]: row["offers"] for row in body["by_tier"]} == {"Gold": 1, None: 2}
    regions = {row["region"]: row["offers"] for row in body["by_partner_region"]}
    assert regions["emea"] == 1 and regions["na"] == 2
    assert api_client(admin).get("/api/v1/leads/report/?start=2026-13-01").status_code == 400
    assert (
        api_client(admin).get("/api/v1/leads/report/?start=2026-02-02&end=2026-02-01").status_code
        == 400
    )
    assert client.get("/api/v1/leads/report/").status_code == 403


def test_import_over_the_api(api_client, admin, tenant, partner):
    client = api_client(admin)
    bad = SimpleUploadedFile("l.csv", b"company_name,country\nInitech,Atlantis\n")
    response = client.post("/api/v1/leads/import/", {"file": bad}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": 2, "field": "country", "message": response.json()["errors"][0]["message"]}
    ]
    good = SimpleUploadedFile("l.csv", b"company_name,country\nInitech,GB\nGlobex,US\n")
    response = client.post("/api/v1/leads/import/", {"file": good}, format="multipart")
    assert response.status_code == 201
    assert response.json()["created"] == 2 and response.json()["offered"] == 2
    assert Lead.objects.for_tenant(tenant).count() == 2


def test_routing_rules_crud(api_client, admin, tenant, partner_admin):
    client = api_client(admin)
    tier = TierFactory(tenant=tenant, name="Silver", rank=2)
    created = client.post(
        "/api/v1/routing-rules/",
        {
            "name": "DACH security",
            "priority": 5,
            "lead_countries": ["DE", "AT"],
            "interest_contains": "security",
            "partner_regions": ["emea"],
            "partner_types": ["mssp"],
            "minimum_tier": tier.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    assert created.json()["lead_countries"] == ["AT", "DE"]
    assert "required_certification" not in created.json()
    patched = client.patch(f"/api/v1/routing-rules/{rule_id}/", {"is_active": False}, format="json")
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    assert (
        client.patch(
            f"/api/v1/routing-rules/{rule_id}/", {"partner_types": ["pirate"]}, format="json"
        ).status_code
        == 400
    )
    assert client.get("/api/v1/routing-rules/").json()["results"][0]["name"] == "DACH security"
    assert client.delete(f"/api/v1/routing-rules/{rule_id}/").status_code == 204
    assert not RoutingRule.objects.for_tenant(tenant).exists()
    assert api_client(partner_admin).get("/api/v1/routing-rules/").status_code == 403


def test_another_tenants_rule_and_partner_are_refused(api_client, admin, other_tenant, routed):
    foreign_rule = RoutingRuleFactory(tenant=other_tenant)
    foreign_partner = PartnerOrganisationFactory(tenant=other_tenant)
    client = api_client(admin)
    assert client.get(f"/api/v1/routing-rules/{foreign_rule.pk}/").status_code == 404
    lead = routed()
    response = client.post(
        f"/api/v1/leads/{lead.pk}/override/", {"partner": foreign_partner.pk}, format="json"
    )
    assert response.status_code == 400
    assert LeadOffer.objects.for_tenant(other_tenant).count() == 0


@pytest.fixture
def member_of_role(tenant, partner, make_member):
    made = {}

    def make(role):
        if role not in made:
            organisation = partner if role.startswith("partner_") else None
            made[role] = make_member(tenant, Role(role), organisation, email=f"{role}@x.example")
        return made[role]

    return make


def test_routing_replay_queries_are_bounded(api_client, admin, routed, partner_sales):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client(admin)
    once = routed()
    twice = routed(company_name="Globex")
    api_client(partner_sales).post(
        f"/api/v1/leads/{twice.pk}/decline/", {"reason": "Busy"}, format="json"
    )
    client.get("/api/v1/leads/")  # the token's first use is recorded once
    counts = []
    for lead in (once, twice):
        with CaptureQueriesContext(connection) as captured:
            assert len(client.get(f"/api/v1/leads/{lead.pk}/routing/").json()["offers"]) >= 1
        counts.append(len(captured))
    assert counts[0] == counts[1]
