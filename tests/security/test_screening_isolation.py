"""Due diligence: every page and API route that takes an id answers 404 for another
tenant's list, hit, run or review, and changes nothing; partner people are refused
outright. (test_route_coverage reads the tables below.)"""

import pytest
from django.urls import reverse

from ecosystem.tenancy.roles import Role, has_capability
from onboarding.models import (
    ComplianceReview,
    HitDisposition,
    RestrictedPartyList,
    ScreeningHit,
)
from partners.models import PartnerStatus
from tests.onboarding.screening_factories import upload
from tests.partners.factories import PartnerOrganisationFactory
from tests.security.test_api_isolation import call

DECIDE = {"decision": "confirmed", "reason": "Intruder", "suspend_partner": True}
HIT_DECIDE = {"disposition": "confirmed", "reason": "Intruder", "suspend_partner": True}
# (route name, method, path template, body, capability, key of the foreign object)
SCREENING_API_ROUTES = [
    (
        "restricted-party-list-detail",
        "get",
        "/api/v1/restricted-party-lists/{id}/",
        None,
        "compliance.manage",
        "preview",
    ),
    (
        "restricted-party-list-activate",
        "post",
        "/api/v1/restricted-party-lists/{id}/activate/",
        None,
        "compliance.manage",
        "preview",
    ),
    (
        "restricted-party-list-discard",
        "post",
        "/api/v1/restricted-party-lists/{id}/discard/",
        None,
        "compliance.manage",
        "preview",
    ),
    ("screening-run-detail", "get", "/api/v1/screening-runs/{id}/", None, "compliance.view", "run"),
    ("screening-hit-detail", "get", "/api/v1/screening-hits/{id}/", None, "compliance.view", "hit"),
    (
        "screening-hit-decide",
        "post",
        "/api/v1/screening-hits/{id}/decide/",
        HIT_DECIDE,
        "compliance.decide",
        "hit",
    ),
    (
        "compliance-review-detail",
        "get",
        "/api/v1/compliance-reviews/{id}/",
        None,
        "compliance.view",
        "review",
    ),
    (
        "compliance-review-decide",
        "post",
        "/api/v1/compliance-reviews/{id}/decide/",
        DECIDE,
        "compliance.decide",
        "review",
    ),
]
# (method, url name, capability, POST data, key of the foreign object)
SCREENING_PAGES = [
    ("get", "screening:review", "compliance.view", None, "review"),
    ("post", "screening:review", "compliance.view", DECIDE, "review"),
    (
        "post",
        "screening:hit_decide",
        "compliance.decide",
        {**HIT_DECIDE, "decision": "confirmed"},
        "hit",
    ),
    ("get", "screening:list_detail", "compliance.manage", None, "preview"),
    ("post", "screening:list_activate", "compliance.manage", None, "preview"),
    ("post", "screening:list_discard", "compliance.manage", None, "preview"),
]
COVERED_SCREENING_ROUTES = {name for name, *_ in SCREENING_API_ROUTES} | {
    name for _, name, *_ in SCREENING_PAGES
}


@pytest.fixture
def foreign(other_tenant, make_member, django_capture_on_commit_callbacks):
    """Another tenant's active list, a preview, a partner it flags, its hit, run and review."""
    foreign_admin = make_member(other_tenant, Role.ADMIN, email="admin@globex.example")
    partner = PartnerOrganisationFactory(
        tenant=other_tenant, name="Rosneft Trading", status=PartnerStatus.ACTIVE
    )
    with django_capture_on_commit_callbacks(execute=True):
        upload(other_tenant, foreign_admin)
    review = ComplianceReview.objects.across_tenants().get(partner=partner)
    return {
        "partner": partner,
        "review": review,
        "hit": review.hit,
        "run": partner.screening_runs.first(),
        "preview": upload(other_tenant, foreign_admin, "X Corp,,DE,entity,,\n", activate=False),
    }


def snapshot(foreign):
    return (
        ComplianceReview.objects.across_tenants().get(pk=foreign["review"].pk).status,
        ScreeningHit.objects.across_tenants().get(pk=foreign["hit"].pk).disposition,
        RestrictedPartyList.objects.across_tenants().get(pk=foreign["preview"].pk).status,
        type(foreign["partner"]).objects.across_tenants().get(pk=foreign["partner"].pk).status,
    )


def expected(membership, capability) -> int:
    return 404 if has_capability(membership.role, capability) else 403


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "channel_manager", "partner_admin"])
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "capability", "key"), SCREENING_API_ROUTES
)
def test_another_tenants_screening_is_404_in_the_api(
    name, method, path, body, capability, key, actor, foreign, api_client, request
):
    member = request.getfixturevalue(actor)
    before = snapshot(foreign)
    response = call(api_client(member), method, path.format(id=foreign[key].pk), body)
    assert response.status_code == expected(member, capability), (name, method)
    assert snapshot(foreign) == before
    assert before[1] == HitDisposition.OPEN


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "channel_manager", "partner_admin"])
@pytest.mark.parametrize(("method", "name", "capability", "data", "key"), SCREENING_PAGES)
def test_another_tenants_screening_is_404_on_pages(
    method, name, capability, data, key, actor, foreign, portal_client, request
):
    member = request.getfixturevalue(actor)
    before = snapshot(foreign)
    url = reverse(name, args=[foreign[key].pk])
    client = portal_client(member)
    response = client.get(url) if method == "get" else client.post(url, data or {})
    assert response.status_code == expected(member, capability), (name, method)
    assert snapshot(foreign) == before
