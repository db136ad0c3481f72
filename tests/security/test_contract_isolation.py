"""Agreements: every page and API route that takes an id answers 404 for another tenant's
template or contract, and for partner users for another partner's contract, and changes
nothing. (test_route_coverage reads the tables below.)"""

import datetime

import pytest
from django.urls import reverse

from ecosystem.tenancy.roles import Role, has_capability
from onboarding.models import AgreementTemplate, Contract
from tests.onboarding.contracts_factories import issue, make_template
from tests.partners.factories import PartnerOrganisationFactory
from tests.security.test_api_isolation import call

SIGN_BODY = {"typed_name": "Intruder", "consent": True, "document_sha256": "0" * 64}
# (route name, method, path template, body, capability); {id} is a contract, {template} a
# template of another tenant (or, for contracts, of another partner of this tenant).
CONTRACT_API_ROUTES = [
    ("contract-detail", "get", "/api/v1/contracts/{id}/", None, "contracts.view"),
    ("contract-sign", "post", "/api/v1/contracts/{id}/sign/", SIGN_BODY, "contracts.sign"),
    (
        "contract-countersign",
        "post",
        "/api/v1/contracts/{id}/countersign/",
        None,
        "contracts.manage",
    ),
    ("contract-renew", "post", "/api/v1/contracts/{id}/renew/", None, "contracts.manage"),
    (
        "contract-verification",
        "get",
        "/api/v1/contracts/{id}/verification/",
        None,
        "contracts.view",
    ),
    ("contract-document", "get", "/api/v1/contracts/{id}/document/", None, "contracts.view"),
    (
        "contract-signed-document",
        "get",
        "/api/v1/contracts/{id}/signed-document/",
        None,
        "contracts.view",
    ),
]
TEMPLATE_API_ROUTES = [
    ("agreement-template-detail", "get", "/api/v1/agreement-templates/{template}/", None),
    (
        "agreement-template-detail",
        "patch",
        "/api/v1/agreement-templates/{template}/",
        {"name": "Hijacked"},
    ),
    (
        "agreement-template-detail",
        "put",
        "/api/v1/agreement-templates/{template}/",
        {"name": "Hijacked", "body": "<p>x</p>", "term_months": 1},
    ),
]
# (method, url name, capability, POST data)
CONTRACT_PAGES = [
    ("get", "contracts:detail", "contracts.view", None),
    ("post", "contracts:sign", "contracts.sign", {"typed_name": "Intruder", "consent": "on"}),
    ("post", "contracts:countersign", "contracts.manage", None),
    ("post", "contracts:renew", "contracts.manage", None),
    ("get", "contracts:document", "contracts.view", None),
    ("get", "contracts:signed_document", "contracts.view", None),
]
TEMPLATE_PAGES = [
    ("get", "contracts:template_edit", None),
    ("post", "contracts:template_edit", {"name": "Hijacked", "term_months": 1, "body": "<p>x</p>"}),
]
COVERED_CONTRACT_ROUTES = {name for name, *_ in CONTRACT_API_ROUTES + TEMPLATE_API_ROUTES} | {
    name for _, name, *_ in CONTRACT_PAGES + TEMPLATE_PAGES
}


@pytest.fixture
def foreign(other_tenant, make_member):
    """Another tenant's template and a signed contract (so every route has something)."""
    from tests.onboarding.contracts_factories import sign

    foreign_admin = make_member(other_tenant, Role.ADMIN, email="admin@globex.example")
    foreign_partner = PartnerOrganisationFactory(tenant=other_tenant, name="Globex Reseller")
    foreign_signer = make_member(other_tenant, Role.PARTNER_ADMIN, foreign_partner)
    template = make_template(tenant=other_tenant, actor=foreign_admin, name="Globex terms")
    contract = issue(
        tenant=other_tenant,
        actor=foreign_admin,
        template=template,
        partner=foreign_partner,
        effective_date=datetime.date.today(),
    )
    sign(tenant=other_tenant, actor=foreign_signer, contract=contract)
    return {"template": template, "contract": contract}


@pytest.fixture
def other_partners_contract(tenant, admin, other_partner, make_member):
    from tests.onboarding.contracts_factories import sign

    template = make_template(tenant=tenant, actor=admin, name="Our terms")
    contract = issue(
        tenant=tenant,
        actor=admin,
        template=template,
        partner=other_partner,
        effective_date=datetime.date.today(),
    )
    signer = make_member(tenant, Role.PARTNER_ADMIN, other_partner, email="x@contoso.example")
    return sign(tenant=tenant, actor=signer, contract=contract)


def snapshot(contract):
    contract = Contract.objects.across_tenants().get(pk=contract.pk)
    return (
        contract.status,
        contract.signer_typed_name,
        contract.countersigned_at,
        Contract.objects.across_tenants().filter(renewal_of=contract).count(),
    )


def expected(membership, capability) -> int:
    """404 for a role that may use the route; a role that may not is refused (403) before any
    lookup, so nothing about the id leaks either way."""
    return 404 if capability is None or has_capability(membership.role, capability) else 403


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "partner_admin"])
@pytest.mark.parametrize(("name", "method", "path", "body", "capability"), CONTRACT_API_ROUTES)
def test_another_tenants_contract_is_404_in_the_api(
    name, method, path, body, capability, actor, foreign, api_client, request
):
    member = request.getfixturevalue(actor)
    before = snapshot(foreign["contract"])
    response = call(api_client(member), method, path.format(id=foreign["contract"].pk), body)
    assert response.status_code == expected(member, capability), (name, method)
    assert snapshot(foreign["contract"]) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body", "capability"), CONTRACT_API_ROUTES)
def test_another_partners_contract_is_404_in_the_api(
    name, method, path, body, capability, partner_admin, other_partners_contract, api_client
):
    before = snapshot(other_partners_contract)
    response = call(
        api_client(partner_admin), method, path.format(id=other_partners_contract.pk), body
    )
    assert response.status_code == expected(partner_admin, capability), (name, method)
    assert snapshot(other_partners_contract) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body"), TEMPLATE_API_ROUTES)
def test_another_tenants_template_is_404_in_the_api(
    name, method, path, body, admin, foreign, api_client
):
    response = call(api_client(admin), method, path.format(template=foreign["template"].pk), body)
    assert response.status_code == 404, (name, method)
    assert AgreementTemplate.objects.across_tenants().get(pk=foreign["template"].pk).name == (
        "Globex terms"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "channel_manager", "partner_admin"])
@pytest.mark.parametrize(("method", "name", "capability", "data"), CONTRACT_PAGES)
def test_another_tenants_contract_is_404_on_pages(
    method, name, capability, data, actor, foreign, portal_client, request
):
    member = request.getfixturevalue(actor)
    before = snapshot(foreign["contract"])
    url = reverse(name, args=[foreign["contract"].pk])
    client = portal_client(member)
    response = client.get(url) if method == "get" else client.post(url, data or {})
    assert response.status_code == expected(member, capability), (name, method)
    assert snapshot(foreign["contract"]) == before


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["partner_admin", "partner_sales"])
@pytest.mark.parametrize(("method", "name", "capability", "data"), CONTRACT_PAGES)
def test_another_partners_contract_is_404_on_pages(
    method, name, capability, data, actor, other_partners_contract, portal_client, request
):
    member = request.getfixturevalue(actor)
    before = snapshot(other_partners_contract)
    url = reverse(name, args=[other_partners_contract.pk])
    client = portal_client(member)
    response = client.get(url) if method == "get" else client.post(url, data or {})
    assert response.status_code == expected(member, capability), (name, method)
    assert snapshot(other_partners_contract) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "name", "data"), TEMPLATE_PAGES)
def test_another_tenants_template_is_404_on_pages(
    method, name, data, admin, foreign, portal_client
):
    url = reverse(name, args=[foreign["template"].pk])
    client = portal_client(admin)
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 404
    assert AgreementTemplate.objects.across_tenants().get(pk=foreign["template"].pk).name == (
        "Globex terms"
    )
