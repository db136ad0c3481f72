from datetime import timedelta

import pytest
from django.utils import timezone

from ecosystem.tenancy.roles import Role
from partners import tiers
from partners.models import TierProgram, TierRequirement
from tests.partners.factories import PartnerOrganisationFactory, TierFactory


@pytest.fixture
def ladder(tenant):
    registered = TierFactory(tenant=tenant, name="Registered", rank=1)
    gold = TierFactory(tenant=tenant, name="Gold", rank=2)
    TierRequirement.objects.create(tenant=tenant, tier=gold, metric="active_people", threshold=3)
    TierProgram.objects.create(tenant=tenant, grace_period_days=0)
    return registered, gold


@pytest.mark.django_db
class TestProgress:
    def test_partner_sees_its_own_progress(
        self, tenant, ladder, partner, partner_sales, api_client
    ):
        tiers.evaluate_partners(tenant=tenant)
        body = api_client(partner_sales).get(f"/api/v1/partners/{partner.pk}/tier-progress/")
        assert body.status_code == 200
        data = body.json()
        assert data["tier"]["name"] == "Registered"
        assert data["next_tier"]["name"] == "Gold"
        assert data["summary"] == "2 more people with portal access to reach Gold."
        assert data["requirements"][0]["value"] == "1.00"
        assert data["override"] is None

    def test_other_partner_and_other_tenant_are_404(
        self, tenant, ladder, other_partner, partner_sales, other_tenant, api_client
    ):
        foreign = PartnerOrganisationFactory(tenant=other_tenant)
        client = api_client(partner_sales)
        for target in (other_partner, foreign):
            for suffix in ("tier-progress", "tier-history"):
                assert client.get(f"/api/v1/partners/{target.pk}/{suffix}/").status_code == 404

    def test_history_lists_changes(
        self, tenant, ladder, partner, admin, api_client, django_assert_max_num_queries
    ):
        tiers.evaluate_partners(tenant=tenant)
        client = api_client(admin)
        with django_assert_max_num_queries(8):
            history = client.get(f"/api/v1/partners/{partner.pk}/tier-history/").json()
        assert history["results"][0]["kind"] == "promotion"
        assert history["results"][0]["to_tier"]["name"] == "Registered"


@pytest.mark.django_db
class TestOverrideApi:
    def test_staff_override_and_end(self, tenant, ladder, partner, channel_manager, api_client):
        _, gold = ladder
        client = api_client(channel_manager)
        expires = (timezone.localdate() + timedelta(days=30)).isoformat()
        created = client.post(
            f"/api/v1/partners/{partner.pk}/tier-override/",
            {"tier": gold.pk, "reason": "Launch partner", "expires_on": expires},
            format="json",
        )
        assert created.status_code == 201
        assert created.json()["tier"]["name"] == "Gold"
        progress = client.get(f"/api/v1/partners/{partner.pk}/tier-progress/").json()
        assert progress["override"]["reason"] == "Launch partner"
        assert client.delete(f"/api/v1/partners/{partner.pk}/tier-override/").status_code == 204
        assert client.delete(f"/api/v1/partners/{partner.pk}/tier-override/").status_code == 404

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"reason": ""}, "reason"),
            ({"expires_on": "2001-01-01"}, "expires_on"),
            ({"expires_on": "soon"}, "expires_on"),
            ({"tier": "gold"}, "tier"),
        ],
    )
    def test_bad_override_names_the_field(
        self, tenant, ladder, partner, admin, api_client, body, field
    ):
        payload = {
            "tier": ladder[1].pk,
            "reason": "x",
            "expires_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
        } | body
        response = api_client(admin).post(
            f"/api/v1/partners/{partner.pk}/tier-override/", payload, format="json"
        )
        assert response.status_code == 400 and field in response.json()

    def test_partners_cannot_override(self, tenant, ladder, partner, partner_admin, api_client):
        response = api_client(partner_admin).post(
            f"/api/v1/partners/{partner.pk}/tier-override/",
            {"tier": ladder[1].pk, "reason": "me", "expires_on": "2099-01-01"},
            format="json",
        )
        assert response.status_code == 403

    def test_another_tenants_partner_is_404(self, tenant, ladder, admin, other_tenant, api_client):
        foreign = PartnerOrganisationFactory(tenant=other_tenant)
        client = api_client(admin)
        response = client.post(
            f"/api/v1/partners/{foreign.pk}/tier-override/",
            {"tier": ladder[1].pk, "reason": "x", "expires_on": "2099-01-01"},
            format="json",
        )
        assert response.status_code == 404
        assert client.delete(f"/api/v1/partners/{foreign.pk}/tier-override/").status_code == 404


@pytest.mark.django_db
class TestSimulatorApi:
    def test_simulate_then_publish(self, tenant, ladder, partner, make_member, admin, api_client):
        for _ in range(3):
            make_member(tenant, Role.PARTNER_SALES, partner)
        tiers.evaluate_partners(tenant=tenant)
        partner.refresh_from_db()
        assert partner.tier.name == "Gold"
        client = api_client(admin)
        draft = tiers.rules_to_json(tiers.load_rules(tenant=tenant))
        draft["tiers"][1]["requirements"][0]["threshold"] = "4"
        simulation = client.post("/api/v1/tiers/simulate/", draft, format="json")
        assert simulation.status_code == 200
        assert simulation.json()["counts"]["down"] == 1
        (move,) = simulation.json()["moves"]
        assert move["partner"]["id"] == partner.pk and move["tier_after"]["name"] == "Registered"
        published = client.post("/api/v1/tiers/publish/", draft, format="json")
        assert published.status_code == 200
        assert published.json()["changes"] == {"demotion": 1}
        assert TierRequirement.objects.for_tenant(tenant).get().threshold == 4
        partner.refresh_from_db()
        assert partner.tier.name == "Registered"

    def test_bad_draft_is_400_naming_the_place(self, tenant, ladder, admin, api_client):
        response = api_client(admin).post(
            "/api/v1/tiers/simulate/", {"tiers": [{"id": 0}]}, format="json"
        )
        assert response.status_code == 400 and "tiers[0]" in response.json()
        assert (
            api_client(admin).post("/api/v1/tiers/simulate/", [], format="json").status_code == 400
        )

    def test_only_tier_managers_simulate(self, tenant, ladder, partner_admin, api_client):
        response = api_client(partner_admin).post(
            "/api/v1/tiers/simulate/", {"tiers": []}, format="json"
        )
        assert response.status_code == 403
