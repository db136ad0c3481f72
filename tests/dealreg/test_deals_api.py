"""The deals/ API as API.md describes it."""

import datetime

from django.utils import timezone

from dealreg.models import Deal, DealStatus
from tests.dealreg.factories import DealFactory

CONTRACT_FIELDS = {
    "id",
    "partner",
    "status",
    "duplicates",
    "decision",
    "protection_expires_at",
    "created_at",
    "customer_name",
    "customer_domain",
    "customer_country",
    "title",
    "amount",
    "currency",
    "expected_close_date",
    "products",
    "notes",
}


def body(**overrides):
    data = {
        "customer_name": "Initech Inc.",
        "customer_domain": "initech.com",
        "customer_country": "US",
        "title": "Initech data platform",
        "amount": "48000.00",
        "currency": "USD",
        "expected_close_date": (timezone.localdate() + datetime.timedelta(days=45)).isoformat(),
        "products": ["Platform"],
    }
    data.update(overrides)
    return data


def test_partner_registers_and_is_approved_by_rules(api_client, partner_sales):
    response = api_client(partner_sales).post("/api/v1/deals/", body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) >= CONTRACT_FIELDS
    assert data["status"] == "approved"
    assert data["decision"]["by"] == "rules"
    assert data["amount"] == "48000.00" and data["currency"] == "USD"
    assert data["partner"] == partner_sales.partner_organisation_id
    assert data["duplicates"] == []
    assert data["protection_expires_at"]


def test_rival_registration_shows_duplicates_without_revealing_the_other_deal(
    api_client, partner_sales, other_partner_admin
):
    first = (
        api_client(partner_sales)
        .post("/api/v1/deals/", body(title="Secret expansion", amount="777777.00"), format="json")
        .json()
    )
    response = api_client(other_partner_admin).post(
        "/api/v1/deals/",
        body(customer_name="Initech Corporation", customer_domain="www.initech.com"),
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "pending_review" and data["decision"] is None
    [duplicate] = data["duplicates"]
    assert set(duplicate) == {"kind", "id", "score", "reasons"}
    assert duplicate["kind"] == "deal" and duplicate["id"] == first["id"]
    assert 0.8 <= duplicate["score"] <= 1
    text = response.content.decode()
    for secret in ("Secret expansion", "777777", "Northwind", "Initech Inc."):
        assert secret not in text
    # And the deal itself stays out of reach.
    assert api_client(other_partner_admin).get(f"/api/v1/deals/{first['id']}/").status_code == 404


def test_duplicate_check_creates_nothing_and_sees_everything(
    api_client, partner_sales, other_partner_admin, admin
):
    DealFactory(
        tenant=partner_sales.tenant,
        partner=partner_sales.partner_organisation,
        customer_name="Initech",
        customer_domain="initech.com",
    )
    for member in (other_partner_admin, admin):
        response = api_client(member).post("/api/v1/deals/duplicate-check/", body(), format="json")
        assert response.status_code == 200
        [match] = response.json()["duplicates"]
        assert set(match) == {"kind", "id", "score", "reasons"}
    assert Deal.objects.for_tenant(partner_sales.tenant).count() == 1


def test_bad_input_is_400_naming_fields(api_client, partner_sales):
    response = api_client(partner_sales).post(
        "/api/v1/deals/",
        body(
            customer_name="",
            currency="dollars",
            customer_country="XX",
            amount="-5",
            expected_close_date="soon",
        ),
        format="json",
    )
    assert response.status_code == 400
    assert {
        "customer_name",
        "currency",
        "customer_country",
        "amount",
        "expected_close_date",
    } <= set(response.json())
    assert not Deal.objects.for_tenant(partner_sales.tenant).exists()


def test_idempotency_key_returns_the_first_response(api_client, partner_sales):
    client = api_client(partner_sales)
    first = client.post("/api/v1/deals/", body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/deals/", body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Deal.objects.for_tenant(partner_sales.tenant).count() == 1


def test_decisions_and_409s(api_client, admin, channel_manager, partner):
    pending = DealFactory(tenant=partner.tenant, partner=partner)
    client = api_client(channel_manager)
    assert client.post(f"/api/v1/deals/{pending.pk}/reject/", {}, format="json").status_code == 400
    rejected = client.post(f"/api/v1/deals/{pending.pk}/reject/", {"reason": "Thin"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    again = client.post(f"/api/v1/deals/{pending.pk}/approve/", {}, format="json")
    assert again.status_code == 409
    assert "cannot become approved" in again.json()["detail"][0]
    other = DealFactory(tenant=partner.tenant, partner=partner)
    approved = client.post(
        f"/api/v1/deals/{other.pk}/approve/", {"reason": "Looks good"}, format="json"
    )
    assert approved.json()["decision"] == {"by": "user", "reason": "Looks good"}
    won = client.post(
        f"/api/v1/deals/{other.pk}/close/", {"outcome": "won", "amount": "52000.00"}, format="json"
    )
    assert (
        won.status_code == 200
        and won.json()["status"] == "won"
        and won.json()["final_amount"] == "52000.00"
    )
    assert (
        client.post(
            f"/api/v1/deals/{other.pk}/close/", {"outcome": "lost"}, format="json"
        ).status_code
        == 409
    )


def test_partner_cannot_decide(api_client, partner_admin, partner):
    deal = DealFactory(tenant=partner.tenant, partner=partner)
    assert (
        api_client(partner_admin)
        .post(f"/api/v1/deals/{deal.pk}/approve/", {}, format="json")
        .status_code
        == 403
    )
    deal.refresh_from_db()
    assert deal.status == DealStatus.PENDING_REVIEW


def test_participants_endpoint(api_client, channel_manager, partner, other_partner):
    deal = DealFactory(tenant=partner.tenant, partner=partner, status=DealStatus.APPROVED)
    response = api_client(channel_manager).post(
        f"/api/v1/deals/{deal.pk}/participants/",
        {"partner": other_partner.pk, "role": "influence"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["role"] == "influence"
    bad = api_client(channel_manager).post(
        f"/api/v1/deals/{deal.pk}/participants/",
        {"partner": other_partner.pk, "role": "boss"},
        format="json",
    )
    assert bad.status_code == 400 and "role" in bad.json()


def test_participant_sees_the_deal(
    api_client, channel_manager, partner, other_partner, other_partner_admin
):
    deal = DealFactory(tenant=partner.tenant, partner=partner, status=DealStatus.APPROVED)
    client = api_client(other_partner_admin)
    assert client.get(f"/api/v1/deals/{deal.pk}/").status_code == 404
    api_client(channel_manager).post(
        f"/api/v1/deals/{deal.pk}/participants/",
        {"partner": other_partner.pk, "role": "co_sell"},
        format="json",
    )
    assert client.get(f"/api/v1/deals/{deal.pk}/").status_code == 200
    ids = [row["id"] for row in client.get("/api/v1/deals/").json()["results"]]
    assert ids == [deal.pk]


def test_lists_are_scoped_and_bounded(
    api_client, admin, partner_admin, partner, other_partner, django_assert_max_num_queries
):
    for index in range(12):
        DealFactory(tenant=partner.tenant, partner=partner if index % 2 else other_partner)
    staff_client, partner_client = api_client(admin), api_client(partner_admin)
    with django_assert_max_num_queries(10):
        staff = staff_client.get("/api/v1/deals/?page_size=50")
    assert len(staff.json()["results"]) == 12
    with django_assert_max_num_queries(10):
        mine = partner_client.get("/api/v1/deals/?page_size=50")
    assert {row["partner"] for row in mine.json()["results"]} == {partner.pk}
    filtered = api_client(admin).get(
        f"/api/v1/deals/?partner={other_partner.pk}&status=pending_review"
    )
    assert {row["partner"] for row in filtered.json()["results"]} == {other_partner.pk}
