"""Welcome sequence and surveys: every page and API route that takes an id answers 404 for
another tenant's step, partner, message or survey, and, for partner people, for another
partner's message or another person's survey; and changes nothing. (test_route_coverage
reads the tables below.)"""

import datetime

import pytest
import time_machine
from django.urls import reverse

from ecosystem.scheduling.services import process_due
from ecosystem.tenancy.roles import Role, has_capability
from onboarding import sequences_services
from onboarding.models import SequenceEnrolment, StepRun, SurveyInvitation, WelcomeStep
from tests.onboarding.sequences_factories import invite, make_step
from tests.partners.factories import PartnerOrganisationFactory
from tests.security.test_api_isolation import call

ANSWER = {"satisfaction": 1, "nps": 0, "comment": "Intruder"}
STEP = {"name": "Hijacked", "day_offset": 1, "channel": "email", "subject": "x", "body": "x"}
# (route name, method, path template, body, capability); {step}, {partner}, {message} and
# {invitation} are another tenant's (or, where the role is a partner's, another partner's).
SEQUENCE_API_ROUTES = [
    ("welcome-step-detail", "get", "/api/v1/welcome-steps/{step}/", None, "sequences.view"),
    ("welcome-step-detail", "patch", "/api/v1/welcome-steps/{step}/", STEP, "sequences.manage"),
    ("welcome-step-detail", "put", "/api/v1/welcome-steps/{step}/", STEP, "sequences.manage"),
    (
        "partner-welcome-sequence",
        "get",
        "/api/v1/partners/{partner}/welcome-sequence/",
        None,
        "sequences.view",
    ),
    (
        "partner-welcome-sequence-start",
        "post",
        "/api/v1/partners/{partner}/welcome-sequence/start/",
        None,
        "sequences.manage",
    ),
    (
        "survey-invitation-detail",
        "get",
        "/api/v1/survey-invitations/{invitation}/",
        None,
        "portal.use",
    ),
    (
        "survey-invitation-answer",
        "post",
        "/api/v1/survey-invitations/{invitation}/answer/",
        ANSWER,
        "surveys.answer",
    ),
]
# (method, url name, id kind, capability, POST data)
SEQUENCE_PAGES = [
    ("get", "sequences:step_edit", "step", "sequences.manage", None),
    ("post", "sequences:step_edit", "step", "sequences.manage", STEP),
    ("get", "sequences:timeline", "partner", "sequences.view", None),
    ("post", "sequences:start", "partner", "sequences.manage", None),
    ("get", "sequences:message", "message", "sequences.read_message", None),
    ("get", "surveys:answer", "invitation", "surveys.answer", None),
    ("post", "surveys:answer", "invitation", "surveys.answer", ANSWER),
]
COVERED_SEQUENCE_ROUTES = {name for name, *_ in SEQUENCE_API_ROUTES} | {
    name for _, name, *_ in SEQUENCE_PAGES
}
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def _world(tenant, partner, admin, partner_admin):
    """A step, a sent message and a survey invitation of `partner`."""
    step = make_step(tenant=tenant, actor=admin, name="Globex welcome")
    with time_machine.travel(START, tick=False):
        sequences_services.start_sequence(tenant=tenant, actor=admin, partner_id=partner.pk)
        process_due()
    (invitation,) = invite(tenant=tenant, partner=partner, now=START)
    return {
        "step": step,
        "partner": partner,
        "message": StepRun.objects.for_tenant(tenant).get(enrolment__partner=partner),
        "invitation": invitation,
    }


@pytest.fixture
def foreign(other_tenant, make_member):
    foreign_admin = make_member(other_tenant, Role.ADMIN, email="admin@globex.example")
    foreign_partner = PartnerOrganisationFactory(tenant=other_tenant, name="Globex Reseller")
    foreign_partner_admin = make_member(other_tenant, Role.PARTNER_ADMIN, foreign_partner)
    return _world(other_tenant, foreign_partner, foreign_admin, foreign_partner_admin)


@pytest.fixture
def other_partners(tenant, admin, other_partner, other_partner_admin):
    return _world(tenant, other_partner, admin, other_partner_admin)


def snapshot(world):
    return (
        WelcomeStep.objects.across_tenants().get(pk=world["step"].pk).name,
        SequenceEnrolment.objects.across_tenants().count(),
        StepRun.objects.across_tenants().count(),
        SurveyInvitation.objects.across_tenants().get(pk=world["invitation"].pk).answered_at,
    )


def expected(membership, capability) -> int:
    """404 for a role that may use the route; a role that may not is refused (403) first."""
    return 404 if has_capability(membership.role, capability) else 403


def ids(world):
    return {kind: world[kind].pk for kind in ("step", "partner", "message", "invitation")}


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "partner_admin"])
@pytest.mark.parametrize(("name", "method", "path", "body", "capability"), SEQUENCE_API_ROUTES)
def test_another_tenants_ids_are_404_in_the_api(
    name, method, path, body, capability, actor, foreign, api_client, request
):
    member = request.getfixturevalue(actor)
    before = snapshot(foreign)
    response = call(api_client(member), method, path.format(**ids(foreign)), body)
    assert response.status_code == expected(member, capability), (name, method)
    assert snapshot(foreign) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body", "capability"), SEQUENCE_API_ROUTES)
def test_another_partners_survey_is_404_in_the_api(
    name, method, path, body, capability, partner_admin, other_partners, api_client
):
    before = snapshot(other_partners)
    response = call(api_client(partner_admin), method, path.format(**ids(other_partners)), body)
    assert response.status_code == expected(partner_admin, capability), (name, method)
    assert snapshot(other_partners) == before


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "channel_manager", "partner_admin"])
@pytest.mark.parametrize(("method", "name", "kind", "capability", "data"), SEQUENCE_PAGES)
def test_another_tenants_ids_are_404_on_pages(
    method, name, kind, capability, data, actor, foreign, portal_client, request
):
    member = request.getfixturevalue(actor)
    before = snapshot(foreign)
    url = reverse(name, args=[foreign[kind].pk])
    client = portal_client(member)
    response = client.get(url) if method == "get" else client.post(url, data or {})
    assert response.status_code == expected(member, capability), (name, method)
    assert snapshot(foreign) == before


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["partner_admin", "partner_sales"])
@pytest.mark.parametrize(("method", "name", "kind", "capability", "data"), SEQUENCE_PAGES)
def test_another_partners_message_and_survey_are_404_on_pages(
    method, name, kind, capability, data, actor, other_partners, portal_client, request
):
    member = request.getfixturevalue(actor)
    before = snapshot(other_partners)
    url = reverse(name, args=[other_partners[kind].pk])
    client = portal_client(member)
    response = client.get(url) if method == "get" else client.post(url, data or {})
    assert response.status_code == expected(member, capability), (name, method)
    assert snapshot(other_partners) == before
