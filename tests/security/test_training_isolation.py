"""Training routes that take an id (or a certificate code) answer 404 for another tenant's
object, and for partner users for another partner's person's object, and change nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse

from ecosystem.tenancy.roles import Role, has_capability
from onboarding import training_services as services
from onboarding.models.training import (
    Certification,
    Course,
    Enrolment,
    LearningPath,
    Module,
    Question,
)
from tests.onboarding.training_factories import QUIZ, build_course, finish_modules
from tests.partners.factories import PartnerOrganisationFactory

# (method, url name, key of the object whose id or code makes the URL)
TRAINING_PAGES = [
    ("get", "training:player", "course"),
    ("get", "training:quiz", "course"),
    ("post", "training:quiz", "course"),
    ("post", "training:restart", "course"),
    ("post", "training:module_complete", "module"),
    ("get", "training:module_file", "module"),
    ("get", "training:certificate_pdf", "certification"),
    ("get", "training:course_edit", "course"),
    ("post", "training:course_edit", "course"),
    ("post", "training:course_status", "course"),
    ("get", "training:module_add", "course"),
    ("post", "training:module_add", "course"),
    ("get", "training:module_edit", "module"),
    ("post", "training:module_edit", "module"),
    ("post", "training:module_move", "module"),
    ("post", "training:module_delete", "module"),
    ("get", "training:question_add", "course"),
    ("post", "training:question_add", "course"),
    ("get", "training:question_edit", "question"),
    ("post", "training:question_edit", "question"),
    ("post", "training:question_delete", "question"),
    ("get", "training:path_edit", "path"),
    ("post", "training:path_edit", "path"),
    ("post", "training:path_delete", "path"),
    ("get", "certificate_verify", "code"),
]
TRAINING_API = [
    ("course-detail", "get", "/api/v1/courses/{course}/", None),
    ("course-detail", "patch", "/api/v1/courses/{course}/", {"title": "Hijacked"}),
    ("course-detail", "put", "/api/v1/courses/{course}/", {"title": "Hijacked"}),
    ("course-enrol", "post", "/api/v1/courses/{course}/enrol/", None),
    ("course-quiz", "get", "/api/v1/courses/{course}/quiz/", None),
    ("course-quiz", "post", "/api/v1/courses/{course}/quiz/", {"answers": {}}),
    ("enrolment-detail", "get", "/api/v1/enrolments/{enrolment}/", None),
    ("certification-detail", "get", "/api/v1/certifications/{certification}/", None),
]
COVERED_TRAINING_ROUTES = {name for _, name, _ in TRAINING_PAGES} | {
    name for name, *_ in TRAINING_API
}
POST_DATA = {
    "training:course_edit": {"title": "Hijacked", "estimated_minutes": 1, "pass_mark_percent": 1,
                             "max_attempts": 1},
    "training:course_status": {"status": "draft"},
    "training:module_add": {"title": "Hijacked", "body_html": "x"},
    "training:module_edit": {"title": "Hijacked", "body_html": "x"},
    "training:module_move": {"direction": "down"},
    "training:question_add": {"text": "Hijacked", "kind": "single", "choice_1": "a",
                              "choice_2": "b", "correct_1": "on"},
    "training:question_edit": {"text": "Hijacked", "kind": "single", "choice_1": "a",
                               "choice_2": "b", "correct_1": "on"},
    "training:path_edit": {"name": "Hijacked"},
}  # fmt: skip


def _objects(tenant, author, learner):
    course = build_course(
        tenant, author, title="Theirs", questions=QUIZ, modules=2, is_certification=True,
        validity_months=12,
    )  # fmt: skip
    module = course.modules.first()
    services.update_module(
        tenant=tenant,
        actor=author,
        module_id=module.pk,
        data={},
        upload=SimpleUploadedFile("guide.pdf", b"%PDF-1.7 theirs"),
    )
    finish_modules(tenant, learner, course)
    services.submit_quiz(
        tenant=tenant,
        actor=learner,
        course_id=course.pk,
        answers={
            q.pk: [c.pk for c in q.choices.all() if c.is_correct] for q in course.questions.all()
        },
    )
    certification = Certification.objects.for_tenant(tenant).get(membership=learner)
    path = services.save_learning_path(
        tenant=tenant, actor=author, data={"name": "Theirs", "course_ids": [course.pk]}
    )
    return {
        "course": course,
        "module": module,
        "question": course.questions.first(),
        "path": path,
        "certification": certification,
        "enrolment": Enrolment.objects.for_tenant(tenant).get(membership=learner),
        "code": certification.code,
    }


@pytest.fixture
def foreign(other_tenant, make_member):
    author = make_member(other_tenant, Role.ADMIN, email="admin@globex.example")
    partner = PartnerOrganisationFactory(tenant=other_tenant, name="Globex Reseller")
    learner = make_member(other_tenant, Role.PARTNER_SALES, partner, email="rep@globex.example")
    return _objects(other_tenant, author, learner)


@pytest.fixture
def other_partners(tenant, admin, other_partner_admin):
    """Objects of another partner's person in the same tenant (the course itself is shared)."""
    return _objects(tenant, admin, other_partner_admin)


def _snapshot():
    course = Course.objects.across_tenants().get(title="Theirs")
    return (
        course.status,
        list(Module.objects.across_tenants().values_list("title", "position")),
        list(Question.objects.across_tenants().values_list("text", flat=True)),
        list(LearningPath.objects.across_tenants().values_list("name", flat=True)),
        list(Enrolment.objects.across_tenants().values_list("completed_at", "started_at")),
        Certification.objects.across_tenants().count(),
    )


def _expected(member, url) -> int:
    capability = getattr(resolve(url).func, "required_capability", None)
    if capability is None:
        return 404
    return 404 if has_capability(member.role, capability) else 403


def _url(name, key, objects):
    return reverse(name, args=[objects[key] if key == "code" else objects[key].pk])


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "channel_manager", "partner_admin"])
@pytest.mark.parametrize(("method", "name", "key"), TRAINING_PAGES)
def test_another_tenants_training_pages_are_not_found(
    actor, method, name, key, foreign, request, portal_client
):
    member = request.getfixturevalue(actor)
    url = _url(name, key, foreign)
    before = _snapshot()
    client = portal_client(member)
    response = client.get(url) if method == "get" else client.post(url, POST_DATA.get(name, {}))
    assert response.status_code == _expected(member, url), (name, response.status_code)
    assert _snapshot() == before


# A partner user's pages for another partner's person: their certificate and enrolment.
ANOTHER_PARTNERS_PAGES = [("get", "training:certificate_pdf", "certification")]


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["partner_admin", "partner_sales"])
@pytest.mark.parametrize(("method", "name", "key"), ANOTHER_PARTNERS_PAGES)
def test_another_partners_certificate_is_not_found(
    actor, method, name, key, other_partners, request, portal_client
):
    member = request.getfixturevalue(actor)
    response = portal_client(member).get(_url(name, key, other_partners))
    assert response.status_code == 404


def _call(client, method, path, body):
    return (
        getattr(client, method)(path, body, format="json")
        if body
        else getattr(client, method)(path)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "partner_admin"])
@pytest.mark.parametrize(("name", "method", "path", "body"), TRAINING_API)
def test_another_tenants_training_api_objects_are_404(
    actor, name, method, path, body, foreign, request, api_client
):
    member = request.getfixturevalue(actor)
    before = _snapshot()
    client = api_client(member)
    response = _call(
        client, method, path.format(**{k: getattr(v, "pk", v) for k, v in foreign.items()}), body
    )
    capability = {
        "course-enrol": "training.learn",
        "course-quiz": "training.learn",
    }.get(name, "training.manage" if method in ("patch", "put") else "training.view")
    expected = 404 if has_capability(member.role, capability) else 403
    assert response.status_code == expected, (name, method, response.status_code)
    assert _snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/enrolments/{enrolment}/", "/api/v1/certifications/{certification}/"]
)
def test_another_partners_enrolment_and_certification_are_404(
    path, other_partners, partner_sales, api_client
):
    target = path.format(**{k: getattr(v, "pk", v) for k, v in other_partners.items()})
    assert api_client(partner_sales).get(target).status_code == 404
