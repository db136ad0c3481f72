"""Training services: validation, grading, attempt limits, completion and certification."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ecosystem.dates import add_months
from ecosystem.errors import Conflict, NotAllowed, NotFound, TooLarge, ValidationFailed
from ecosystem.outbox.models import OutboxEvent
from ecosystem.outbox.services import dispatch_pending
from ecosystem.scheduling.models import DueWork
from ecosystem.scheduling.services import process_due
from onboarding import training_selectors as selectors
from onboarding import training_services as services
from onboarding.models.training import Certification, Enrolment, QuizAttempt
from partners.models import PartnerOrganisation, TierRequirement
from tests.onboarding.training_factories import (
    QUIZ,
    build_course,
    correct_answers,
    finish_modules,
    wrong_answers,
)
from tests.partners.factories import TierFactory

pytestmark = pytest.mark.django_db


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://evil.example/watch?v=dQw4w9WgXcQ",
        "javascript:alert(1)",
        "https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=../../x",
        "https://vimeo.com/channels/staff",
    ],
)
def test_only_https_youtube_or_vimeo_links_are_accepted(url):
    with pytest.raises(ValidationFailed) as error:
        services.video_embed_url(url)
    assert error.value.field == "video_url"
    assert "YouTube or Vimeo" in error.value.message


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
    ],
)
def test_video_links_become_embed_urls(url, embed):
    assert services.video_embed_url(url) == embed


def test_module_text_is_sanitised_and_a_bad_video_names_the_field(tenant, admin):
    course = build_course(tenant, admin, modules=1)
    module = services.add_module(
        tenant=tenant,
        actor=admin,
        course_id=course.pk,
        data={
            "title": "Safe",
            "body_html": '<p onclick="x()">Hi<script>alert(1)</script></p>'
            '<a href="javascript:evil()">x</a><h2>Title</h2>',
        },
    )
    assert "script" not in module.body_html
    assert "onclick" not in module.body_html
    assert "javascript" not in module.body_html
    assert "<h2>Title</h2>" in module.body_html
    with pytest.raises(ValidationFailed) as error:
        services.update_module(
            tenant=tenant,
            actor=admin,
            module_id=module.pk,
            data={"video_url": "https://example.com/video.mp4"},
        )
    assert "video_url" in error.value.as_dict()


def test_module_files_are_checked_for_type_and_size(tenant, admin, settings):
    course = build_course(tenant, admin, modules=1)
    with pytest.raises(ValidationFailed) as error:
        services.add_module(
            tenant=tenant,
            actor=admin,
            course_id=course.pk,
            data={"title": "Tool"},
            upload=SimpleUploadedFile("setup.exe", b"MZ" * 10),
        )
    assert error.value.field == "file"
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(TooLarge):
        services.add_module(
            tenant=tenant,
            actor=admin,
            course_id=course.pk,
            data={"title": "Big"},
            upload=SimpleUploadedFile("guide.pdf", b"%PDF-" + b"x" * 100),
        )
    settings.ATTACHMENT_MAX_BYTES = 10_000
    module = services.add_module(
        tenant=tenant,
        actor=admin,
        course_id=course.pk,
        data={"title": "Guide"},
        upload=SimpleUploadedFile("Battle card.pdf", b"%PDF-1.7 guide"),
    )
    assert module.file_name == "Battle card.pdf"
    assert "Battle" not in module.file.name  # stored under a random name


@pytest.mark.parametrize("mark", [0, 101, "many"])
def test_pass_mark_must_be_a_percentage(tenant, admin, mark):
    with pytest.raises(ValidationFailed) as error:
        services.create_course(
            tenant=tenant, actor=admin, data={"title": "X", "pass_mark_percent": mark}
        )
    assert "pass_mark_percent" in error.value.as_dict()


def test_a_certification_course_needs_a_validity(tenant, admin):
    with pytest.raises(ValidationFailed) as error:
        services.create_course(
            tenant=tenant, actor=admin, data={"title": "Cert", "is_certification": True}
        )
    assert "validity_months" in error.value.as_dict()


@pytest.mark.parametrize(
    ("kind", "choices"),
    [
        ("single", [("A", False), ("B", False)]),
        ("single", [("A", True), ("B", True)]),
        ("multiple", [("Only one", True)]),
    ],
)
def test_questions_need_choices_and_a_correct_one(tenant, admin, kind, choices):
    course = build_course(tenant, admin, modules=1)
    with pytest.raises(ValidationFailed) as error:
        services.add_question(
            tenant=tenant,
            actor=admin,
            course_id=course.pk,
            data={
                "text": "Which?",
                "kind": kind,
                "choices": [{"text": t, "is_correct": c} for t, c in choices],
            },
        )
    assert "choices" in error.value.as_dict()


def test_a_course_without_modules_cannot_be_published(tenant, admin):
    course = services.create_course(tenant=tenant, actor=admin, data={"title": "Empty"})
    with pytest.raises(Conflict):
        services.set_course_status(
            tenant=tenant, actor=admin, course_id=course.pk, status="published"
        )


def test_modules_reorder(tenant, admin):
    course = build_course(tenant, admin, modules=3)
    last = course.modules.order_by("position").last()
    services.move_module(tenant=tenant, actor=admin, module_id=last.pk, direction="up")
    assert [m.title for m in course.modules.order_by("position")] == ["Part 1", "Part 3", "Part 2"]


# --- learning and grading ----------------------------------------------------------------------


def test_staff_do_not_take_courses_and_drafts_are_not_found(tenant, admin, partner_sales):
    course = build_course(tenant, admin)
    with pytest.raises(NotAllowed):
        services.enrol(tenant=tenant, actor=admin, course_id=course.pk)
    services.set_course_status(tenant=tenant, actor=admin, course_id=course.pk, status="draft")
    with pytest.raises(NotFound):
        services.enrol(tenant=tenant, actor=partner_sales, course_id=course.pk)


def test_without_a_quiz_the_last_module_completes_the_course(tenant, admin, partner_sales):
    course = build_course(tenant, admin, modules=2)
    first, second = course.modules.all()
    enrolment = services.complete_module(tenant=tenant, actor=partner_sales, module_id=first.pk)
    assert enrolment.completed_at is None
    enrolment = services.complete_module(tenant=tenant, actor=partner_sales, module_id=second.pk)
    assert enrolment.completed_at is not None
    assert selectors.has_completed_course(
        tenant=tenant, membership=partner_sales, course_id=course.pk
    )
    assert not Certification.objects.for_tenant(tenant).exists()


def test_grading_single_and_multiple_choice(tenant, admin, partner_sales):
    course = build_course(tenant, admin, questions=QUIZ, max_attempts=5, pass_mark_percent=100)
    finish_modules(tenant, partner_sales, course)
    single, multiple = course.questions.all()
    right_single = [c.pk for c in single.choices.all() if c.is_correct]
    one_of_two = [next(c.pk for c in multiple.choices.all() if c.is_correct)]
    attempt = services.submit_quiz(
        tenant=tenant,
        actor=partner_sales,
        course_id=course.pk,
        answers={single.pk: right_single, str(multiple.pk): one_of_two},
    )
    # A multiple-choice answer is right only with every correct choice and no wrong one.
    assert (attempt.score_percent, attempt.passed) == (50, False)
    attempt = services.submit_quiz(
        tenant=tenant, actor=partner_sales, course_id=course.pk, answers=correct_answers(course)
    )
    assert (attempt.score_percent, attempt.passed) == (100, True)
    assert Enrolment.objects.for_tenant(tenant).get().completed_at is not None


@pytest.mark.parametrize(
    "answers",
    [{}, "nonsense", {"single": ["x"]}],
    ids=["unanswered", "not-a-dict", "bad-ids"],
)
def test_incomplete_or_malformed_answers_are_refused(tenant, admin, partner_sales, answers):
    course = build_course(tenant, admin, questions=QUIZ)
    finish_modules(tenant, partner_sales, course)
    if answers == {"single": ["x"]}:
        answers = {q.pk: ["x"] for q in course.questions.all()}
    with pytest.raises(ValidationFailed) as error:
        services.submit_quiz(
            tenant=tenant, actor=partner_sales, course_id=course.pk, answers=answers
        )
    assert error.value.field == "answers"
    assert not QuizAttempt.objects.for_tenant(tenant).exists()


def test_choices_of_another_question_are_refused(tenant, admin, partner_sales):
    course = build_course(tenant, admin, questions=QUIZ)
    finish_modules(tenant, partner_sales, course)
    single, multiple = course.questions.all()
    answers = {single.pk: [multiple.choices.first().pk], multiple.pk: [multiple.choices.first().pk]}
    with pytest.raises(ValidationFailed):
        services.submit_quiz(
            tenant=tenant, actor=partner_sales, course_id=course.pk, answers=answers
        )


def test_the_quiz_waits_for_the_modules(tenant, admin, partner_sales):
    course = build_course(tenant, admin, questions=QUIZ)
    with pytest.raises(Conflict, match="module"):
        services.submit_quiz(
            tenant=tenant, actor=partner_sales, course_id=course.pk, answers=correct_answers(course)
        )


def test_attempts_beyond_the_limit_are_a_conflict(tenant, admin, partner_sales):
    course = build_course(tenant, admin, questions=QUIZ, max_attempts=2)
    finish_modules(tenant, partner_sales, course)
    for _ in range(2):
        services.submit_quiz(
            tenant=tenant, actor=partner_sales, course_id=course.pk, answers=wrong_answers(course)
        )
    with pytest.raises(Conflict, match="all 2 attempts") as error:
        services.submit_quiz(
            tenant=tenant, actor=partner_sales, course_id=course.pk, answers=correct_answers(course)
        )
    assert error.value.status_code == 409
    assert QuizAttempt.objects.for_tenant(tenant).count() == 2


def test_a_quiz_people_have_taken_cannot_change(tenant, admin, partner_sales):
    course = build_course(tenant, admin, questions=QUIZ)
    finish_modules(tenant, partner_sales, course)
    services.submit_quiz(
        tenant=tenant, actor=partner_sales, course_id=course.pk, answers=wrong_answers(course)
    )
    with pytest.raises(Conflict):
        services.delete_question(
            tenant=tenant, actor=admin, question_id=course.questions.first().pk
        )


# --- certification -------------------------------------------------------------------------------


def _certify(tenant, admin, learner, **fields):
    course = build_course(
        tenant, admin, title="Sales Certification", questions=QUIZ, is_certification=True,
        validity_months=24, **fields,
    )  # fmt: skip
    finish_modules(tenant, learner, course)
    services.submit_quiz(
        tenant=tenant, actor=learner, course_id=course.pk, answers=correct_answers(course)
    )
    return course


@time_machine.travel("2026-01-31 10:00:00+00:00", tick=False)
def test_passing_a_certification_course_issues_a_certification_and_an_event(
    tenant, admin, partner_sales
):
    partner_sales.user.full_name = "Riley Chen"
    partner_sales.user.save()
    course = _certify(tenant, admin, partner_sales)
    certification = Certification.objects.for_tenant(tenant).get()
    assert certification.course == course
    assert certification.partner_id == partner_sales.partner_organisation_id
    assert certification.holder_name == "Riley Chen"
    assert certification.issued_on == date(2026, 1, 31)
    assert certification.expires_on == date(2028, 1, 31)
    assert len(certification.code) == 23 and certification.code.count("-") == 3
    event = OutboxEvent.objects.for_tenant(tenant).get(name="certification.earned")
    assert event.payload["partner_id"] == partner_sales.partner_organisation_id
    assert event.payload["certification_id"] == certification.pk


def test_codes_are_unguessable(tenant, admin, partner_sales, partner_admin):
    _certify(tenant, admin, partner_sales)
    course = Certification.objects.for_tenant(tenant).get().course
    finish_modules(tenant, partner_admin, course)
    services.submit_quiz(
        tenant=tenant, actor=partner_admin, course_id=course.pk, answers=correct_answers(course)
    )
    codes = list(Certification.objects.for_tenant(tenant).values_list("code", flat=True))
    assert len(set(codes)) == 2


def test_a_certification_triggers_the_partners_tier_reevaluation(tenant, admin, partner_sales):
    gold = TierFactory(tenant=tenant, name="Certified Gold", rank=1)
    TierRequirement.objects.create(
        tenant=tenant, tier=gold, metric="certified_individuals", threshold=1
    )
    _certify(tenant, admin, partner_sales)
    dispatch_pending()
    queued = DueWork.objects.for_tenant(tenant).get(kind="partners.tier_reevaluation")
    assert queued.key == f"partner:{partner_sales.partner_organisation_id}"
    process_due(now=timezone.now() + timedelta(minutes=5))
    partner = PartnerOrganisation.objects.for_tenant(tenant).get(
        pk=partner_sales.partner_organisation_id
    )
    assert partner.tier == gold


def test_recertifying_after_expiry_issues_a_new_certification(tenant, admin, partner_sales):
    with time_machine.travel("2024-03-01 09:00:00+00:00", tick=False):
        course = _certify(tenant, admin, partner_sales, max_attempts=1)
        with pytest.raises(Conflict, match="still valid"):
            services.restart_course(tenant=tenant, actor=partner_sales, course_id=course.pk)
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False):
        services.restart_course(tenant=tenant, actor=partner_sales, course_id=course.pk)
        assert not selectors.enrolment_of(
            tenant=tenant, membership=partner_sales, course=course
        ).completions.exists()
        finish_modules(tenant, partner_sales, course)
        # A new cycle brings fresh attempts even though the limit is one.
        services.submit_quiz(
            tenant=tenant, actor=partner_sales, course_id=course.pk, answers=correct_answers(course)
        )
        issued = list(
            Certification.objects.for_tenant(tenant)
            .order_by("issued_on")
            .values_list("issued_on", "expires_on")
        )
    assert issued == [
        (date(2024, 3, 1), date(2026, 3, 1)),
        (date(2026, 3, 2), date(2028, 3, 2)),
    ]


def test_add_months_clamps_to_the_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 24) == date(2027, 11, 30)


# --- selectors other areas use ---------------------------------------------------------------


def test_completed_course_ids_of_a_partners_people(
    tenant, admin, partner, partner_sales, partner_admin, other_partner_admin
):
    first = build_course(tenant, admin, title="First", modules=1)
    second = build_course(tenant, admin, title="Second", modules=1)
    for learner, course in [
        (partner_sales, first),
        (partner_sales, second),
        (partner_admin, second),
        (other_partner_admin, first),
    ]:
        finish_modules(tenant, learner, course)
    services.enrol(tenant=tenant, actor=partner_admin, course_id=first.pk)  # started only
    assert selectors.completed_course_ids_by_person(tenant=tenant, partner_id=partner.pk) == {
        partner_sales.pk: {first.pk, second.pk},
        partner_admin.pk: {second.pk},
    }
    assert not selectors.has_completed_course(
        tenant=tenant, membership=partner_admin, course_id=first.pk
    )
    rows = {
        c.title: (c.enrolled, c.completed) for c in selectors.completions_per_course(tenant=tenant)
    }
    assert rows == {"First": (3, 2), "Second": (2, 2)}


def test_metric_values_for_a_set_of_partners(
    tenant, admin, partner, other_partner, partner_sales, partner_admin, other_partner_admin
):
    from partners.metrics import get_metric

    course = _certify(tenant, admin, partner_sales)
    for learner in (partner_admin, other_partner_admin):
        finish_modules(tenant, learner, course)
        services.submit_quiz(
            tenant=tenant, actor=learner, course_id=course.pk, answers=correct_answers(course)
        )
    # An expired certification no longer counts; nor does a person who left.
    Certification.objects.for_tenant(tenant).filter(membership=partner_admin).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    certified = get_metric("certified_individuals")
    assert certified.values(tenant=tenant, partner_ids=[partner.pk, other_partner.pk]) == {
        partner.pk: Decimal(1),
        other_partner.pk: Decimal(1),
    }
    other_partner_admin.is_active = False
    other_partner_admin.save()
    active = get_metric("active_certifications")
    assert active.values(tenant=tenant, parameter=str(course.pk)) == {partner.pk: Decimal(1)}
    assert active.values(tenant=tenant, parameter="sales certification") == {partner.pk: Decimal(1)}
    assert active.values(tenant=tenant, parameter="No such course") == {}
    assert selectors.certified_individuals_per_partner(tenant=tenant) == {partner.pk: 1}
    # The per-partner expressions agree with the values (lists sort by them).
    sorted_rows = dict(
        PartnerOrganisation.objects.for_tenant(tenant)
        .annotate(n=certified.per_partner(tenant=tenant, since=None))
        .values_list("pk", "n")
    )
    assert sorted_rows == {partner.pk: 1, other_partner.pk: 0}
