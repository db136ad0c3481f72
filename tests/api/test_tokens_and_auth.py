import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ecosystem.api.models import ApiToken
from ecosystem.api.services import create_token, revoke_token
from ecosystem.tenancy.models import hash_token
from ecosystem.tenancy.roles import Role
from tests.conftest import host_of


@pytest.mark.django_db
class TestBearerTokens:
    def test_token_is_stored_hashed_and_shown_once(self, admin):
        token, raw = create_token(
            tenant=admin.tenant, actor=admin.user, membership=admin, name="CRM sync"
        )
        assert raw.startswith("eco_")
        stored = ApiToken.objects.for_tenant(admin.tenant).get(pk=token.pk)
        assert stored.key_hash == hash_token(raw)
        assert raw not in {stored.key_hash, stored.prefix, stored.name}

    def test_valid_token_works_and_records_last_use(self, admin, api_client):
        client = api_client(admin)
        assert client.get("/api/v1/partners/").status_code == 200
        token = ApiToken.objects.for_tenant(admin.tenant).get(membership=admin)
        assert token.last_used_at is not None

    def test_missing_token_is_401_with_challenge(self, tenant):
        response = APIClient(HTTP_HOST=host_of(tenant)).get("/api/v1/partners/")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"

    @pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer eco_dead_beef", "Bearer a b"])
    def test_bad_token_is_401(self, tenant, header):
        client = APIClient(HTTP_HOST=host_of(tenant), HTTP_AUTHORIZATION=header)
        assert client.get("/api/v1/partners/").status_code == 401

    def test_token_is_refused_on_another_tenants_host(self, admin, other_tenant, make_member):
        make_member(other_tenant, Role.ADMIN, email="someone@globex.example")
        _, raw = create_token(tenant=admin.tenant, actor=admin.user, membership=admin, name="x")
        client = APIClient(HTTP_HOST=host_of(other_tenant), HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert client.get("/api/v1/partners/").status_code == 401

    def test_token_is_refused_on_the_platform_host(self, admin):
        _, raw = create_token(tenant=admin.tenant, actor=admin.user, membership=admin, name="x")
        client = APIClient(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert client.get("/api/v1/partners/").status_code == 404

    def test_revoked_token_stops_working(self, admin, api_client):
        client = api_client(admin)
        token = ApiToken.objects.for_tenant(admin.tenant).get(membership=admin)
        revoke_token(tenant=admin.tenant, actor=admin.user, token_id=token.pk)
        assert client.get("/api/v1/partners/").status_code == 401

    def test_deactivated_member_token_stops_working(self, admin, api_client):
        client = api_client(admin)
        admin.is_active = False
        admin.save()
        assert client.get("/api/v1/partners/").status_code == 401

    def test_unknown_host_is_404(self, admin):
        _, raw = create_token(tenant=admin.tenant, actor=admin.user, membership=admin, name="x")
        client = APIClient(HTTP_HOST="nobody.localhost", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert client.get("/api/v1/partners/").status_code == 404
        assert APIClient(HTTP_HOST="evil.example").get("/api/v1/partners/").status_code == 404


@pytest.mark.django_db
class TestTokenEndpoints:
    def test_create_list_revoke_own_tokens(self, partner_sales, api_client):
        client = api_client(partner_sales)
        created = client.post("/api/v1/tokens/", {"name": "Zapier"}, format="json")
        assert created.status_code == 201
        assert created.json()["token"].startswith("eco_")
        listed = client.get("/api/v1/tokens/").json()["results"]
        assert {t["name"] for t in listed} == {"test", "Zapier"}
        assert all("token" not in t for t in listed)
        revoked = client.post(f"/api/v1/tokens/{created.json()['id']}/revoke/")
        assert revoked.status_code == 200 and revoked.json()["revoked_at"]

    def test_another_members_token_is_404(self, admin, partner_sales, api_client):
        theirs, _ = create_token(
            tenant=admin.tenant, actor=admin.user, membership=admin, name="admin's"
        )
        client = api_client(partner_sales)
        assert client.post(f"/api/v1/tokens/{theirs.pk}/revoke/").status_code == 404
        theirs.refresh_from_db()
        assert theirs.revoked_at is None

    def test_another_tenants_token_is_404(self, admin, other_tenant, make_member, api_client):
        foreign_member = make_member(other_tenant, Role.ADMIN)
        foreign, _ = create_token(
            tenant=other_tenant, actor=foreign_member.user, membership=foreign_member, name="x"
        )
        assert api_client(admin).post(f"/api/v1/tokens/{foreign.pk}/revoke/").status_code == 404

    def test_token_needs_a_name(self, admin, api_client):
        response = api_client(admin).post("/api/v1/tokens/", {"name": ""}, format="json")
        assert response.status_code == 400 and "name" in response.json()

    def test_token_list_query_count(self, admin, api_client, django_assert_max_num_queries):
        for n in range(25):
            create_token(tenant=admin.tenant, actor=admin.user, membership=admin, name=f"t{n}")
        client = api_client(admin)
        with django_assert_max_num_queries(7):
            assert len(client.get("/api/v1/tokens/").json()["results"]) == 26


@pytest.mark.django_db
class TestSessionAuthOnApi:
    def test_portal_session_reads_the_api(self, admin, portal_client):
        assert portal_client(admin).get("/api/v1/partners/").status_code == 200

    def test_session_writes_need_csrf(self, admin):
        from django.test import Client

        client = Client(HTTP_HOST=host_of(admin.tenant), enforce_csrf_checks=True)
        client.force_login(admin.user)
        response = client.post("/api/v1/partners/", {"name": "x"}, content_type="application/json")
        assert response.status_code == 403

    def test_signed_in_non_member_is_refused(
        self, tenant, other_tenant, make_member, portal_client
    ):
        stranger = make_member(other_tenant, Role.ADMIN)
        client = portal_client(stranger, tenant=tenant)
        assert client.get("/api/v1/partners/").status_code == 403


@pytest.mark.django_db
def test_revoke_is_idempotent_and_audited(admin):
    from ecosystem.audit.models import AuditEntry

    token, _ = create_token(tenant=admin.tenant, actor=admin.user, membership=admin, name="x")
    revoke_token(tenant=admin.tenant, actor=admin.user, token_id=token.pk)
    first = ApiToken.objects.for_tenant(admin.tenant).get(pk=token.pk).revoked_at
    revoke_token(tenant=admin.tenant, actor=admin.user, token_id=token.pk)
    assert ApiToken.objects.for_tenant(admin.tenant).get(pk=token.pk).revoked_at == first
    assert (
        AuditEntry.objects.for_tenant(admin.tenant).filter(action="api_token.revoked").count() == 1
    )
    assert first <= timezone.now()
