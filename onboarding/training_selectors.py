"""Training reads, applying the reader's visibility.

Staff see every course (drafts too), enrolment and certification of the tenant. A partner
member sees published courses, the learning paths for their organisation's type and their
role, their own enrolments, and their organisation's certifications; anything else is a 404.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import Role
from partners.models import PartnerOrganisation

from .models.training import (
    Certification,
    Course,
    CourseStatus,
    Enrolment,
    LearningPath,
    Module,
    ModuleCompletion,
    PathCourse,
    Question,
    QuizAttempt,
)

TRUE = ("1", "true", "True", True)
FALSE = ("0", "false", "False", False)


def _as_id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _today() -> date:
    return timezone.localdate()


# --- courses -------------------------------------------------------------------------------


def courses_visible_to(*, tenant, membership: Membership | None) -> QuerySet[Course]:
    """Courses with their module and question counts; partners see published ones only."""
    courses = Course.objects.for_tenant(tenant).annotate(
        module_count=Count("modules", distinct=True),
        question_count=Count("questions", distinct=True),
    )
    if membership is None:
        return courses.none()
    if membership.is_partner_member:
        return courses.filter(status=CourseStatus.PUBLISHED)
    return courses


def course_list(*, tenant, membership, filters: dict | None = None) -> QuerySet[Course]:
    """Visible courses filtered by status, is_certification (1|0) and q (title)."""
    filters = filters or {}
    courses = courses_visible_to(tenant=tenant, membership=membership)
    if filters.get("status") in CourseStatus.values:
        courses = courses.filter(status=filters["status"])
    if filters.get("is_certification") in TRUE:
        courses = courses.filter(is_certification=True)
    elif filters.get("is_certification") in FALSE:
        courses = courses.filter(is_certification=False)
    query = (filters.get("q") or "").strip()
    if query:
        courses = courses.filter(title__icontains=query)
    return courses.order_by("title", "id")


def course_for_editor(*, tenant, pk) -> Course | None:
    """A course with its modules and its questions and choices (staff)."""
    return (
        Course.objects.for_tenant(tenant)
        .prefetch_related(
            Prefetch("modules", queryset=Module.objects.for_tenant(tenant)),
            Prefetch(
                "questions",
                queryset=Question.objects.for_tenant(tenant).prefetch_related("choices"),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def module_for_editor(*, tenant, pk) -> Module | None:
    return Module.objects.for_tenant(tenant).select_related("course").filter(pk=pk).first()


def question_for_editor(*, tenant, pk) -> Question | None:
    return (
        Question.objects.for_tenant(tenant)
        .select_related("course")
        .prefetch_related("choices")
        .filter(pk=pk)
        .first()
    )


def learning_paths(*, tenant) -> QuerySet[LearningPath]:
    """Every learning path with its course count (staff)."""
    return (
        LearningPath.objects.for_tenant(tenant)
        .annotate(course_count=Count("steps"))
        .order_by("name", "id")
    )


def learning_path(*, tenant, pk) -> LearningPath | None:
    return (
        LearningPath.objects.for_tenant(tenant)
        .prefetch_related(
            Prefetch(
                "steps", queryset=PathCourse.objects.for_tenant(tenant).select_related("course")
            )
        )
        .filter(pk=pk)
        .first()
    )


# --- learning ------------------------------------------------------------------------------


def enrolments_with_progress(tenant) -> QuerySet[Enrolment]:
    """Enrolments with `modules_done` (this cycle) and the course's `module_total`."""
    return (
        Enrolment.objects.for_tenant(tenant)
        .select_related("course", "membership__user", "membership__partner_organisation")
        .annotate(
            modules_done=Count("completions", distinct=True),
            module_total=Count("course__modules", distinct=True),
        )
    )


def progress_percent(enrolment: Enrolment) -> int:
    """How far through its modules an enrolment is (100 once completed)."""
    if enrolment.completed_at is not None:
        return 100
    total = getattr(enrolment, "module_total", 0) or 0
    done = getattr(enrolment, "modules_done", 0) or 0
    return round(100 * done / total) if total else 0


def paths_for_member(*, tenant, membership: Membership) -> list[LearningPath]:
    """The learning paths for the member's organisation type and role (a path with an empty
    type or role is for all), with their published courses in order; each course carries the
    member's `enrolment` (with progress) or None."""
    partner = membership.partner_organisation
    if partner is None:
        return []
    paths = list(
        LearningPath.objects.for_tenant(tenant)
        .filter(Q(partner_type="") | Q(partner_type=partner.partner_type))
        .filter(Q(role="") | Q(role=membership.role))
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=PathCourse.objects.for_tenant(tenant)
                .filter(course__status=CourseStatus.PUBLISHED)
                .select_related("course"),
            )
        )
        .order_by("name", "id")
    )
    enrolments = {
        enrolment.course_id: enrolment
        for enrolment in enrolments_with_progress(tenant).filter(membership=membership)
    }
    for path in paths:
        path.entries = [  # type: ignore[attr-defined]
            {
                "course": step.course,
                "enrolment": enrolments.get(step.course_id),
                "percent": progress_percent(enrolments[step.course_id])
                if step.course_id in enrolments
                else 0,
            }
            for step in path.steps.all()
        ]
        completed = sum(1 for entry in path.entries if entry["percent"] == 100)  # type: ignore[attr-defined]
        total = len(path.entries)  # type: ignore[attr-defined]
        path.completed_count = completed  # type: ignore[attr-defined]
        path.percent = round(100 * completed / total) if total else 0  # type: ignore[attr-defined]
    return paths


def my_enrolments(*, tenant, membership: Membership) -> QuerySet[Enrolment]:
    return (
        enrolments_with_progress(tenant)
        .filter(membership=membership)
        .order_by("completed_at", "-enrolled_at")
    )


def course_for_learner(*, tenant, pk) -> Course | None:
    """A published course with its modules in order (never its answers)."""
    return (
        Course.objects.for_tenant(tenant)
        .filter(pk=pk, status=CourseStatus.PUBLISHED)
        .annotate(question_count=Count("questions"))
        .prefetch_related(Prefetch("modules", queryset=Module.objects.for_tenant(tenant)))
        .first()
    )


def enrolment_of(*, tenant, membership, course) -> Enrolment | None:
    return (
        Enrolment.objects.for_tenant(tenant)
        .filter(membership=membership, course=course)
        .prefetch_related(
            Prefetch("completions", queryset=ModuleCompletion.objects.for_tenant(tenant))
        )
        .first()
    )


def attempts_this_cycle(*, tenant, enrolment: Enrolment | None) -> list[QuizAttempt]:
    if enrolment is None:
        return []
    return list(
        QuizAttempt.objects.for_tenant(tenant).filter(
            enrolment=enrolment, submitted_at__gte=enrolment.started_at
        )
    )


def module_for_learner(*, tenant, pk) -> Module | None:
    return (
        Module.objects.for_tenant(tenant)
        .filter(pk=pk, course__status=CourseStatus.PUBLISHED)
        .first()
    )


def latest_certification(*, tenant, membership, course) -> Certification | None:
    return (
        Certification.objects.for_tenant(tenant)
        .filter(membership=membership, course=course)
        .order_by("-issued_on", "-id")
        .first()
    )


def quiz_questions(*, tenant, course) -> list[Question]:
    """The quiz as a learner sees it: questions and choices. Templates and serializers of
    this never read `is_correct`."""
    return list(
        Question.objects.for_tenant(tenant).filter(course=course).prefetch_related("choices")
    )


def module_file_for(*, tenant, membership, pk) -> Module | None:
    """A module's file: staff any; partners only of published courses."""
    modules = Module.objects.for_tenant(tenant).select_related("course").exclude(file="")
    if membership is None:
        return None
    if membership.is_partner_member:
        modules = modules.filter(course__status=CourseStatus.PUBLISHED)
    return modules.filter(pk=pk).first()


# --- enrolments and certifications ----------------------------------------------------------


def enrolments_visible_to(*, tenant, membership, filters: dict | None = None):
    """Partners: their own enrolments; staff: everyone's. Filters: course, partner, person
    (membership id), status (completed|in_progress)."""
    filters = filters or {}
    enrolments = enrolments_with_progress(tenant)
    if membership is None:
        return enrolments.none()
    if membership.is_partner_member:
        enrolments = enrolments.filter(membership=membership)
    if course_id := _as_id(filters.get("course")):
        enrolments = enrolments.filter(course_id=course_id)
    if partner_id := _as_id(filters.get("partner")):
        enrolments = enrolments.filter(membership__partner_organisation_id=partner_id)
    if person_id := _as_id(filters.get("person")):
        enrolments = enrolments.filter(membership_id=person_id)
    if filters.get("status") == "completed":
        enrolments = enrolments.filter(completed_at__isnull=False)
    elif filters.get("status") == "in_progress":
        enrolments = enrolments.filter(completed_at__isnull=True)
    return enrolments.order_by("-enrolled_at", "-id")


def certifications_visible_to(*, tenant, membership, filters: dict | None = None):
    """Staff: every certification; partner users: their organisation's. Filters: partner,
    course, person, active (1: unexpired, 0: expired)."""
    filters = filters or {}
    certifications = Certification.objects.for_tenant(tenant).select_related(
        "course", "partner", "membership__user"
    )
    if membership is None:
        return certifications.none()
    if membership.is_partner_member:
        certifications = certifications.filter(partner_id=membership.partner_organisation_id)
    if partner_id := _as_id(filters.get("partner")):
        certifications = certifications.filter(partner_id=partner_id)
    if course_id := _as_id(filters.get("course")):
        certifications = certifications.filter(course_id=course_id)
    if person_id := _as_id(filters.get("person")):
        certifications = certifications.filter(membership_id=person_id)
    if filters.get("active") in TRUE:
        certifications = certifications.filter(expires_on__gte=_today())
    elif filters.get("active") in FALSE:
        certifications = certifications.filter(expires_on__lt=_today())
    return certifications.order_by("-issued_on", "-id")


def certification_for_download(*, tenant, membership, pk) -> Certification | None:
    """A certificate PDF is for its holder, their partner's administrators and staff."""
    certifications = certifications_visible_to(tenant=tenant, membership=membership)
    if (
        membership is not None
        and membership.is_partner_member
        and membership.role != Role.PARTNER_ADMIN
    ):
        certifications = certifications.filter(membership=membership)
    return certifications.filter(pk=pk).first()


def certification_by_code(*, tenant, code: str) -> Certification | None:
    """The public verification lookup: the code is the secret."""
    return (
        Certification.objects.for_tenant(tenant)
        .select_related("course")
        .filter(code=(code or "").strip().upper())
        .first()
    )


# --- analytics and other areas ---------------------------------------------------------------


def active_certifications(tenant, today: date | None = None) -> QuerySet[Certification]:
    """Unexpired certifications of people still active in the partner that earned them."""
    return Certification.objects.for_tenant(tenant).filter(
        expires_on__gte=today or _today(),
        membership__is_active=True,
        membership__partner_organisation_id=F("partner_id"),
    )


def certified_individuals_per_partner(*, tenant, partner_ids=None) -> dict[int, int]:
    """{partner id: people holding at least one unexpired certification}, one query."""
    rows = active_certifications(tenant)
    if partner_ids is not None:
        rows = rows.filter(partner_id__in=list(partner_ids))
    return dict(
        rows.values("partner_id")
        .annotate(n=Count("membership_id", distinct=True))
        .values_list("partner_id", "n")
    )


def completions_per_course(*, tenant) -> QuerySet[Course]:
    """Every course with `enrolled`, `completed` and `certified` (unexpired certifications)
    counts, one query."""
    active = Q(certifications__expires_on__gte=_today())
    return (
        Course.objects.for_tenant(tenant)
        .annotate(
            enrolled=Count("enrolments", distinct=True),
            completed=Count(
                "enrolments", filter=Q(enrolments__completed_at__isnull=False), distinct=True
            ),
            certified=Count("certifications", filter=active, distinct=True),
        )
        .order_by("title", "id")
    )


def completions_per_partner(*, tenant) -> list[dict]:
    """Per partner with any enrolment: enrolled and completed enrolments and certified
    individuals, in three grouped queries."""
    enrolments = (
        Enrolment.objects.for_tenant(tenant)
        .values("membership__partner_organisation_id")
        .annotate(
            enrolled=Count("pk"),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
        )
    )
    counts = {
        row["membership__partner_organisation_id"]: row
        for row in enrolments
        if row["membership__partner_organisation_id"]
    }
    certified = certified_individuals_per_partner(tenant=tenant, partner_ids=list(counts))
    names = dict(
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(pk__in=list(counts))
        .values_list("pk", "name")
    )
    rows = [
        {
            "partner_id": pk,
            "name": names.get(pk, ""),
            "enrolled": row["enrolled"],
            "completed": row["completed"],
            "certified": certified.get(pk, 0),
        }
        for pk, row in counts.items()
    ]
    return sorted(rows, key=lambda row: (-row["completed"], row["name"]))


def has_completed_course(*, tenant, membership, course_id: int) -> bool:
    """Whether the person has completed the course (in any cycle: a lapsed certification
    does not undo the learning)."""
    return (
        Enrolment.objects.for_tenant(tenant)
        .filter(membership=membership, course_id=course_id)
        .filter(Q(completed_at__isnull=False) | Exists(_certification_of_enrolment(tenant)))
        .exists()
    )


def _certification_of_enrolment(tenant):
    return Certification.objects.for_tenant(tenant).filter(
        membership_id=OuterRef("membership_id"),
        course_id=OuterRef("course_id"),
    )


def completed_course_ids_by_person(*, tenant, partner_id: int) -> dict[int, set[int]]:
    """{membership id: ids of courses completed} for every person of a partner, one query."""
    rows = (
        Enrolment.objects.for_tenant(tenant)
        .filter(membership__partner_organisation_id=partner_id)
        .filter(Q(completed_at__isnull=False) | Exists(_certification_of_enrolment(tenant)))
        .values_list("membership_id", "course_id")
    )
    completed: dict[int, set[int]] = defaultdict(set)
    for membership_id, course_id in rows:
        completed[membership_id].add(course_id)
    return dict(completed)
