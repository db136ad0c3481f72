"""`tiers/`, `tiers/{id}/requirements/`, `tier-requirements/{id}/`, `tier-program/`."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ecosystem.audit.models import AuditEntry
from ecosystem.outbox.models import OutboxEvent
from partners.models import Tier, TierProgram, TierRequirement
from tests.partners.factories import PartnerOrganisationFactory, TierFactory

pytestmark = pytest.mark.django_db

NEW_TIER = {
    "name": "Gold",
    "rank": 3,
    "discount_percent": "20.00",
    "mdf_accrual_percent": "3",
    "lead_priority_weight": "1.5",
    "has_named_contact": True,
    "benefits_text": "Quarterly reviews.",
}


@pytest.fixture
def ladder(tenant):
    """4 tiers × 3 requirements."""
    tiers = []
    for rank, name in enumerate(["Registered", "Silver", "Gold", "Platinum"], start=1):
        tier = TierFactory(tenant=tenant, name=name, rank=rank)
        for threshold in (1, 2, 3):
            TierRequirement.objects.create(
                tenant=tenant, tier=tier, metric="active_people", threshold=threshold * rank
            )
        tiers.append(tier)
    return tiers


class TestTiers:
    def test_create_returns_decimal_strings_audit_and_event(self, admin, api_client):
        response = api_client(admin).post("/api/v1/tiers/", NEW_TIER, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["discount_percent"] == "20.00"
        assert body["mdf_accrual_percent"] == "3.00"
        assert body["lead_priority_weight"] == "1.50"
        assert body["requirement_mode"] == "all" and body["required_count"] is None
        assert body["requirements"] == []
        assert AuditEntry.objects.for_tenant(admin.tenant).filter(action="tier.created").exists()
        assert (
            OutboxEvent.objects.for_tenant(admin.tenant).filter(name="tier.rules_changed").exists()
        )

    def test_create_is_idempotent(self, admin, api_client):
        client = api_client(admin)
        first = client.post("/api/v1/tiers/", NEW_TIER, format="json", HTTP_IDEMPOTENCY_KEY="k1")
        second = client.post("/api/v1/tiers/", NEW_TIER, format="json", HTTP_IDEMPOTENCY_KEY="k1")
        assert first.status_code == second.status_code == 201
        assert second["Idempotent-Replayed"] == "true"
        assert first.json() == second.json()
        assert Tier.objects.for_tenant(admin.tenant).count() == 1

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"name": ""}, "name"),
            ({"rank": -1}, "rank"),
            ({"rank": "x"}, "rank"),
            ({"discount_percent": "100.5"}, "discount_percent"),
            ({"discount_percent": "-1"}, "discount_percent"),
            ({"mdf_accrual_percent": "abc"}, "mdf_accrual_percent"),
            ({"lead_priority_weight": "-1"}, "lead_priority_weight"),
            ({"requirement_mode": "most"}, "requirement_mode"),
            ({"requirement_mode": "at_least", "required_count": 1}, "required_count"),
            ({"required_count": 0}, "required_count"),
            ({"name": "x" * 81}, "name"),
        ],
    )
    def test_invalid_create_is_400_naming_the_field(self, admin, api_client, change, field):
        response = api_client(admin).post("/api/v1/tiers/", {**NEW_TIER, **change}, format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()
        assert not Tier.objects.for_tenant(admin.tenant).exists()

    @pytest.mark.parametrize(
        ("change", "field"), [({"name": "gold"}, "name"), ({"rank": 3}, "rank")]
    )
    def test_duplicate_is_409_naming_the_field(self, admin, api_client, change, field):
        TierFactory(tenant=admin.tenant, name="Gold", rank=3)
        body = {**NEW_TIER, "name": "Other", "rank": 7, **change}
        response = api_client(admin).post("/api/v1/tiers/", body, format="json")
        assert response.status_code == 409
        assert field in response.json()

    def test_patch_and_put(self, admin, api_client, ladder):
        client = api_client(admin)
        gold = ladder[2]
        response = client.patch(
            f"/api/v1/tiers/{gold.pk}/",
            {"requirement_mode": "at_least", "required_count": 2},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["required_count"] == 2
        assert len(response.json()["requirements"]) == 3
        response = client.patch(f"/api/v1/tiers/{gold.pk}/", {"required_count": 4}, format="json")
        assert response.status_code == 400 and "required_count" in response.json()
        response = client.put(
            f"/api/v1/tiers/{gold.pk}/", {**NEW_TIER, "name": "Gold+"}, format="json"
        )
        assert response.status_code == 200, response.content
        gold.refresh_from_db()
        assert gold.name == "Gold+"

    def test_delete_refused_while_partners_hold_it(self, admin, api_client, ladder):
        PartnerOrganisationFactory(tenant=admin.tenant, tier=ladder[0])
        client = api_client(admin)
        response = client.delete(f"/api/v1/tiers/{ladder[0].pk}/")
        assert response.status_code == 409
        assert "Move them to another tier" in response.json()["detail"][0]
        assert client.delete(f"/api/v1/tiers/{ladder[1].pk}/").status_code == 204
        assert Tier.objects.for_tenant(admin.tenant).count() == 3

    def test_list_for_a_partner_user_with_nested_requirements(
        self, partner_sales, api_client, ladder, django_assert_max_num_queries
    ):
        client = api_client(partner_sales)
        client.get("/api/v1/tiers/")  # warm up token-auth caches
        with django_assert_max_num_queries(8):
            response = client.get("/api/v1/tiers/")
        assert response.status_code == 200
        results = response.json()["results"]
        assert [tier["name"] for tier in results] == ["Registered", "Silver", "Gold", "Platinum"]
        requirement = results[1]["requirements"][0]
        assert requirement["description"] == "People with portal access ≥ 2 (all time)"
        assert requirement["threshold"] == "2.00"
        assert requirement["metric_label"] == "People with portal access"

    def test_unknown_id_shapes_are_404_not_500(self, admin, api_client):
        client = api_client(admin)
        assert client.get("/api/v1/tiers/abc/").status_code == 404
        assert client.get("/api/v1/tiers/99999999999999999999/").status_code == 404


class TestRequirements:
    def test_add_list_patch_delete(self, admin, api_client, ladder):
        client = api_client(admin)
        gold = ladder[2]
        response = client.post(
            f"/api/v1/tiers/{gold.pk}/requirements/",
            {"metric": "specialisations", "comparator": "gte", "threshold": "2"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="req-1",
        )
        assert response.status_code == 201, response.content
        created = response.json()
        assert created["tier"] == gold.pk and created["threshold"] == "2.00"
        replay = client.post(
            f"/api/v1/tiers/{gold.pk}/requirements/",
            {"metric": "specialisations", "comparator": "gte", "threshold": "2"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="req-1",
        )
        assert replay.status_code == 201 and replay.json() == created
        listed = client.get(f"/api/v1/tiers/{gold.pk}/requirements/").json()["results"]
        assert len(listed) == 4
        path = f"/api/v1/tier-requirements/{created['id']}/"
        response = client.patch(path, {"threshold": "3.5"}, format="json")
        assert response.status_code == 200 and response.json()["threshold"] == "3.50"
        assert client.get(path).json()["threshold"] == "3.50"
        # No PUT: refused before the method is looked at (fail closed).
        assert client.put(path, created, format="json").status_code in (403, 405)
        assert client.delete(path).status_code == 204
        assert client.get(path).status_code == 404

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"threshold": "1"}, "metric"),
            ({"metric": "active_people"}, "threshold"),
            ({"metric": "no_such_metric", "threshold": "1"}, "metric"),
            ({"metric": "active_people", "threshold": "-1"}, "threshold"),
            ({"metric": "active_people", "threshold": "1", "comparator": "gte!"}, "comparator"),
            ({"metric": "active_people", "threshold": "1", "window_days": 0}, "window_days"),
            ({"metric": "active_people", "threshold": "1", "window_days": 3651}, "window_days"),
            ({"metric": "active_people", "threshold": "1", "window_days": 30}, "window_days"),
            ({"metric": "active_people", "threshold": "1", "parameter": "x"}, "parameter"),
            ({"metric": "active_people", "threshold": "1e30"}, "threshold"),
        ],
    )
    def test_invalid_requirement_is_400_naming_the_field(
        self, admin, api_client, ladder, body, field
    ):
        response = api_client(admin).post(
            f"/api/v1/tiers/{ladder[0].pk}/requirements/", body, format="json"
        )
        assert response.status_code == 400, response.content
        assert field in response.json()
        assert TierRequirement.objects.for_tenant(admin.tenant).count() == 12

    def test_remove_below_at_least_n_is_409(self, admin, api_client, ladder):
        client = api_client(admin)
        gold = ladder[2]
        client.patch(
            f"/api/v1/tiers/{gold.pk}/",
            {"requirement_mode": "at_least", "required_count": 3},
            format="json",
        )
        requirement = gold.requirements.first()
        response = client.delete(f"/api/v1/tier-requirements/{requirement.pk}/")
        assert response.status_code == 409
        assert "required_count" in response.json()


class TestProgram:
    def test_defaults_then_patch(self, admin, partner_sales, api_client):
        client = api_client(admin)
        response = client.get("/api/v1/tier-program/")
        assert response.status_code == 200
        assert response.json()["grace_period_days"] == 90
        review = (timezone.localdate() + timedelta(days=10)).isoformat()
        response = client.patch(
            "/api/v1/tier-program/",
            {"grace_period_days": 30, "next_review_on": review},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["next_review_on"] == review
        assert TierProgram.objects.for_tenant(admin.tenant).get().grace_period_days == 30
        assert (
            api_client(partner_sales).get("/api/v1/tier-program/").json()["grace_period_days"] == 30
        )
        assert (
            api_client(partner_sales)
            .patch("/api/v1/tier-program/", {"grace_period_days": 1}, format="json")
            .status_code
            == 403
        )
        assert client.put("/api/v1/tier-program/", {}, format="json").status_code in (403, 405)

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"grace_period_days": -1}, "grace_period_days"),
            ({"grace_period_days": 731}, "grace_period_days"),
            ({"next_review_on": "2001-01-01"}, "next_review_on"),
            ({"next_review_on": "not a date"}, "next_review_on"),
        ],
    )
    def test_invalid_program_is_400(self, admin, api_client, body, field):
        response = api_client(admin).patch("/api/v1/tier-program/", body, format="json")
        assert response.status_code == 400
        assert field in response.json()


def test_schema_lists_the_tier_endpoints(admin, api_client):
    paths = api_client(admin).get("/api/schema/?format=json").json()["paths"]
    for path in (
        "/api/v1/tiers/",
        "/api/v1/tiers/{id}/",
        "/api/v1/tiers/{id}/requirements/",
        "/api/v1/tier-requirements/{id}/",
        "/api/v1/tier-program/",
        "/api/v1/notifications/",
        "/api/v1/notifications/{id}/read/",
        "/api/v1/notifications/read-all/",
    ):
        assert path in paths, path
