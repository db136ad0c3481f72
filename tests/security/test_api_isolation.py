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
    ("partner-commitments", "get", "/api/v1/partners/{id}/commitments/", None),
    (
        "partner-commitments-attest",
        "post",
        "/api/v1/partners/{id}/commitments/attest/",
        {"benefit": "discount", "value": "20", "note": "Hijacked"},
    ),
]
STAFF_ONLY_ROUTES = {"partner-tier-override", "partner-commitments-attest"}
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
# Deals: {id} is a deal of another tenant, or of another partner of the same tenant.
DEAL_ROUTES = [
    ("deal-detail", "get", "/api/v1/deals/{id}/", None),
    ("deal-detail", "patch", "/api/v1/deals/{id}/", {"notes": "Hijacked"}),
    ("deal-detail", "put", "/api/v1/deals/{id}/", {"notes": "Hijacked"}),
    ("deal-approve", "post", "/api/v1/deals/{id}/approve/", {}),
    ("deal-reject", "post", "/api/v1/deals/{id}/reject/", {"reason": "Hijacked"}),
    ("deal-close", "post", "/api/v1/deals/{id}/close/", {"outcome": "lost"}),
    ("deal-assign", "post", "/api/v1/deals/{id}/assign/", {"reviewer": None}),
    ("deal-participants", "get", "/api/v1/deals/{id}/participants/", None),
    (
        "deal-participants",
        "post",
        "/api/v1/deals/{id}/participants/",
        {"partner": 1, "role": "influence"},
    ),
    (
        "deal-decide-participant",
        "post",
        "/api/v1/deals/{id}/participants/1/decide/",
        {"accept": True},
    ),
    ("deal-history", "get", "/api/v1/deals/{id}/history/", None),
    ("deal-appeal", "get", "/api/v1/deals/{id}/appeal/", None),
    ("deal-appeal", "post", "/api/v1/deals/{id}/appeal/", {"note": "Hijacked"}),
    (
        "deal-decide-appeal",
        "post",
        "/api/v1/deals/{id}/appeal/decide/",
        {"outcome": "reversed", "reason": "x"},
    ),
    ("deal-extension", "get", "/api/v1/deals/{id}/extension/", None),
    ("deal-extension", "post", "/api/v1/deals/{id}/extension/", {"reason": "Hijacked"}),
    ("deal-decide-extension", "post", "/api/v1/deals/{id}/extension/decide/", {"approve": True}),
    ("deal-messages", "get", "/api/v1/deals/{id}/messages/", None),
    ("deal-messages", "post", "/api/v1/deals/{id}/messages/", {"body": "Hijacked"}),
    ("deal-help-requests", "get", "/api/v1/deals/{id}/help-requests/", None),
    ("deal-recommendations", "get", "/api/v1/deals/{id}/recommendations/", None),
    ("deal-help-requests", "post", "/api/v1/deals/{id}/help-requests/", {"kind": "specialist"}),
    ("deal-update-help-request", "post", "/api/v1/deals/{id}/help-requests/1/", {"status": "done"}),
    # Asking to join another partner's deal is what join is for (the deal's details stay
    # hidden until staff accept); another tenant's deal is still 404.
    ("deal-join", "post", "/api/v1/deals/{id}/join/", {}),
]
DEAL_STAFF_ONLY = {
    ("deal-participants", "post"),
    "deal-approve",
    "deal-reject",
    "deal-assign",
    "deal-decide-participant",
    "deal-decide-appeal",
    "deal-decide-extension",
    "deal-update-help-request",
}
DEAL_JOINABLE = {"deal-join"}
# CRM records (vendor staff only): {account}, {opportunity}, {crm_import} of another tenant.
CRM_ROUTES = [
    ("crm-account-detail", "get", "/api/v1/crm/accounts/{account}/", None),
    ("crm-account-detail", "patch", "/api/v1/crm/accounts/{account}/", {"name": "Hijacked"}),
    ("crm-account-detail", "delete", "/api/v1/crm/accounts/{account}/", None),
    ("crm-opportunity-detail", "get", "/api/v1/crm/opportunities/{opportunity}/", None),
    (
        "crm-opportunity-detail",
        "patch",
        "/api/v1/crm/opportunities/{opportunity}/",
        {"name": "Hijacked"},
    ),
    ("crm-opportunity-detail", "delete", "/api/v1/crm/opportunities/{opportunity}/", None),
    ("crm-import-detail", "get", "/api/v1/crm/imports/{crm_import}/", None),
    ("crm-import-apply", "post", "/api/v1/crm/imports/{crm_import}/apply/", None),
    ("crm-import-discard", "post", "/api/v1/crm/imports/{crm_import}/discard/", None),
]
# Named accounts (staff with deals.rules): {id} is another tenant's account.
NAMED_ACCOUNT_ROUTES = [("named-account-detail", "delete", "/api/v1/named-accounts/{id}/", None)]
COVERED_API_ROUTES = {
    name
    for name, *_ in API_ID_ROUTES + TOKEN_ROUTES + TIER_ROUTES + NOTIFICATION_ROUTES + DEAL_ROUTES
} | {name for name, *_ in CRM_ROUTES + NAMED_ACCOUNT_ROUTES}


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


def _deal_snapshot(deal):
    from dealreg.models import Deal

    deal = Deal.objects.across_tenants().get(pk=deal.pk)
    return (
        deal.status,
        deal.notes,
        deal.assigned_to_id,
        deal.messages.count(),
        deal.appeals.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body"), DEAL_ROUTES)
def test_another_tenants_deal_is_404(name, method, path, body, admin, other_tenant, api_client):
    from tests.dealreg.factories import DealFactory

    foreign = DealFactory(tenant=other_tenant, notes="theirs")
    before = _deal_snapshot(foreign)
    response = call(api_client(admin), method, path.format(id=foreign.pk), body)
    assert response.status_code == 404, (name, method, response.status_code)
    assert _deal_snapshot(foreign) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body"), DEAL_ROUTES)
def test_another_partners_deal_is_404_for_partner_users(
    name, method, path, body, partner_admin, partner, other_partner, api_client
):
    from tests.dealreg.factories import DealFactory

    theirs = DealFactory(tenant=partner.tenant, partner=other_partner, notes="theirs")
    own = DealFactory(tenant=partner.tenant, partner=partner)
    before = _deal_snapshot(theirs)
    client = api_client(partner_admin)
    response = call(client, method, path.format(id=theirs.pk), body)
    if name in DEAL_STAFF_ONLY or (name, method) in DEAL_STAFF_ONLY:
        mine = call(client, method, path.format(id=own.pk), body)
        assert response.status_code == mine.status_code == 403, (name, method)
    elif name in DEAL_JOINABLE:
        assert response.status_code == 201
        assert "theirs" not in response.content.decode()
        return
    else:
        assert response.status_code == 404, (name, method, response.status_code)
    assert _deal_snapshot(theirs) == before


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "channel_manager", "partner_admin"])
@pytest.mark.parametrize(("name", "method", "path", "body"), CRM_ROUTES)
def test_another_tenants_crm_records_are_404(
    name, method, path, body, actor, other_tenant, api_client, request
):
    from dealreg.models import CrmImport
    from tests.dealreg.factories import CrmAccountFactory, CrmOpportunityFactory

    account = CrmAccountFactory(tenant=other_tenant, name="Foreign")
    opportunity = CrmOpportunityFactory(tenant=other_tenant, name="Foreign", account=account)
    crm_import = CrmImport.objects.create(
        tenant=other_tenant,
        kind="accounts",
        file_name="theirs.csv",
        rows=[{"row": 2, "action": "create", "external_id": "X", "name": "Hijacked"}],
    )
    client = api_client(request.getfixturevalue(actor))
    target = path.format(account=account.pk, opportunity=opportunity.pk, crm_import=crm_import.pk)
    response = call(client, method, target, body)
    # Partner users are refused by role before any lookup (403), staff get 404.
    expected = 403 if actor == "partner_admin" else 404
    assert response.status_code == expected, (name, method, response.status_code)
    account.refresh_from_db()
    opportunity.refresh_from_db()
    crm_import.refresh_from_db()
    assert (account.name, opportunity.name, crm_import.status) == (
        "Foreign",
        "Foreign",
        "previewed",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body"), NAMED_ACCOUNT_ROUTES)
def test_another_tenants_named_account_is_404(
    name, method, path, body, admin, other_tenant, api_client
):
    from dealreg.models import NamedAccount
    from tests.dealreg.factories import NamedAccountFactory

    foreign = NamedAccountFactory(tenant=other_tenant, name="Theirs")
    response = call(api_client(admin), method, path.format(id=foreign.pk), body)
    assert response.status_code == 404, (name, method, response.status_code)
    assert NamedAccount.objects.across_tenants().filter(pk=foreign.pk, name="Theirs").exists()


# Leads: {id} is a lead of another tenant, or one offered to another partner of this tenant.
LEAD_ROUTES = [
    ("lead-detail", "get", "/api/v1/leads/{id}/", None),
    ("lead-accept", "post", "/api/v1/leads/{id}/accept/", None),
    ("lead-decline", "post", "/api/v1/leads/{id}/decline/", {"reason": "Hijacked"}),
    ("lead-convert", "post", "/api/v1/leads/{id}/convert/", None),
    ("lead-lost", "post", "/api/v1/leads/{id}/lost/", {"reason": "Hijacked"}),
    ("lead-route", "post", "/api/v1/leads/{id}/route/", None),
    ("lead-override", "post", "/api/v1/leads/{id}/override/", {"partner": 1, "reason": "x"}),
    ("lead-withdraw", "post", "/api/v1/leads/{id}/withdraw/", {"reason": "Hijacked"}),
    ("lead-routing", "get", "/api/v1/leads/{id}/routing/", None),
]
LEAD_STAFF_ONLY = {"lead-route", "lead-override", "lead-withdraw", "lead-routing"}
LEAD_PARTNER_ONLY = {"lead-accept", "lead-decline", "lead-convert"}
ROUTING_RULE_ROUTES = [
    ("routing-rule-detail", "get", "/api/v1/routing-rules/{id}/", None),
    ("routing-rule-detail", "patch", "/api/v1/routing-rules/{id}/", {"name": "Hijacked"}),
    ("routing-rule-detail", "put", "/api/v1/routing-rules/{id}/", {"name": "Hijacked"}),
    ("routing-rule-detail", "delete", "/api/v1/routing-rules/{id}/", None),
]
COVERED_API_ROUTES |= {name for name, *_ in LEAD_ROUTES + ROUTING_RULE_ROUTES}


def _lead_snapshot(lead):
    from dealreg.models import Lead, LeadOffer

    lead = Lead.objects.across_tenants().get(pk=lead.pk)
    offers = LeadOffer.objects.across_tenants().filter(lead=lead)
    return (lead.status, lead.partner_id, lead.deal_id, lead.lost_reason, offers.count())


def _expected_for_lead(name, membership) -> int:
    """404 for a role that may use the route; a role that may not is refused (403) before
    any lookup, so nothing about the id leaks either way."""
    if name in LEAD_STAFF_ONLY and membership.is_partner_member:
        return 403
    if name in LEAD_PARTNER_ONLY and membership.is_staff_member:
        return 403
    return 404


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "partner_admin"])
@pytest.mark.parametrize(("name", "method", "path", "body"), LEAD_ROUTES)
def test_another_tenants_lead_is_404(
    name, method, path, body, actor, other_tenant, api_client, request
):
    from tests.dealreg.factories import LeadFactory

    foreign_partner = PartnerOrganisationFactory(tenant=other_tenant, name="Foreign Co")
    foreign = LeadFactory(tenant=other_tenant, status="offered", partner=foreign_partner)
    before = _lead_snapshot(foreign)
    member = request.getfixturevalue(actor)
    response = call(api_client(member), method, path.format(id=foreign.pk), body)
    assert response.status_code == _expected_for_lead(name, member), (name, method)
    assert _lead_snapshot(foreign) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body"), LEAD_ROUTES)
def test_another_partners_lead_is_404_for_partner_users(
    name, method, path, body, partner_admin, partner, other_partner, api_client
):
    from tests.dealreg.factories import LeadFactory

    theirs = LeadFactory(tenant=partner.tenant, status="accepted", partner=other_partner)
    own = LeadFactory(tenant=partner.tenant, status="accepted", partner=partner)
    before = _lead_snapshot(theirs)
    client = api_client(partner_admin)
    response = call(client, method, path.format(id=theirs.pk), body)
    if name in LEAD_STAFF_ONLY:
        mine = call(client, method, path.format(id=own.pk), body)
        assert response.status_code == mine.status_code == 403, (name, method)
    else:
        assert response.status_code == 404, (name, method, response.status_code)
    assert _lead_snapshot(theirs) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body"), ROUTING_RULE_ROUTES)
def test_another_tenants_routing_rule_is_404(
    name, method, path, body, admin, other_tenant, api_client
):
    from dealreg.models import RoutingRule
    from tests.dealreg.factories import RoutingRuleFactory

    foreign = RoutingRuleFactory(tenant=other_tenant, name="Theirs")
    response = call(api_client(admin), method, path.format(id=foreign.pk), body)
    assert response.status_code == 404, (name, method, response.status_code)
    assert RoutingRule.objects.across_tenants().filter(pk=foreign.pk, name="Theirs").exists()


# Partner applications (staff only): {id} is an application of another tenant.
APPLICATION_ROUTES = [
    ("application-detail", "get", "/api/v1/applications/{id}/", None),
    ("application-approve", "post", "/api/v1/applications/{id}/approve/", None),
    ("application-reject", "post", "/api/v1/applications/{id}/reject/", {"reason": "Hijacked"}),
    (
        "application-request-information",
        "post",
        "/api/v1/applications/{id}/request-information/",
        {"message": "Hijacked"},
    ),
]
COVERED_API_ROUTES |= {name for name, *_ in APPLICATION_ROUTES}


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body"), APPLICATION_ROUTES)
def test_another_tenants_application_is_404(
    name, method, path, body, admin, other_tenant, api_client
):
    from onboarding.models import PartnerApplication
    from tests.onboarding.factories import submit

    foreign = submit(other_tenant, email="someone@globex.example")
    response = call(api_client(admin), method, path.format(id=foreign.pk), body)
    assert response.status_code == 404, (name, method, response.status_code)
    assert PartnerApplication.objects.across_tenants().get(pk=foreign.pk).status == "submitted"


# Market development funds: {fund}, {allocation}, {request}, {claim} and {proof} are another
# tenant's, or (for partner users) another partner's of this tenant.
MDF_ROUTES = [
    ("mdf-fund-detail", "get", "/api/v1/mdf/funds/{fund}/", None),
    ("mdf-allocation-detail", "get", "/api/v1/mdf/allocations/{allocation}/", None),
    ("mdf-request-detail", "get", "/api/v1/mdf/requests/{request}/", None),
    ("mdf-request-approve", "post", "/api/v1/mdf/requests/{request}/approve/", None),
    ("mdf-request-reject", "post", "/api/v1/mdf/requests/{request}/reject/", {"reason": "x"}),
    (
        "mdf-request-request-changes",
        "post",
        "/api/v1/mdf/requests/{request}/request-changes/",
        {"message": "Hijacked"},
    ),
    ("mdf-claim-detail", "get", "/api/v1/mdf/claims/{claim}/", None),
    ("mdf-claim-detail", "put", "/api/v1/mdf/claims/{claim}/", {"claimed_amount": "1.00"}),
    ("mdf-claim-approve", "post", "/api/v1/mdf/claims/{claim}/approve/", None),
    ("mdf-claim-reject", "post", "/api/v1/mdf/claims/{claim}/reject/", {"reason": "Hijacked"}),
    (
        "mdf-claim-request-changes",
        "post",
        "/api/v1/mdf/claims/{claim}/request-changes/",
        {"message": "Hijacked"},
    ),
    (
        "mdf-claim-pay",
        "post",
        "/api/v1/mdf/claims/{claim}/pay/",
        {"reference": "Hijacked", "method": "other", "paid_on": "2026-01-01"},
    ),
    ("mdf-claim-proofs", "get", "/api/v1/mdf/claims/{claim}/proofs/", None),
    ("mdf-claim-proofs", "post", "/api/v1/mdf/claims/{claim}/proofs/", {"proof_kind": "photo"}),
    (
        "mdf-claim-proof-download",
        "get",
        "/api/v1/mdf/claims/{claim}/proofs/{proof}/download/",
        None,
    ),
]
MDF_STAFF_ONLY = {
    "mdf-fund-detail",
    "mdf-request-approve",
    "mdf-request-reject",
    "mdf-request-request-changes",
    "mdf-claim-approve",
    "mdf-claim-reject",
    "mdf-claim-request-changes",
    "mdf-claim-pay",
}
MDF_PARTNER_ONLY = {("mdf-claim-detail", "put"), ("mdf-claim-proofs", "post")}
COVERED_API_ROUTES |= {name for name, *_ in MDF_ROUTES}


def _mdf_snapshot(world):
    from mdf.models import Claim, FundRequest, LedgerEntry, ProofFile

    return (
        LedgerEntry.objects.across_tenants().filter(fund=world.fund).count(),
        FundRequest.objects.across_tenants().get(pk=world.request.pk).status,
        Claim.objects.across_tenants().get(pk=world.claim.pk).status,
        ProofFile.objects.across_tenants().filter(claim=world.claim).count(),
    )


def _refused_by_role(name, method, membership) -> bool:
    if membership.is_partner_member:
        return name in MDF_STAFF_ONLY
    return (name, method) in MDF_PARTNER_ONLY


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "partner_admin"])
@pytest.mark.parametrize(("name", "method", "path", "body"), MDF_ROUTES)
def test_another_tenants_mdf_objects_are_404(
    name, method, path, body, actor, other_tenant, make_member, api_client, request
):
    from tests.mdf.api_helpers import build_world

    foreign = build_world(other_tenant, PartnerOrganisationFactory(tenant=other_tenant),
                          make_member)  # fmt: skip
    before = _mdf_snapshot(foreign)
    member = request.getfixturevalue(actor)
    response = call(api_client(member), method, path.format(**foreign.ids()), body)
    # A role that may not use the route is refused (403) before any lookup: nothing leaks.
    expected = 403 if _refused_by_role(name, method, member) else 404
    assert response.status_code == expected, (name, method, response.status_code)
    assert _mdf_snapshot(foreign) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body"), MDF_ROUTES)
def test_another_partners_mdf_objects_are_404_for_partner_users(
    name, method, path, body, tenant, partner, other_partner, partner_admin, make_member,
    api_client,
):  # fmt: skip
    from tests.mdf.api_helpers import build_world

    own = build_world(tenant, partner, make_member, suffix="own")
    theirs = build_world(tenant, other_partner, make_member, fund=own.fund, suffix="theirs")
    before = _mdf_snapshot(theirs)
    client = api_client(partner_admin)
    response = call(client, method, path.format(**theirs.ids()), body)
    if name in MDF_STAFF_ONLY:
        mine = call(client, method, path.format(**own.ids()), body)
        assert response.status_code == mine.status_code == 403, (name, method)
    else:
        assert response.status_code == 404, (name, method, response.status_code)
    assert _mdf_snapshot(theirs) == before


# Incentives: {id} is another tenant's statement, earning or program, or (for partner users)
# another partner's statement or earning in this tenant.
INCENTIVE_ROUTES = [
    ("incentive-statement-detail", "get", "/api/v1/incentives/statements/{statement}/", None),
    (
        "incentive-statement-approve",
        "post",
        "/api/v1/incentives/statements/{statement}/approve/",
        {"note": "Hijacked"},
    ),
    (
        "incentive-statement-pay",
        "post",
        "/api/v1/incentives/statements/{statement}/pay/",
        {"reference": "Hijacked", "method": "check"},
    ),
    ("incentive-earning-detail", "get", "/api/v1/incentives/earnings/{earning}/", None),
    ("incentive-program-detail", "get", "/api/v1/incentives/programs/{program}/", None),
    (
        "incentive-program-detail",
        "patch",
        "/api/v1/incentives/programs/{program}/",
        {"name": "Hijacked"},
    ),
    (
        "incentive-program-detail",
        "put",
        "/api/v1/incentives/programs/{program}/",
        {"name": "Hijacked", "kind": "rebate", "currency": "USD", "start_date": "2025-01-01"},
    ),
    (
        "incentive-program-rules",
        "post",
        "/api/v1/incentives/programs/{program}/rules/",
        {"percent": "99"},
    ),
]
# Programs are the tenant's, read by every member: only another tenant's are at stake.
INCENTIVE_TENANT_ONLY = {"incentive-program-detail", "incentive-program-rules"}
INCENTIVE_STAFF_ONLY = {"incentive-statement-approve", "incentive-statement-pay"}
COVERED_API_ROUTES |= {name for name, *_ in INCENTIVE_ROUTES}


def _incentive_rows(owner, deal):
    import datetime

    from mdf.models import Earning, IncentiveProgram, IncentiveRule, Statement

    program = IncentiveProgram.objects.create(
        tenant=owner.tenant, name="Theirs", kind="rebate", currency="USD",
        start_date=datetime.date(2025, 1, 1),
    )  # fmt: skip
    rule = IncentiveRule.objects.create(tenant=owner.tenant, program=program, percent=5)
    statement = Statement.objects.create(
        tenant=owner.tenant, partner=owner, period_start=datetime.date(2025, 4, 1),
        period_end=datetime.date(2025, 6, 30), currency="USD",
    )  # fmt: skip
    earning = Earning.objects.create(
        tenant=owner.tenant, partner=owner, program=program, rule=rule, deal=deal,
        statement=statement, kind="earning", amount=100, base_amount=2000, currency="USD",
        period_start=statement.period_start, period_end=statement.period_end,
        source_event_id=1, source_event_name="deal.won", trace={"sentence": "Theirs"},
    )  # fmt: skip
    return {"program": program.pk, "statement": statement.pk, "earning": earning.pk}


def _incentives_snapshot():
    from mdf.models import IncentiveProgram, IncentiveRule, Statement

    return (
        sorted(Statement.objects.across_tenants().values_list("status", flat=True)),
        sorted(IncentiveProgram.objects.across_tenants().values_list("name", flat=True)),
        IncentiveRule.objects.across_tenants().count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "partner_admin"])
@pytest.mark.parametrize(("name", "method", "path", "body"), INCENTIVE_ROUTES)
def test_another_tenants_incentive_rows_are_404(
    name, method, path, body, actor, other_tenant, api_client, request, make_member
):
    from tests.dealreg.factories import DealFactory

    foreign_partner = PartnerOrganisationFactory(tenant=other_tenant, name="Foreign Co")
    ids = _incentive_rows(
        foreign_partner, DealFactory(tenant=other_tenant, partner=foreign_partner)
    )
    before = _incentives_snapshot()
    member = request.getfixturevalue(actor)
    response = call(api_client(member), method, path.format(**ids), body)
    refused_by_role = member.is_partner_member and (name in INCENTIVE_STAFF_ONLY or method != "get")
    assert response.status_code == (403 if refused_by_role else 404), (name, method)
    assert _incentives_snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "path", "body"),
    [route for route in INCENTIVE_ROUTES if route[0] not in INCENTIVE_TENANT_ONLY],
)
def test_another_partners_incentive_rows_are_404_for_partner_users(
    name, method, path, body, partner_admin, other_partner, api_client
):
    from tests.dealreg.factories import DealFactory

    ids = _incentive_rows(other_partner, DealFactory(tenant=other_partner.tenant,
                                                     partner=other_partner))  # fmt: skip
    before = _incentives_snapshot()
    response = call(api_client(partner_admin), method, path.format(**ids), body)
    expected = 403 if name in INCENTIVE_STAFF_ONLY else 404
    assert response.status_code == expected, (name, method, response.status_code)
    assert _incentives_snapshot() == before


@pytest.mark.django_db
def test_paying_another_tenants_statement_from_the_queue_is_404(admin, other_tenant, portal_client):
    from tests.dealreg.factories import DealFactory

    foreign_partner = PartnerOrganisationFactory(tenant=other_tenant, name="Foreign Co")
    ids = _incentive_rows(
        foreign_partner, DealFactory(tenant=other_tenant, partner=foreign_partner)
    )
    before = _incentives_snapshot()
    response = portal_client(admin).post(
        "/incentives/statements/pay/",
        {"statements": [ids["statement"]], "reference": "Hijacked", "method": "check",
         "paid_on": "2025-01-01"},
    )  # fmt: skip
    assert response.status_code == 404
    assert _incentives_snapshot() == before
