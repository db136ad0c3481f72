"""Every API route that takes an id answers 404 for another tenant's object, and for partner
users for another partner's object, and changes nothing."""

import pytest

from ecosystem.api.models import ApiToken
from ecosystem.api.services import create_token
from ecosystem.notifications.models import Notification
from ecosystem.tenancy.roles import Role
from partners.models import PartnerOrganisation, Tier, TierRequirement
from tests.partners.factories import PartnerOrganisationFactory, TierFactory

# (route name, method, path template, body); {id} is filled with the target object's id.
API_ID_ROUTES = [
    ("partner-detail", "get", "/api/v1/partners/{id}/", None),
    ("partner-detail", "patch", "/api/v1/partners/{id}/", {"name": "Hijacked"}),
    (
        "partner-detail",
        "put",
        "/api/v1/partners/{id}/",
        {"name": "Hijacked", "partner_type": "isv", "country": "US"},
    ),
    ("partner-members", "get", "/api/v1/partners/{id}/members/", None),
    (
        "partner-members",
        "post",
        "/api/v1/partners/{id}/members/",
        {"email": "spy@evil.example", "role": "partner_admin"},
    ),
    ("partner-invitations", "get", "/api/v1/partners/{id}/invitations/", None),
    (
        "partner-status",
        "post",
        "/api/v1/partners/{id}/status/",
        {"status": "suspended", "reason": "Hijacked"},
    ),
    ("partner-tier-progress", "get", "/api/v1/partners/{id}/tier-progress/", None),
    ("partner-tier-history", "get", "/api/v1/partners/{id}/tier-history/", None),
    (
        "partner-tier-override",
        "post",
        "/api/v1/partners/{id}/tier-override/",
        {"tier": 1, "reason": "x", "expires_on": "2099-01-01"},
    ),
    ("partner-tier-override", "delete", "/api/v1/partners/{id}/tier-override/", None),
]
STAFF_ONLY_ROUTES = {"partner-tier-override"}
TOKEN_ROUTES = [("token-revoke", "post", "/api/v1/tokens/{id}/revoke/", None)]
# Tier configuration: every member reads the tenant's own tiers, so only another tenant's
# ids are at stake. {id} is a tier, {requirement} a requirement of it.
TIER_ROUTES = [
    ("tier-detail", "get", "/api/v1/tiers/{id}/", None),
    ("tier-detail", "patch", "/api/v1/tiers/{id}/", {"name": "Hijacked"}),
    ("tier-detail", "put", "/api/v1/tiers/{id}/", {"name": "Hijacked", "rank": 9}),
    ("tier-detail", "delete", "/api/v1/tiers/{id}/", None),
    ("tier-requirements", "get", "/api/v1/tiers/{id}/requirements/", None),
    (
        "tier-requirements",
        "post",
        "/api/v1/tiers/{id}/requirements/",
        {"metric": "specialisations", "threshold": "1"},
    ),
    ("tier-requirement-detail", "get", "/api/v1/tier-requirements/{requirement}/", None),
    (
        "tier-requirement-detail",
        "patch",
        "/api/v1/tier-requirements/{requirement}/",
        {"threshold": "99"},
    ),
    ("tier-requirement-detail", "delete", "/api/v1/tier-requirements/{requirement}/", None),
]
NOTIFICATION_ROUTES = [("notification-read", "post", "/api/v1/notifications/{id}/read/", None)]
COVERED_API_ROUTES = {
    name for name, *_ in API_ID_ROUTES + TOKEN_ROUTES + TIER_ROUTES + NOTIFICATION_ROUTES
}


def call(client, method, path, body):
    return (
        getattr(client, method)(path, body, format="json")
        if body
        else getattr(client, method)(path)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body"), API_ID_ROUTES)
def test_another_tenants_partner_is_404_for_staff(
    name, method, path, body, admin, other_tenant, api_client
):
    foreign = PartnerOrganisationFactory(tenant=other_tenant, name="Foreign Co")
    response = call(api_client(admin), method, path.format(id=foreign.pk), body)
    assert response.status_code == 404, (name, method, response.status_code)
    assert PartnerOrganisation.objects.for_tenant(other_tenant).get().name == "Foreign Co"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body"), API_ID_ROUTES)
def test_another_partners_organisation_is_404_for_partner_users(
    name, method, path, body, partner_admin, partner, other_partner, api_client
):
    client = api_client(partner_admin)
    response = call(client, method, path.format(id=other_partner.pk), body)
    if name in STAFF_ONLY_ROUTES:
        # Refused by role before any lookup: the same answer as for their own organisation,
        # so it reveals nothing about the other one.
        own = call(client, method, path.format(id=partner.pk), body)
        assert response.status_code == own.status_code == 403, (name, method)
    else:
        assert response.status_code == 404, (name, method, response.status_code)
    other_partner.refresh_from_db()
    assert other_partner.name == "Contoso Partners"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body"), TOKEN_ROUTES)
def test_another_tenants_or_members_token_is_404(
    name, method, path, body, admin, partner_sales, other_tenant, make_member, api_client
):
    foreign_member = make_member(other_tenant, Role.ADMIN)
    foreign, _ = create_token(
        tenant=other_tenant, actor=foreign_member.user, membership=foreign_member, name="foreign"
    )
    colleague, _ = create_token(
        tenant=admin.tenant, actor=admin.user, membership=admin, name="admin's"
    )
    client = api_client(partner_sales)
    for target in (foreign, colleague):
        assert call(client, method, path.format(id=target.pk), body).status_code == 404
    assert (
        not ApiToken.objects.across_tenants()
        .filter(pk__in=[foreign.pk, colleague.pk], revoked_at__isnull=False)
        .exists()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "partner_admin"])
@pytest.mark.parametrize(("name", "method", "path", "body"), TIER_ROUTES)
def test_another_tenants_tier_or_requirement_is_404(
    name, method, path, body, actor, other_tenant, api_client, request
):
    foreign_tier = TierFactory(tenant=other_tenant, name="Foreign Gold", rank=3)
    foreign = TierRequirement.objects.create(
        tenant=other_tenant, tier=foreign_tier, metric="active_people", threshold=3
    )
    client = api_client(request.getfixturevalue(actor))
    response = call(client, method, path.format(id=foreign_tier.pk, requirement=foreign.pk), body)
    # A role that may not write is refused before any lookup (403); nothing leaks either way.
    expected = {404} if actor == "admin" or method == "get" else {403, 404}
    assert response.status_code in expected, (name, method, response.status_code)
    assert Tier.objects.across_tenants().get(pk=foreign_tier.pk).name == "Foreign Gold"
    assert [
        r.threshold for r in TierRequirement.objects.across_tenants().filter(tier=foreign_tier)
    ] == [3]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body"), NOTIFICATION_ROUTES)
def test_another_tenants_or_persons_notification_is_404(
    name, method, path, body, admin, partner_sales, other_tenant, make_member, api_client
):
    foreign_member = make_member(other_tenant, Role.ADMIN)
    foreign = Notification.objects.create(
        tenant=other_tenant, recipient=foreign_member.user, kind="test", title="Theirs"
    )
    colleague = Notification.objects.create(
        tenant=admin.tenant, recipient=admin.user, kind="test", title="Admin's"
    )
    client = api_client(partner_sales)
    for target in (foreign, colleague):
        assert call(client, method, path.format(id=target.pk), body).status_code == 404
    assert not Notification.objects.across_tenants().filter(read_at__isnull=False).exists()
