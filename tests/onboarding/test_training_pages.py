"""Training pages: authoring, learning, the quiz, certificates (PDF) and public verification."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ecosystem.tenancy.roles import Role
from onboarding import training_services as services
from onboarding.models.training import Certification, Course, Enrolment
from tests.onboarding.training_factories import QUIZ, build_course, correct_answers, finish_modules

pytestmark = pytest.mark.django_db


def _certified(tenant, admin, learner):
    course = build_course(
        tenant, admin, title="Sales Certification", is_certification=True, validity_months=24
    )
    finish_modules(tenant, learner, course)
    return Certification.objects.for_tenant(tenant).get(membership=learner)


def test_staff_author_a_course_through_the_pages(tenant, admin, portal_client):
    client = portal_client(admin)
    response = client.post(
        reverse("training:course_create"),
        {"title": "Security Best Practices", "estimated_minutes": 45, "pass_mark_percent": 80,
         "max_attempts": 3},
    )  # fmt: skip
    course = Course.objects.for_tenant(tenant).get()
    assert response.url == reverse("training:course_edit", args=[course.pk])
    bad = client.post(
        reverse("training:module_add", args=[course.pk]),
        {"title": "Intro", "video_url": "http://vimeo.com/1"},
    )
    assert bad.status_code == 400
    assert "YouTube or Vimeo" in bad.content.decode()
    client.post(
        reverse("training:module_add", args=[course.pk]),
        {"title": "Intro", "video_url": "https://vimeo.com/76979871", "body_html": "<p>Hi</p>"},
    )
    no_correct = client.post(
        reverse("training:question_add", args=[course.pk]),
        {"text": "Which?", "kind": "single", "choice_1": "A", "choice_2": "B"},
    )
    assert no_correct.status_code == 400
    assert "Mark at least one choice as correct" in no_correct.content.decode()
    client.post(
        reverse("training:question_add", args=[course.pk]),
        {"text": "Which?", "kind": "single", "choice_1": "A", "choice_2": "B", "correct_2": "on"},
    )
    client.post(reverse("training:course_status", args=[course.pk]), {"status": "published"})
    course.refresh_from_db()
    assert course.is_published
    page = client.get(reverse("training:course_edit", args=[course.pk])).content.decode()
    assert "✓ B" in page


def test_partners_cannot_reach_authoring_pages(tenant, admin, partner_admin, portal_client):
    course = build_course(tenant, admin)
    client = portal_client(partner_admin)
    assert client.get(reverse("training:course_edit", args=[course.pk])).status_code == 403
    assert client.get(reverse("training:report")).status_code == 403


def test_a_partner_learns_a_course_through_the_player_and_quiz(
    tenant, admin, partner, partner_sales, portal_client
):
    course = build_course(tenant, admin, questions=QUIZ, modules=2)
    services.save_learning_path(
        tenant=tenant,
        actor=admin,
        data={"name": "Sales onboarding", "partner_type": partner.partner_type,
              "role": Role.PARTNER_SALES, "course_ids": [course.pk]},
    )  # fmt: skip
    client = portal_client(partner_sales)
    home = client.get(reverse("training:my_learning")).content.decode()
    assert "Sales onboarding" in home and "Not started" in home
    player = client.get(reverse("training:player", args=[course.pk]))
    assert player.status_code == 200
    assert "frame-src https://www.youtube-nocookie.com" in player["Content-Security-Policy"]
    assert Enrolment.objects.for_tenant(tenant).filter(membership=partner_sales).exists()
    for module in course.modules.all():
        client.post(reverse("training:module_complete", args=[module.pk]))
    quiz_page = client.get(reverse("training:quiz", args=[course.pk])).content.decode()
    assert "Blue" in quiz_page and "is_correct" not in quiz_page
    answers = {f"question_{q}": [str(c) for c in cs] for q, cs in correct_answers(course).items()}
    response = client.post(reverse("training:quiz", args=[course.pk]), answers)
    assert response.status_code == 302
    assert Enrolment.objects.for_tenant(tenant).get(membership=partner_sales).completed_at
    assert "Completed" in client.get(reverse("training:my_learning")).content.decode()


def test_a_path_for_another_partner_type_or_role_is_not_shown(
    tenant, admin, partner, partner_sales, portal_client
):
    course = build_course(tenant, admin)
    services.save_learning_path(
        tenant=tenant,
        actor=admin,
        data={"name": "MSP technical track", "partner_type": "msp", "course_ids": [course.pk]},
    )
    services.save_learning_path(
        tenant=tenant,
        actor=admin,
        data={"name": "Admins only", "role": Role.PARTNER_ADMIN, "course_ids": [course.pk]},
    )
    page = portal_client(partner_sales).get(reverse("training:my_learning")).content.decode()
    assert "MSP technical track" not in page and "Admins only" not in page


def test_the_certificate_pdf_is_a_pdf_with_the_code(
    tenant, admin, partner_sales, partner_admin, other_partner_admin, portal_client
):
    certification = _certified(tenant, admin, partner_sales)
    url = reverse("training:certificate_pdf", args=[certification.pk])
    response = portal_client(partner_sales).get(url)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert certification.code in text
    assert "Sales Certification" in text
    assert f"/certificates/verify/{certification.code}/" in text
    # Their partner's administrator and staff may download it; another partner may not.
    assert portal_client(partner_admin).get(url).status_code == 200
    assert portal_client(admin).get(url).status_code == 200
    assert portal_client(other_partner_admin).get(url).status_code == 404


def test_a_colleague_who_is_not_an_admin_cannot_download(
    tenant, admin, partner, partner_admin, make_member, portal_client
):
    certification = _certified(tenant, admin, partner_admin)
    colleague = make_member(tenant, Role.PARTNER_SALES, partner, email="c@northwind.example")
    url = reverse("training:certificate_pdf", args=[certification.pk])
    assert portal_client(colleague).get(url).status_code == 404


def test_public_verification_shows_valid_expired_and_unknown(
    tenant, other_tenant, admin, partner_sales, portal_client
):
    certification = _certified(tenant, admin, partner_sales)
    url = reverse("certificate_verify", args=[certification.code])
    anonymous = portal_client(tenant=tenant)
    page = anonymous.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Valid" in body and "Sales Certification" in body and "Acme Corp" in body
    assert partner_sales.user.email not in body
    Certification.objects.for_tenant(tenant).update(
        expires_on=timezone.localdate().replace(year=2001)
    )
    assert "Expired" in anonymous.get(url).content.decode()
    assert anonymous.get(reverse("certificate_verify", args=["NOPE-NOPE"])).status_code == 404
    assert portal_client(tenant=other_tenant).get(url).status_code == 404


@pytest.mark.parametrize(
    ("actor", "name"),
    [
        ("admin", "training:courses"),
        ("admin", "training:paths"),
        ("admin", "training:report"),
        ("partner_sales", "training:my_learning"),
        ("partner_admin", "training:certificates"),
    ],
)
def test_list_pages_take_a_fixed_number_of_queries(
    actor, name, request, tenant, admin, partner, make_member, portal_client,
    django_assert_max_num_queries,
):  # fmt: skip
    courses = [
        build_course(tenant, admin, title=f"C{i}", is_certification=True, validity_months=6)
        for i in range(3)
    ]
    services.save_learning_path(
        tenant=tenant, actor=admin, data={"name": "All", "course_ids": [c.pk for c in courses]}
    )
    learners = [request.getfixturevalue("partner_sales"), request.getfixturevalue("partner_admin")]
    learners += [
        make_member(tenant, Role.PARTNER_SALES, partner, email=f"p{i}@northwind.example")
        for i in range(3)
    ]
    for learner in learners:
        for course in courses:
            finish_modules(tenant, learner, course)
    client = portal_client(request.getfixturevalue(actor))
    with django_assert_max_num_queries(16):
        response = client.get(reverse(name))
    assert response.status_code == 200
