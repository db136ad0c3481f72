"""Factories and builders for training tests."""

import factory

from onboarding import training_services as services
from onboarding.models.training import Course, CourseStatus, Module
from tests.tenancy.factories import TenantFactory


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    tenant = factory.SubFactory(TenantFactory)
    title = factory.Sequence(lambda n: f"Course {n}")
    status = CourseStatus.PUBLISHED


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    tenant = factory.LazyAttribute(lambda o: o.course.tenant)
    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Module {n}")
    body_html = "<p>Read this.</p>"
    position = factory.Sequence(lambda n: n)


def build_course(tenant, author, *, modules=2, questions=(), **fields):
    """A published course built through the services. `questions` are
    (kind, [(text, is_correct), ...]) tuples."""
    course = services.create_course(
        tenant=tenant, actor=author, data={"title": fields.pop("title", "Fundamentals"), **fields}
    )
    for number in range(1, modules + 1):
        services.add_module(
            tenant=tenant,
            actor=author,
            course_id=course.pk,
            data={"title": f"Part {number}", "body_html": f"<p>Part {number}</p>"},
        )
    for kind, choices in questions:
        services.add_question(
            tenant=tenant,
            actor=author,
            course_id=course.pk,
            data={
                "text": f"Question {kind}",
                "kind": kind,
                "choices": [{"text": t, "is_correct": c} for t, c in choices],
            },
        )
    services.set_course_status(tenant=tenant, actor=author, course_id=course.pk, status="published")
    course.refresh_from_db()
    return course


def finish_modules(tenant, learner, course):
    for module in course.modules.all():
        services.complete_module(tenant=tenant, actor=learner, module_id=module.pk)


def correct_answers(course):
    return {
        question.pk: [choice.pk for choice in question.choices.all() if choice.is_correct]
        for question in course.questions.all()
    }


def wrong_answers(course):
    return {
        question.pk: [next(c.pk for c in question.choices.all() if not c.is_correct)]
        for question in course.questions.all()
    }


QUIZ = (
    ("single", [("Red", False), ("Blue", True), ("Green", False)]),
    ("multiple", [("Two", True), ("Three", True), ("Four", False)]),
)
