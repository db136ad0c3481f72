"""Shared fixtures: two tenants, staff of each role, partner users, clients bound to a host."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from ecosystem.api.services import create_token
from ecosystem.tenancy.roles import Role
from tests.partners.factories import PartnerOrganisationFactory
from tests.tenancy.factories import MembershipFactory, TenantFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BASE_DOMAIN = "localhost"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core.cache import cache

    cache.clear()


def host_of(tenant) -> str:
    return f"{tenant.slug}.localhost"


@pytest.fixture
def tenant(db):
    return TenantFactory(slug="acme", name="Acme Corp")


@pytest.fixture
def other_tenant(db):
    return TenantFactory(slug="globex", name="Globex")


@pytest.fixture
def partner(tenant):
    return PartnerOrganisationFactory(tenant=tenant, name="Northwind Systems")


@pytest.fixture
def other_partner(tenant):
    return PartnerOrganisationFactory(tenant=tenant, name="Contoso Partners")


@pytest.fixture
def make_member(db):
    """make_member(tenant, role, partner=None, **user_fields) -> Membership."""

    def make(tenant, role, partner=None, **user_fields):
        user = UserFactory(**user_fields)
        return MembershipFactory(tenant=tenant, user=user, role=role, partner_organisation=partner)

    return make


@pytest.fixture
def admin(tenant, make_member):
    return make_member(tenant, Role.ADMIN, email="admin@acme.example")


@pytest.fixture
def channel_manager(tenant, make_member):
    return make_member(tenant, Role.CHANNEL_MANAGER, email="cm@acme.example")


@pytest.fixture
def partner_admin(tenant, partner, make_member):
    return make_member(tenant, Role.PARTNER_ADMIN, partner, email="boss@northwind.example")


@pytest.fixture
def partner_sales(tenant, partner, make_member):
    return make_member(tenant, Role.PARTNER_SALES, partner, email="rep@northwind.example")


@pytest.fixture
def other_partner_admin(tenant, other_partner, make_member):
    return make_member(tenant, Role.PARTNER_ADMIN, other_partner, email="boss@contoso.example")


@pytest.fixture
def portal_client():
    """portal_client(membership) -> a Client signed in on the member's tenant host."""

    def make(membership=None, tenant=None):
        tenant = tenant or membership.tenant
        client = Client(HTTP_HOST=host_of(tenant))
        if membership is not None:
            client.force_login(membership.user)
        return client

    return make


@pytest.fixture
def api_client():
    """api_client(membership) -> an APIClient with a bearer token on the tenant's host."""

    def make(membership=None, tenant=None):
        tenant = tenant or membership.tenant
        client = APIClient(HTTP_HOST=host_of(tenant))
        if membership is not None:
            _, raw = create_token(
                tenant=membership.tenant, actor=membership.user, membership=membership, name="test"
            )
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
            client.raw_token = raw
        return client

    return make
