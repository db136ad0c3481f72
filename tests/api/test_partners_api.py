import pytest
from django.core import mail

from ecosystem.audit.models import AuditEntry
from ecosystem.outbox.models import OutboxEvent
from ecosystem.tenancy.models import Invitation
from ecosystem.tenancy.roles import Role
from partners.models import PartnerOrganisation
from tests.partners.factories import PartnerOrganisationFactory, TierFactory

VALID = {
    "name": "Initech",
    "website": "https://initech.example",
    "partner_type": "msp",
    "country": "DE",
}


@pytest.mark.django_db
class TestCreate:
    def test_staff_creates_partner(self, admin, api_client):
        response = api_client(admin).post("/api/v1/partners/", VALID, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["name"] == "Initech"
        assert body["status"] == "onboarding"
        assert body["tier"] is None
        assert body["country"] == "DE"
        partner = PartnerOrganisation.objects.for_tenant(admin.tenant).get(pk=body["id"])
        assert (
            AuditEntry.objects.for_tenant(admin.tenant)
            .filter(action="partner.created", object_id=str(partner.pk), actor=admin.user)
            .exists()
        )
        assert OutboxEvent.objects.for_tenant(admin.tenant).filter(name="partner.created").exists()

    def test_tier_by_id_and_nested_in_response(self, admin, api_client):
        gold = TierFactory(tenant=admin.tenant, name="Gold", rank=3)
        response = api_client(admin).post(
            "/api/v1/partners/", {**VALID, "tier_id": gold.pk}, format="json"
        )
        assert response.status_code == 201
        assert response.json()["tier"] == {"id": gold.pk, "name": "Gold", "rank": 3}

    def test_another_tenants_tier_is_refused(self, admin, other_tenant, api_client):
        foreign = TierFactory(tenant=other_tenant)
        response = api_client(admin).post(
            "/api/v1/partners/", {**VALID, "tier_id": foreign.pk}, format="json"
        )
        assert response.status_code == 400
        assert "tier" in response.json()

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({**VALID, "partner_type": "reseller"}, "partner_type"),
            ({**VALID, "country": "XX"}, "country"),
            ({**VALID, "website": "not a url"}, "website"),
            ({**VALID, "name": ""}, "name"),
            ({**VALID, "status": "dormant"}, "status"),
            ({k: v for k, v in VALID.items() if k != "partner_type"}, "partner_type"),
            ({**VALID, "tier_id": "gold"}, "tier_id"),
        ],
    )
    def test_bad_input_is_400_naming_the_field(self, admin, api_client, body, field):
        response = api_client(admin).post("/api/v1/partners/", body, format="json")
        assert response.status_code == 400
        assert field in response.json()

    def test_malformed_json_is_400(self, admin, api_client):
        response = api_client(admin).post(
            "/api/v1/partners/", "{not json", content_type="application/json"
        )
        assert response.status_code == 400

    def test_name_is_unique_per_tenant_only(self, admin, other_tenant, api_client):
        PartnerOrganisationFactory(tenant=other_tenant, name="Initech")
        client = api_client(admin)
        assert client.post("/api/v1/partners/", VALID, format="json").status_code == 201
        duplicate = client.post("/api/v1/partners/", VALID, format="json")
        assert duplicate.status_code == 409
        assert "name" in duplicate.json()

    def test_partner_users_cannot_create(self, partner_admin, api_client):
        response = api_client(partner_admin).post("/api/v1/partners/", VALID, format="json")
        assert response.status_code == 403


@pytest.mark.django_db
class TestListAndVisibility:
    def test_staff_see_all_partner_users_only_their_own(
        self, admin, partner, other_partner, partner_sales, api_client
    ):
        staff_ids = {p["id"] for p in api_client(admin).get("/api/v1/partners/").json()["results"]}
        assert staff_ids == {partner.pk, other_partner.pk}
        own = api_client(partner_sales).get("/api/v1/partners/").json()["results"]
        assert [p["id"] for p in own] == [partner.pk]

    def test_other_partner_and_other_tenant_ids_are_404(
        self, partner_sales, other_partner, other_tenant, api_client
    ):
        foreign = PartnerOrganisationFactory(tenant=other_tenant)
        client = api_client(partner_sales)
        assert client.get(f"/api/v1/partners/{other_partner.pk}/").status_code == 404
        assert client.get(f"/api/v1/partners/{foreign.pk}/").status_code == 404

    def test_staff_get_404_for_another_tenants_partner(self, admin, other_tenant, api_client):
        foreign = PartnerOrganisationFactory(tenant=other_tenant)
        client = api_client(admin)
        assert client.get(f"/api/v1/partners/{foreign.pk}/").status_code == 404
        assert (
            client.patch(
                f"/api/v1/partners/{foreign.pk}/", {"name": "x"}, format="json"
            ).status_code
            == 404
        )
        assert (
            client.post(
                f"/api/v1/partners/{foreign.pk}/members/",
                {"email": "a@b.example", "role": "partner_sales"},
                format="json",
            ).status_code
            == 404
        )

    def test_filters_named_after_fields(self, admin, api_client):
        PartnerOrganisationFactory(tenant=admin.tenant, name="A", partner_type="isv", country="FR")
        PartnerOrganisationFactory(
            tenant=admin.tenant, name="B", partner_type="gsi", country="FR", status="suspended"
        )
        client = api_client(admin)

        def names(query):
            response = client.get(f"/api/v1/partners/?{query}")
            return [p["name"] for p in response.json()["results"]]

        assert names("partner_type=isv") == ["A"]
        assert names("status=suspended") == ["B"]
        assert names("country=FR") == ["A", "B"]
        assert names("search=b") == ["B"]
        assert client.get("/api/v1/partners/?status=nope").status_code == 400

    def test_pagination_shape_and_page_size_cap(self, admin, api_client):
        PartnerOrganisationFactory.create_batch(5, tenant=admin.tenant)
        client = api_client(admin)
        first = client.get("/api/v1/partners/?page_size=2").json()
        assert set(first) >= {"next", "previous", "results"}
        assert len(first["results"]) == 2 and first["previous"] is None
        assert "page=2" in first["next"]
        last = client.get("/api/v1/partners/?page_size=2&page=3").json()
        assert len(last["results"]) == 1 and last["next"] is None
        assert client.get("/api/v1/partners/?page=99").status_code == 404
        PartnerOrganisationFactory.create_batch(200, tenant=admin.tenant)
        capped = client.get("/api/v1/partners/?page_size=1000").json()
        assert len(capped["results"]) == 200

    def test_list_query_count_does_not_grow(self, admin, api_client, django_assert_max_num_queries):
        tier = TierFactory(tenant=admin.tenant)
        PartnerOrganisationFactory.create_batch(40, tenant=admin.tenant, tier=tier)
        client = api_client(admin)
        with django_assert_max_num_queries(8):
            response = client.get("/api/v1/partners/?page_size=200")
        assert len(response.json()["results"]) == 40


@pytest.mark.django_db
class TestUpdate:
    def test_staff_update_records_changed_fields(self, admin, partner, api_client):
        response = api_client(admin).patch(
            f"/api/v1/partners/{partner.pk}/",
            {"status": "suspended", "status_reason": "Agreement lapsed."},
            format="json",
        )
        assert response.status_code == 200
        entry = AuditEntry.objects.for_tenant(admin.tenant).get(action="partner.updated")
        assert entry.changes == {"status": ["active", "suspended"]}
        assert (
            OutboxEvent.objects.for_tenant(admin.tenant)
            .filter(name="partner.status_changed")
            .exists()
        )

    def test_partner_admin_edits_own_profile_but_not_staff_fields(
        self, partner_admin, partner, other_partner, api_client
    ):
        client = api_client(partner_admin)
        ok = client.patch(
            f"/api/v1/partners/{partner.pk}/", {"website": "https://nw.example"}, format="json"
        )
        assert ok.status_code == 200
        refused = client.patch(
            f"/api/v1/partners/{partner.pk}/", {"status": "active", "name": "X"}, format="json"
        )
        assert refused.status_code == 400
        assert "status" in refused.json()
        partner.refresh_from_db()
        assert partner.name == "Northwind Systems"
        assert (
            client.patch(
                f"/api/v1/partners/{other_partner.pk}/", {"website": ""}, format="json"
            ).status_code
            == 404
        )

    def test_partner_sales_cannot_edit(self, partner_sales, partner, api_client):
        response = api_client(partner_sales).patch(
            f"/api/v1/partners/{partner.pk}/", {"website": "https://x.example"}, format="json"
        )
        assert response.status_code == 403


@pytest.mark.django_db
class TestMembers:
    def test_staff_invites_a_person(
        self, channel_manager, partner, api_client, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client(channel_manager).post(
                f"/api/v1/partners/{partner.pk}/members/",
                {"email": "New.Person@Northwind.example", "role": "partner_sales"},
                format="json",
            )
        assert response.status_code == 201, response.content
        assert response.json()["email"] == "new.person@northwind.example"
        assert response.json()["status"] == "pending"
        assert len(mail.outbox) == 1
        assert "/invitations/" in mail.outbox[0].body
        assert mail.outbox[0].to == ["new.person@northwind.example"]

    def test_partner_admin_invites_into_own_organisation_only(
        self, partner_admin, partner, other_partner, api_client
    ):
        client = api_client(partner_admin)
        body = {"email": "colleague@northwind.example", "role": "partner_marketing"}
        assert (
            client.post(f"/api/v1/partners/{partner.pk}/members/", body, format="json").status_code
            == 201
        )
        assert (
            client.post(
                f"/api/v1/partners/{other_partner.pk}/members/", body, format="json"
            ).status_code
            == 404
        )

    def test_partner_sales_cannot_invite(self, partner_sales, partner, api_client):
        response = api_client(partner_sales).post(
            f"/api/v1/partners/{partner.pk}/members/",
            {"email": "x@northwind.example", "role": "partner_sales"},
            format="json",
        )
        assert response.status_code == 403

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"email": "not-an-email", "role": "partner_sales"}, "email"),
            ({"email": "a@b.example", "role": "admin"}, "role"),
            ({"role": "partner_sales"}, "email"),
        ],
    )
    def test_bad_invitations_name_the_field(self, admin, partner, api_client, body, field):
        response = api_client(admin).post(
            f"/api/v1/partners/{partner.pk}/members/", body, format="json"
        )
        assert response.status_code == 400
        assert field in response.json()

    def test_inviting_an_existing_member_is_409(self, admin, partner, partner_sales, api_client):
        response = api_client(admin).post(
            f"/api/v1/partners/{partner.pk}/members/",
            {"email": partner_sales.user.email, "role": "partner_sales"},
            format="json",
        )
        assert response.status_code == 409

    def test_reinviting_replaces_the_open_invitation(self, admin, partner, api_client):
        client = api_client(admin)
        body = {"email": "again@northwind.example", "role": "partner_sales"}
        client.post(f"/api/v1/partners/{partner.pk}/members/", body, format="json")
        client.post(f"/api/v1/partners/{partner.pk}/members/", body, format="json")
        invitations = Invitation.objects.for_tenant(admin.tenant).filter(
            email="again@northwind.example"
        )
        assert invitations.count() == 2
        assert sum(1 for i in invitations if i.status == "pending") == 1

    def test_members_and_invitations_lists(
        self, admin, partner, partner_sales, make_member, api_client, django_assert_max_num_queries
    ):
        for _ in range(10):
            make_member(admin.tenant, Role.PARTNER_SALES, partner)
        client = api_client(admin)
        client.post(
            f"/api/v1/partners/{partner.pk}/members/",
            {"email": "p@northwind.example", "role": "partner_sales"},
            format="json",
        )
        with django_assert_max_num_queries(8):
            members = client.get(f"/api/v1/partners/{partner.pk}/members/").json()
        assert len(members["results"]) == 11
        assert {"email", "role", "is_active"} <= set(members["results"][0])
        invitations = client.get(f"/api/v1/partners/{partner.pk}/invitations/").json()
        assert [i["email"] for i in invitations["results"]] == ["p@northwind.example"]
