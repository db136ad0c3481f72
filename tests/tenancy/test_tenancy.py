import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from ecosystem.errors import Conflict, ValidationFailed
from ecosystem.tenancy.models import Membership, Tenant
from ecosystem.tenancy.resolution import PLATFORM, resolve_host
from ecosystem.tenancy.roles import Role
from ecosystem.tenancy.services import create_tenant
from partners.models import PartnerOrganisation, Tier
from tests.partners.factories import PartnerOrganisationFactory, TierFactory
from tests.tenancy.factories import TenantFactory


@pytest.mark.django_db
class TestHostResolution:
    def test_subdomain_custom_domain_platform_and_unknown(self, tenant):
        tenant.custom_domain = "partners.acme.example"
        tenant.save()
        assert resolve_host("acme.localhost:8000") == tenant
        assert resolve_host("ACME.localhost") == tenant
        assert resolve_host("partners.acme.example") == tenant
        assert resolve_host("localhost:8000") is PLATFORM
        assert resolve_host("nobody.localhost") is None
        assert resolve_host("a.acme.localhost") is None
        assert resolve_host("elsewhere.example") is None

    def test_inactive_tenant_is_unknown(self, tenant):
        tenant.is_active = False
        tenant.save()
        assert resolve_host("acme.localhost") is None

    def test_unknown_host_is_404_everywhere(self, tenant):
        client = Client(HTTP_HOST="nobody.localhost")
        for path in ["/", "/accounts/login/", "/api/v1/partners/", "/admin/"]:
            assert client.get(path).status_code == 404

    def test_admin_lives_on_the_platform_host_only(self, tenant):
        assert Client(HTTP_HOST="acme.localhost").get("/admin/").status_code == 404
        assert Client(HTTP_HOST="localhost").get("/admin/").status_code == 302

    def test_theme_css_carries_the_tenants_colours(self, tenant):
        tenant.primary_colour = "#ff5500"
        tenant.save()
        css = Client(HTTP_HOST="acme.localhost").get("/theme.css")
        assert css["Content-Type"].startswith("text/css")
        assert b"--brand-primary:#ff5500" in css.content


@pytest.mark.django_db
class TestUniquenessIsPerTenant:
    def test_partner_names_and_tiers(self, tenant, other_tenant):
        PartnerOrganisationFactory(tenant=tenant, name="Same")
        PartnerOrganisationFactory(tenant=other_tenant, name="Same")
        TierFactory(tenant=tenant, name="Gold", rank=1)
        TierFactory(tenant=other_tenant, name="Gold", rank=1)
        with pytest.raises(IntegrityError), transaction.atomic():
            PartnerOrganisationFactory(tenant=tenant, name="Same")
        with pytest.raises(IntegrityError), transaction.atomic():
            TierFactory(tenant=tenant, name="Gold", rank=2)
        assert PartnerOrganisation.objects.for_tenant(tenant).count() == 1
        assert Tier.objects.for_tenant(other_tenant).count() == 1

    def test_one_membership_per_person_per_tenant(self, admin, other_tenant):
        Membership.objects.create(tenant=other_tenant, user=admin.user, role=Role.EXECUTIVE)
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(tenant=admin.tenant, user=admin.user, role=Role.FINANCE)

    def test_partner_roles_need_an_organisation_and_staff_roles_none(self, tenant, partner):
        from tests.tenancy.factories import UserFactory

        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(tenant=tenant, user=UserFactory(), role=Role.PARTNER_SALES)
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(
                tenant=tenant, user=UserFactory(), role=Role.ADMIN, partner_organisation=partner
            )

    def test_for_tenant_refuses_none(self):
        with pytest.raises(ValueError):
            PartnerOrganisation.objects.for_tenant(None)


@pytest.mark.django_db
class TestCreateTenant:
    def test_creates_tenant_and_admin(self):
        tenant, user = create_tenant(
            slug="initech",
            name="Initech",
            admin_email="Bill@Initech.example",
            admin_password="a-long-passphrase-9",
        )
        assert user.email == "bill@initech.example" and user.check_password("a-long-passphrase-9")
        assert Membership.objects.for_tenant(tenant).get(user=user).role == Role.ADMIN

    def test_existing_person_keeps_their_account(self, admin):
        _, user = create_tenant(slug="initech", name="Initech", admin_email=admin.user.email)
        assert user == admin.user
        assert user.memberships.count() == 2

    @pytest.mark.parametrize("slug", ["Bad Slug", "-x", "www", "a" * 64, ""])
    def test_invalid_slug(self, slug):
        with pytest.raises(ValidationFailed) as error:
            create_tenant(slug=slug, name="X", admin_email="x@x.example")
        assert "slug" in error.value.as_dict()

    def test_duplicate_slug(self):
        TenantFactory(slug="taken")
        with pytest.raises(Conflict):
            create_tenant(slug="taken", name="X", admin_email="x@x.example")
        assert Tenant.objects.filter(slug="taken").count() == 1
