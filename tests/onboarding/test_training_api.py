"""Training API: visibility, quiz submission, attempt limits, filters and query counts."""

import pytest
from django.utils import timezone

from onboarding import training_services as services
from onboarding.models.training import Certification
from tests.onboarding.training_factories import (
    QUIZ,
    build_course,
    correct_answers,
    finish_modules,
    wrong_answers,
)

pytestmark = pytest.mark.django_db


def test_partners_see_published_courses_only(tenant, admin, partner_sales, api_client):
    published = build_course(tenant, admin, title="Published")
    draft = services.create_course(tenant=tenant, actor=admin, data={"title": "Draft"})
    partner = api_client(partner_sales)
    titles = [row["title"] for row in partner.get("/api/v1/courses/").json()["results"]]
    assert titles == ["Published"]
    assert partner.get(f"/api/v1/courses/{draft.pk}/").status_code == 404
    detail = partner.get(f"/api/v1/courses/{published.pk}/").json()
    assert [m["title"] for m in detail["modules"]] == ["Part 1", "Part 2"]
    staff = api_client(admin)
    assert {r["title"] for r in staff.get("/api/v1/courses/").json()["results"]} == {
        "Published",
        "Draft",
    }


def test_staff_create_and_publish_with_clear_errors(tenant, admin, partner_admin, api_client):
    client = api_client(admin)
    bad = client.post("/api/v1/courses/", {"title": "Ops", "pass_mark_percent": 150}, format="json")
    assert bad.status_code == 400
    assert "pass_mark_percent" in bad.json()
    created = client.post("/api/v1/courses/", {"title": "Ops"}, format="json")
    assert created.status_code == 201
    assert created.json()["status"] == "draft"
    publish = client.patch(
        f"/api/v1/courses/{created.json()['id']}/", {"status": "published"}, format="json"
    )
    assert publish.status_code == 409  # no module yet
    assert api_client(partner_admin).post("/api/v1/courses/", {"title": "X"}).status_code == 403


def test_the_quiz_never_reveals_answers_and_grades_on_the_server(
    tenant, admin, partner_sales, api_client
):
    course = build_course(tenant, admin, questions=QUIZ, max_attempts=2)
    client = api_client(partner_sales)
    questions = client.get(f"/api/v1/courses/{course.pk}/quiz/")
    assert questions.status_code == 200
    assert "is_correct" not in questions.content.decode()
    assert "correct" not in str(questions.json()).lower()
    early = client.post(
        f"/api/v1/courses/{course.pk}/quiz/", {"answers": correct_answers(course)}, format="json"
    )
    assert early.status_code == 409
    finish_modules(tenant, partner_sales, course)
    url = f"/api/v1/courses/{course.pk}/quiz/"
    first = client.post(url, {"answers": wrong_answers(course)}, format="json")
    assert first.status_code == 201
    assert first.json()["passed"] is False
    assert first.json()["attempts_left"] == 1
    client.post(url, {"answers": wrong_answers(course)}, format="json")
    over = client.post(url, {"answers": correct_answers(course)}, format="json")
    assert over.status_code == 409
    assert "attempts" in over.json()["detail"][0]


def test_passing_through_the_api_certifies(tenant, admin, partner_sales, api_client):
    course = build_course(tenant, admin, questions=QUIZ, is_certification=True, validity_months=12)
    finish_modules(tenant, partner_sales, course)
    client = api_client(partner_sales)
    passed = client.post(
        f"/api/v1/courses/{course.pk}/quiz/", {"answers": correct_answers(course)}, format="json"
    )
    assert passed.json()["course_completed"] is True
    rows = client.get("/api/v1/certifications/?active=true").json()["results"]
    assert len(rows) == 1
    assert rows[0]["verification_url"].endswith(f"/certificates/verify/{rows[0]['code']}/")
    assert rows[0]["is_active"] is True


def test_partners_see_their_own_enrolments_and_their_organisations_certifications(
    tenant, admin, partner_sales, partner_admin, other_partner_admin, api_client
):
    course = build_course(tenant, admin, is_certification=True, validity_months=12)
    for learner in (partner_sales, partner_admin, other_partner_admin):
        finish_modules(tenant, learner, course)
    mine = api_client(partner_sales).get("/api/v1/enrolments/").json()["results"]
    assert [row["person"]["id"] for row in mine] == [partner_sales.pk]
    theirs = Certification.objects.for_tenant(tenant).get(membership=other_partner_admin)
    own_org = api_client(partner_sales).get("/api/v1/certifications/").json()["results"]
    assert {row["person"] for row in own_org} == {partner_sales.pk, partner_admin.pk}
    assert api_client(partner_sales).get(f"/api/v1/certifications/{theirs.pk}/").status_code == 404
    other_enrolment = other_partner_admin.enrolments.get()
    assert (
        api_client(partner_sales).get(f"/api/v1/enrolments/{other_enrolment.pk}/").status_code
        == 404
    )
    staff = api_client(admin)
    assert len(staff.get("/api/v1/enrolments/").json()["results"]) == 3
    filtered = staff.get(
        f"/api/v1/certifications/?partner={other_partner_admin.partner_organisation_id}"
    ).json()["results"]
    assert [row["id"] for row in filtered] == [theirs.pk]
    Certification.objects.for_tenant(tenant).filter(pk=theirs.pk).update(
        expires_on=timezone.localdate().replace(year=2000)
    )
    assert len(staff.get("/api/v1/certifications/?active=false").json()["results"]) == 1


def test_enrol_through_the_api(tenant, admin, partner_sales, api_client):
    course = build_course(tenant, admin)
    client = api_client(partner_sales)
    created = client.post("/api/v1/enrolments/", {"course": course.pk}, format="json")
    assert created.status_code == 201
    assert created.json()["progress_percent"] == 0
    assert client.post(f"/api/v1/courses/{course.pk}/enrol/").status_code == 200
    assert client.post("/api/v1/enrolments/", {"course": 999999}, format="json").status_code == 404


@pytest.mark.parametrize(
    "url", ["/api/v1/courses/", "/api/v1/enrolments/", "/api/v1/certifications/"]
)
def test_lists_take_a_fixed_number_of_queries(
    url, tenant, admin, partner, make_member, api_client, django_assert_max_num_queries
):
    from ecosystem.tenancy.roles import Role

    courses = [
        build_course(tenant, admin, title=f"C{i}", is_certification=True, validity_months=6)
        for i in range(3)
    ]
    for i in range(4):
        learner = make_member(tenant, Role.PARTNER_SALES, partner, email=f"p{i}@northwind.example")
        for course in courses:
            finish_modules(tenant, learner, course)
    client = api_client(admin)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) >= 3
