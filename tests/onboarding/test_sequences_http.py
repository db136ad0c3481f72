"""The welcome-sequence and survey API and pages: validation as 400 naming the field, roles,
answers once (409), only one's own invitations, and bounded queries on every list."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecosystem.scheduling.services import process_due
from ecosystem.tenancy.roles import Role
from onboarding import sequences_services
from onboarding.models import StepRun, SurveyInvitation, WelcomeStep
from tests.onboarding.sequences_factories import answer, invite, make_step, step_data
from tests.partners.factories import PartnerOrganisationFactory

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def started_partners(tenant, admin, make_member, count):
    """`count` partners on the sequence with one step sent and a survey answered each."""
    make_step(tenant=tenant, actor=admin, name="Welcome", day_offset=0)
    make_step(tenant=tenant, actor=admin, name="Month one", day_offset=30, condition="no_deal")
    partners = []
    for index in range(count):
        partner = PartnerOrganisationFactory(tenant=tenant, name=f"Partner {index}")
        person = make_member(tenant, Role.PARTNER_ADMIN, partner)
        with time_machine.travel(START, tick=False):
            sequences_services.start_sequence(tenant=tenant, actor=admin, partner_id=partner.pk)
        (invitation,) = invite(tenant=tenant, partner=partner, now=START)
        answer(
            tenant=tenant, actor=person, invitation=invitation, comment=f"Note {index}", now=START
        )
        partners.append(partner)
    with time_machine.travel(START + datetime.timedelta(hours=1), tick=False):
        process_due()
    return partners


# --- API -------------------------------------------------------------------------------------


def test_steps_api_validates_and_names_the_field(admin, api_client):
    client = api_client(admin)
    bad_field = client.post(
        "/api/v1/welcome-steps/", step_data(body="Hi {{ secret_key }}"), format="json"
    )
    assert bad_field.status_code == 400 and "body" in bad_field.json()
    bad_day = client.post("/api/v1/welcome-steps/", step_data(day_offset=91), format="json")
    assert bad_day.status_code == 400 and "day_offset" in bad_day.json()
    created = client.post(
        "/api/v1/welcome-steps/",
        step_data(body='<p>Hi {{ first_name }}<img src=x onerror="alert(1)"></p>'),
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["body"] == "<p>Hi {{ first_name }}</p>"
    changed = client.patch(
        f"/api/v1/welcome-steps/{created.json()['id']}/", {"is_active": False}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["is_active"] is False


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        (Role.ADMIN, 200, 201),
        (Role.MARKETING_MANAGER, 200, 201),
        (Role.FINANCE, 200, 403),
        (Role.PARTNER_ADMIN, 403, 403),
    ],
)
def test_steps_api_roles(tenant, partner, make_member, api_client, role, read, write):
    member = make_member(tenant, role, partner if role == Role.PARTNER_ADMIN else None)
    client = api_client(member)
    assert client.get("/api/v1/welcome-steps/").status_code == read
    assert client.post("/api/v1/welcome-steps/", step_data(), format="json").status_code == write


def test_steps_list_queries_are_bounded(tenant, admin, api_client, django_assert_max_num_queries):
    for day in range(0, 60, 5):
        make_step(tenant=tenant, actor=admin, day_offset=day)
    client = api_client(admin)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/welcome-steps/")
    assert len(response.json()["results"]) == 12


def test_timeline_api_and_staff_start(tenant, admin, partner, api_client):
    make_step(tenant=tenant, actor=admin, name="Welcome", day_offset=3)
    client = api_client(admin)
    empty = client.get(f"/api/v1/partners/{partner.pk}/welcome-sequence/")
    assert empty.status_code == 200 and empty.json()["enrolment"] is None
    started = client.post(f"/api/v1/partners/{partner.pk}/welcome-sequence/start/")
    assert started.status_code == 201
    assert [s["step_name"] for s in started.json()["steps"]] == ["Welcome"]
    assert started.json()["steps"][0]["status"] == "scheduled"
    again = client.post(f"/api/v1/partners/{partner.pk}/welcome-sequence/start/")
    assert again.status_code == 200


def test_survey_answer_api(tenant, partner, partner_admin, partner_sales, api_client):
    (invitation,) = invite(tenant=tenant, partner=partner)
    client = api_client(partner_admin)
    url = f"/api/v1/survey-invitations/{invitation.pk}/answer/"
    out_of_range = client.post(url, {"satisfaction": 6, "nps": 11}, format="json")
    assert out_of_range.status_code == 400
    assert set(out_of_range.json()) == {"satisfaction", "nps"}
    ok = client.post(url, {"satisfaction": 4, "nps": 9, "comment": "Great"}, format="json")
    assert ok.status_code == 200 and ok.json()["answered_at"]
    assert client.post(url, {"satisfaction": 1, "nps": 0}, format="json").status_code == 409
    # A colleague of the same partner did not get this invitation.
    colleague = api_client(partner_sales)
    assert colleague.get(f"/api/v1/survey-invitations/{invitation.pk}/").status_code == 404
    assert colleague.get("/api/v1/survey-invitations/").json()["results"] == []


def test_an_expired_invitation_is_409(tenant, partner, partner_admin, api_client):
    (invitation,) = invite(tenant=tenant, partner=partner, now=START)
    url = f"/api/v1/survey-invitations/{invitation.pk}/answer/"
    with time_machine.travel(START + datetime.timedelta(days=31)):
        response = api_client(partner_admin).post(url, {"satisfaction": 3, "nps": 7}, format="json")
    assert response.status_code == 409
    assert SurveyInvitation.objects.for_tenant(tenant).get().answered_at is None


def test_survey_results_api(tenant, admin, make_member, api_client, django_assert_max_num_queries):
    partners = started_partners(tenant, admin, make_member, 3)
    client = api_client(admin)
    with django_assert_max_num_queries(10):
        body = client.get("/api/v1/survey-results/").json()
    assert body["responses"] == 3 and body["response_rate"] == 100
    assert body["nps"] == 100 and body["average_satisfaction"] == "4.00"
    one = client.get(f"/api/v1/survey-results/?partner={partners[0].pk}").json()
    assert one["invitations"] == 1
    assert client.get("/api/v1/survey-results/?partner=999999").status_code == 400
    assert client.get("/api/v1/survey-results/?start=2026-05-01&end=2026-04-01").status_code == 400
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/survey-invitations/?answered=true").json()
    assert len(listed["results"]) == 3


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sequences:overview", "sequences:steps", "surveys:results"])
def test_staff_lists_have_bounded_queries(
    name, tenant, admin, make_member, portal_client, django_assert_max_num_queries
):
    started_partners(tenant, admin, make_member, 2)
    client = portal_client(admin)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name)).status_code == 200
    for index in range(6):  # more partners, runs and answers must not add queries
        partner = PartnerOrganisationFactory(tenant=tenant, name=f"More {index}")
        person = make_member(tenant, Role.PARTNER_ADMIN, partner)
        sequences_services.start_sequence(tenant=tenant, actor=admin, partner_id=partner.pk)
        (invitation,) = invite(tenant=tenant, partner=partner, now=START)
        answer(tenant=tenant, actor=person, invitation=invitation, now=START)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(name))
    assert response.status_code == 200


def test_the_overview_and_timeline_show_each_partners_place(
    tenant, admin, make_member, portal_client
):
    first, _second = started_partners(tenant, admin, make_member, 2)
    client = portal_client(admin)
    overview = client.get(reverse("sequences:overview")).content.decode()
    assert "Partner 0" in overview and "1 sent · 0 skipped" in overview
    timeline = client.get(reverse("sequences:timeline", args=[first.pk])).content.decode()
    assert "Day 0: Welcome" in timeline and "Sent" in timeline and "Upcoming" in timeline
    assert "Note 0" in timeline


def test_a_step_is_written_on_its_page(tenant, admin, portal_client):
    client = portal_client(admin)
    data = {
        "name": "Kick-off",
        "day_offset": "2",
        "channel": "task",
        "condition": "no_signed_agreement",
        "subject": "Sign your agreement, {{ first_name }}",
        "body": "Plain text\n\nwith two paragraphs",
        "is_active": "on",
        "variant_msp_subject": "MSP kick-off",
        "variant_msp_body": "For MSPs",
    }
    bad = client.post(reverse("sequences:step_create"), {**data, "body": "{{ nope }}"})
    assert bad.status_code == 200 and "Unknown merge fields" in bad.content.decode()
    response = client.post(reverse("sequences:step_create"), data)
    assert response.status_code == 302
    step = WelcomeStep.objects.for_tenant(tenant).get()
    assert step.variants == {"msp": {"subject": "MSP kick-off", "body": "<p>For MSPs</p>"}}
    assert step.body == "<p>Plain text</p><p>with two paragraphs</p>"


def test_the_partner_reads_the_message_and_answers_the_survey(
    tenant, admin, partner, partner_admin, portal_client, django_assert_max_num_queries
):
    make_step(tenant=tenant, actor=admin, channel="task")
    with time_machine.travel(START, tick=False):
        sequences_services.start_sequence(tenant=tenant, actor=admin, partner_id=partner.pk)
        process_due()
    (invitation,) = invite(tenant=tenant, partner=partner)
    client = portal_client(partner_admin)
    message = StepRun.objects.for_tenant(tenant).get()
    page = client.get(reverse("sequences:message", args=[message.pk])).content.decode()
    assert "Hello" in page and "Northwind Systems is in." in page
    with django_assert_max_num_queries(25):
        mine = client.get(reverse("surveys:mine"))
    assert "Open until" in mine.content.decode()
    url = reverse("surveys:answer", args=[invitation.pk])
    assert client.post(url, {"satisfaction": "9", "nps": "3"}).status_code == 400
    assert (
        client.post(url, {"satisfaction": "5", "nps": "10", "comment": "Great"}).status_code == 302
    )
    again = client.get(url).content.decode()
    assert "you answered this survey" in again
