"""Training and certification writes: courses, modules, quiz questions, learning paths,
enrolments, module completion, quiz grading and certification.

Every service takes the tenant and the acting member (a Membership) explicitly, runs in one
transaction, writes the audit entry and emits the outbox event. Grading happens here, on the
server: a partner never receives which choices are correct before submitting.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.audit.services import record
from ecosystem.dates import add_months
from ecosystem.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ecosystem.outbox.services import emit
from ecosystem.richtext import sanitise_html
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import PARTNER_ROLES
from ecosystem.uploads import validate_attachment
from partners.models import PartnerType

from .models.training import (
    Certification,
    Choice,
    Course,
    CourseStatus,
    Enrolment,
    LearningPath,
    Module,
    ModuleCompletion,
    PathCourse,
    Question,
    QuestionKind,
    QuizAttempt,
)

MAX_CHOICES = 8
YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
VIMEO_ID = re.compile(r"^[0-9]{1,12}$")


def _user(actor: Membership):
    return actor.user


def video_embed_url(url: str) -> str:
    """The embed URL of an https YouTube or Vimeo link; anything else is refused."""
    refused = ValidationFailed(
        _(
            "Use an https link to a YouTube or Vimeo video, for example "
            "https://www.youtube.com/watch?v=… or https://vimeo.com/123456."
        ),
        field="video_url",
    )
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        raise refused from None
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or parts.username or parts.password or parts.port:
        raise refused
    segments = [segment for segment in parts.path.split("/") if segment]
    video_id = ""
    if host in ("youtube.com", "www.youtube.com", "m.youtube.com"):
        if segments == ["watch"]:
            video_id = (parse_qs(parts.query).get("v") or [""])[0]
        elif len(segments) == 2 and segments[0] in ("embed", "shorts", "live"):
            video_id = segments[1]
    elif host == "youtu.be" and len(segments) == 1:
        video_id = segments[0]
    if video_id:
        if not YOUTUBE_ID.match(video_id):
            raise refused
        return f"https://www.youtube-nocookie.com/embed/{video_id}"
    if host in ("vimeo.com", "www.vimeo.com") and len(segments) == 1:
        video_id = segments[0]
    elif host == "player.vimeo.com" and len(segments) == 2 and segments[0] == "video":
        video_id = segments[1]
    if video_id and VIMEO_ID.match(video_id):
        return f"https://player.vimeo.com/video/{video_id}"
    raise refused


# --- courses -------------------------------------------------------------------------------

COURSE_FIELDS = [
    "title",
    "summary",
    "estimated_minutes",
    "is_certification",
    "validity_months",
    "pass_mark_percent",
    "max_attempts",
]

COURSE_DEFAULTS = {"estimated_minutes": 30, "pass_mark_percent": 80, "max_attempts": 3}


def _integer(errors, data, field, *, low, high, required=True):
    value = data.get(field)
    if value in (None, ""):
        if required:
            errors[field] = [_("This field is required.")]
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = [_("Enter a whole number.")]
        return None
    if not low <= number <= high:
        errors[field] = [_("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}]
        return None
    return number


def _clean_course(tenant, data: dict[str, Any], course: Course | None) -> dict[str, Any]:
    current = (
        {field: getattr(course, field) for field in COURSE_FIELDS} if course else COURSE_DEFAULTS
    )
    merged = {**current, **{key: data[key] for key in COURSE_FIELDS if key in data}}
    errors: dict[str, list[str]] = {}
    title = str(merged.get("title") or "").strip()
    if not title:
        errors["title"] = [_("Give the course a title.")]
    elif len(title) > 200:
        errors["title"] = [_("Keep the title under 200 characters.")]
    elif (
        Course.objects.for_tenant(tenant)
        .filter(title__iexact=title)
        .exclude(pk=getattr(course, "pk", None))
        .exists()
    ):
        errors["title"] = [_("Another course already has this title.")]
    is_certification = merged.get("is_certification") in (True, "true", "on", "1", 1)
    cleaned = {
        "title": title,
        "summary": str(merged.get("summary") or "").strip(),
        "is_certification": is_certification,
        "estimated_minutes": _integer(errors, merged, "estimated_minutes", low=1, high=10000),
        "pass_mark_percent": _integer(errors, merged, "pass_mark_percent", low=1, high=100),
        "max_attempts": _integer(errors, merged, "max_attempts", low=1, high=50),
        "validity_months": _integer(
            errors, merged, "validity_months", low=1, high=120, required=is_certification
        ),
    }
    if errors:
        raise ValidationFailed(_("Correct the course's fields."), errors=errors)
    return cleaned


def create_course(*, tenant, actor: Membership, data: dict[str, Any]) -> Course:
    """A new draft course."""
    with transaction.atomic():
        course = Course.objects.create(tenant=tenant, **_clean_course(tenant, data, None))
        record(tenant=tenant, actor=_user(actor), action="course.created", obj=course)
        emit(tenant=tenant, name="course.created", obj=course, payload={"course_id": course.pk})
    return course


def _course_for_update(tenant, course_id) -> Course:
    course = Course.objects.for_tenant(tenant).select_for_update().filter(pk=course_id).first()
    if course is None:
        raise NotFound(_("No such course."))
    return course


def update_course(*, tenant, actor: Membership, course_id: int, data: dict[str, Any]) -> Course:
    """Change a course's fields (a partial `data` keeps the others)."""
    with transaction.atomic():
        course = _course_for_update(tenant, course_id)
        cleaned = _clean_course(tenant, data, course)
        before = {field: getattr(course, field) for field in cleaned}
        for field, value in cleaned.items():
            setattr(course, field, value)
        course.save()
        changes = {f: [before[f], v] for f, v in cleaned.items() if before[f] != v}
        record(
            tenant=tenant, actor=_user(actor), action="course.updated", obj=course, changes=changes
        )
    return course


def _check_quiz(course: Course) -> None:
    for question in course.questions.prefetch_related("choices"):
        if not any(choice.is_correct for choice in question.choices.all()):
            raise Conflict(
                _("The question “%(question)s” has no correct choice; fix it first.")
                % {"question": str(question)}
            )


def set_course_status(*, tenant, actor: Membership, course_id: int, status: str) -> Course:
    """Publish (partners then see it) or return to draft. A course needs a module to be
    published."""
    if status not in CourseStatus.values:
        raise ValidationFailed(_("Choose draft or published."), field="status")
    with transaction.atomic():
        course = _course_for_update(tenant, course_id)
        if course.status == status:
            return course
        if status == CourseStatus.PUBLISHED:
            if not course.modules.exists():
                raise Conflict(_("Add at least one module before publishing the course."))
            _check_quiz(course)
            course.published_at = timezone.now()
        course.status = status
        course.save(update_fields=["status", "published_at", "updated_at"])
        record(
            tenant=tenant,
            actor=_user(actor),
            action=f"course.{'published' if status == CourseStatus.PUBLISHED else 'unpublished'}",
            obj=course,
        )
        emit(
            tenant=tenant,
            name=f"course.{'published' if status == CourseStatus.PUBLISHED else 'unpublished'}",
            obj=course,
            payload={"course_id": course.pk},
        )
    return course


# --- modules -------------------------------------------------------------------------------


def _apply_module_fields(module: Module, data: dict[str, Any], upload) -> None:
    errors: dict[str, list[str]] = {}
    if "title" in data or not module.title:
        title = str(data.get("title") or "").strip()
        if not title:
            errors["title"] = [_("Give the module a title.")]
        elif len(title) > 200:
            errors["title"] = [_("Keep the title under 200 characters.")]
        module.title = title
    if "body_html" in data:
        module.body_html = sanitise_html(str(data.get("body_html") or ""))
    if "video_url" in data:
        url = str(data.get("video_url") or "").strip()
        try:
            module.video_embed_url = video_embed_url(url) if url else ""
            module.video_url = url
        except ValidationFailed as error:
            errors["video_url"] = [error.message]
    if errors:
        raise ValidationFailed(_("Correct the module's fields."), errors=errors)
    if upload is not None:
        validate_attachment(upload, field="file")
        module.file_name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:200]
        module.file.save(module.file_name, upload, save=False)
    elif data.get("remove_file") in (True, "true", "on", "1"):
        module.file = ""  # type: ignore[assignment]
        module.file_name = ""
    if not (module.body_html or module.video_embed_url or module.file):
        raise ValidationFailed(_("A module needs some text, a video or a file."), field="body_html")


def add_module(
    *, tenant, actor: Membership, course_id: int, data: dict[str, Any], upload=None
) -> Module:
    """Append a module to a course (text sanitised, video link checked, file validated)."""
    with transaction.atomic():
        course = _course_for_update(tenant, course_id)
        last = course.modules.aggregate(last=Max("position"))["last"]
        module = Module(tenant=tenant, course=course, position=(last or 0) + 1)
        _apply_module_fields(module, {"title": "", **data}, upload)
        module.save()
        record(tenant=tenant, actor=_user(actor), action="course.module_added", obj=module)
    return module


def _module_for_update(tenant, module_id) -> Module:
    module = (
        Module.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("course")
        .filter(pk=module_id)
        .first()
    )
    if module is None:
        raise NotFound(_("No such module."))
    return module


def update_module(
    *, tenant, actor: Membership, module_id: int, data: dict[str, Any], upload=None
) -> Module:
    with transaction.atomic():
        module = _module_for_update(tenant, module_id)
        _apply_module_fields(module, data, upload)
        module.save()
        record(tenant=tenant, actor=_user(actor), action="course.module_updated", obj=module)
    return module


def delete_module(*, tenant, actor: Membership, module_id: int) -> None:
    """Remove a module; a published course keeps at least one."""
    with transaction.atomic():
        module = _module_for_update(tenant, module_id)
        course = module.course
        if course.is_published and course.modules.count() == 1:
            raise Conflict(_("A published course needs a module: unpublish it first."))
        record(tenant=tenant, actor=_user(actor), action="course.module_removed", obj=module)
        module.delete()


def move_module(*, tenant, actor: Membership, module_id: int, direction: str) -> Module:
    """Swap a module with its neighbour ("up" or "down"); positions are renumbered 1..n."""
    if direction not in ("up", "down"):
        raise ValidationFailed(_("Move a module up or down."), field="direction")
    with transaction.atomic():
        module = _module_for_update(tenant, module_id)
        ordered = list(
            Module.objects.for_tenant(tenant)
            .select_for_update()
            .filter(course_id=module.course_id)
            .order_by("position", "id")
        )
        index = next(i for i, item in enumerate(ordered) if item.pk == module.pk)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered, start=1):
            item.position = position
        Module.objects.for_tenant(tenant).bulk_update(ordered, ["position"])
        record(
            tenant=tenant,
            actor=_user(actor),
            action="course.module_moved",
            obj=module,
            changes={"direction": direction},
        )
    return next(item for item in ordered if item.pk == module.pk)


# --- quiz questions ------------------------------------------------------------------------


def _clean_question(data: dict[str, Any]) -> tuple[str, str, list[tuple[str, bool]]]:
    errors: dict[str, list[str]] = {}
    text = str(data.get("text") or "").strip()
    if not text:
        errors["text"] = [_("Write the question.")]
    kind = data.get("kind") or QuestionKind.SINGLE
    if kind not in QuestionKind.values:
        errors["kind"] = [_("Choose single or multiple choice.")]
    choices = []
    for item in data.get("choices") or []:
        choice_text = str(item.get("text") or "").strip()
        if choice_text:
            choices.append((choice_text[:300], bool(item.get("is_correct"))))
    correct = sum(1 for _text, is_correct in choices if is_correct)
    if len(choices) < 2:
        errors["choices"] = [_("Give at least two choices.")]
    elif len(choices) > MAX_CHOICES:
        errors["choices"] = [_("Give at most %(n)s choices.") % {"n": MAX_CHOICES}]
    elif correct == 0:
        errors["choices"] = [_("Mark at least one choice as correct.")]
    elif kind == QuestionKind.SINGLE and correct > 1:
        errors["choices"] = [
            _("A single-choice question has exactly one correct choice; make it multiple choice.")
        ]
    if errors:
        raise ValidationFailed(_("Correct the question."), errors=errors)
    return text, kind, choices


def _write_choices(tenant, question: Question, choices) -> None:
    question.choices.all().delete()
    Choice.objects.for_tenant(tenant).bulk_create(
        [
            Choice(tenant=tenant, question=question, position=i, text=text, is_correct=correct)
            for i, (text, correct) in enumerate(choices, start=1)
        ]
    )


def _refuse_if_attempted(course: Course) -> None:
    # Changing a quiz people have answered would make their recorded scores meaningless.
    if QuizAttempt.objects.for_tenant(course.tenant).filter(enrolment__course=course).exists():
        raise Conflict(
            _("People have already taken this quiz; create a new course version to change it.")
        )


def add_question(*, tenant, actor: Membership, course_id: int, data: dict[str, Any]) -> Question:
    """Add a quiz question with its choices (at least one correct)."""
    text, kind, choices = _clean_question(data)
    with transaction.atomic():
        course = _course_for_update(tenant, course_id)
        _refuse_if_attempted(course)
        last = course.questions.aggregate(last=Max("position"))["last"]
        question = Question.objects.create(
            tenant=tenant, course=course, text=text, kind=kind, position=(last or 0) + 1
        )
        _write_choices(tenant, question, choices)
        record(tenant=tenant, actor=_user(actor), action="course.question_added", obj=question)
    return question


def _question_for_update(tenant, question_id) -> Question:
    question = (
        Question.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("course")
        .filter(pk=question_id)
        .first()
    )
    if question is None:
        raise NotFound(_("No such question."))
    return question


def update_question(
    *, tenant, actor: Membership, question_id: int, data: dict[str, Any]
) -> Question:
    text, kind, choices = _clean_question(data)
    with transaction.atomic():
        question = _question_for_update(tenant, question_id)
        _refuse_if_attempted(question.course)
        question.text, question.kind = text, kind
        question.save(update_fields=["text", "kind"])
        _write_choices(tenant, question, choices)
        record(tenant=tenant, actor=_user(actor), action="course.question_updated", obj=question)
    return question


def delete_question(*, tenant, actor: Membership, question_id: int) -> None:
    with transaction.atomic():
        question = _question_for_update(tenant, question_id)
        _refuse_if_attempted(question.course)
        record(tenant=tenant, actor=_user(actor), action="course.question_removed", obj=question)
        question.delete()


# --- learning paths ------------------------------------------------------------------------


def _clean_path(tenant, data: dict[str, Any], path: LearningPath | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Give the path a name.")]
    elif (
        LearningPath.objects.for_tenant(tenant)
        .filter(name__iexact=name)
        .exclude(pk=getattr(path, "pk", None))
        .exists()
    ):
        errors["name"] = [_("Another learning path already has this name.")]
    partner_type = data.get("partner_type") or ""
    if partner_type and partner_type not in PartnerType.values:
        errors["partner_type"] = [_("Choose a partner type, or leave it empty for every type.")]
    role = data.get("role") or ""
    if role and role not in PARTNER_ROLES:
        errors["role"] = [_("Choose a partner role, or leave it empty for every role.")]
    course_ids = []
    for value in data.get("course_ids") or []:
        try:
            course_ids.append(int(value))
        except (TypeError, ValueError):
            errors["course_ids"] = [_("Courses are given by their ids.")]
    if len(set(course_ids)) != len(course_ids):
        errors["course_ids"] = [_("A course appears once in a path.")]
    known = set(
        Course.objects.for_tenant(tenant).filter(pk__in=course_ids).values_list("pk", flat=True)
    )
    if set(course_ids) - known:
        errors["course_ids"] = [_("One of the courses does not exist in this program.")]
    if errors:
        raise ValidationFailed(_("Correct the learning path."), errors=errors)
    return {
        "name": name[:200],
        "description": str(data.get("description") or "").strip(),
        "partner_type": partner_type,
        "role": role,
        "course_ids": course_ids,
    }


def _write_steps(tenant, path: LearningPath, course_ids: list[int]) -> None:
    path.steps.all().delete()
    PathCourse.objects.for_tenant(tenant).bulk_create(
        [
            PathCourse(tenant=tenant, path=path, course_id=course_id, position=position)
            for position, course_id in enumerate(course_ids, start=1)
        ]
    )


def save_learning_path(
    *, tenant, actor: Membership, data: dict[str, Any], path_id: int | None = None
) -> LearningPath:
    """Create or replace a learning path: name, audience (partner type, role) and its
    ordered `course_ids`."""
    with transaction.atomic():
        path = None
        if path_id is not None:
            path = (
                LearningPath.objects.for_tenant(tenant)
                .select_for_update()
                .filter(pk=path_id)
                .first()
            )
            if path is None:
                raise NotFound(_("No such learning path."))
        cleaned = _clean_path(tenant, data, path)
        course_ids = cleaned.pop("course_ids")
        if path is None:
            path = LearningPath.objects.create(tenant=tenant, **cleaned)
            action = "learning_path.created"
        else:
            for field, value in cleaned.items():
                setattr(path, field, value)
            path.save()
            action = "learning_path.updated"
        _write_steps(tenant, path, course_ids)
        record(
            tenant=tenant,
            actor=_user(actor),
            action=action,
            obj=path,
            changes={"course_ids": course_ids},
        )
    return path


def delete_learning_path(*, tenant, actor: Membership, path_id: int) -> None:
    with transaction.atomic():
        path = LearningPath.objects.for_tenant(tenant).filter(pk=path_id).first()
        if path is None:
            raise NotFound(_("No such learning path."))
        record(tenant=tenant, actor=_user(actor), action="learning_path.deleted", obj=path)
        path.delete()


# --- learning ------------------------------------------------------------------------------


def _learner(actor: Membership) -> Membership:
    if not actor.is_partner_member or not actor.is_active:
        raise NotAllowed(_("Courses are taken by people of partner organisations."))
    return actor


def _published_course(tenant, course_id) -> Course:
    course = (
        Course.objects.for_tenant(tenant)
        .filter(pk=course_id, status=CourseStatus.PUBLISHED)
        .first()
    )
    if course is None:
        raise NotFound(_("No such course."))
    return course


def enrol(*, tenant, actor: Membership, course_id: int) -> Enrolment:
    """Enrol the member in a published course; enrolling twice returns the same enrolment."""
    learner = _learner(actor)
    with transaction.atomic():
        course = _published_course(tenant, course_id)
        enrolment, created = Enrolment.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, membership=learner, course=course
        )
        if created:
            record(tenant=tenant, actor=_user(actor), action="course.enrolled", obj=enrolment)
            emit(
                tenant=tenant,
                name="course.enrolled",
                obj=enrolment,
                payload=_payload(enrolment),
            )
    return enrolment


def _payload(enrolment: Enrolment, **extra) -> dict[str, Any]:
    return {
        "enrolment_id": enrolment.pk,
        "course_id": enrolment.course_id,
        "membership_id": enrolment.membership_id,
        "partner_id": enrolment.membership.partner_organisation_id,
        **extra,
    }


def _locked_enrolment(tenant, learner: Membership, course: Course) -> Enrolment:
    """The member's enrolment (created when missing), locked until the transaction ends so
    two submissions of one person are graded one after the other."""
    Enrolment.objects.for_tenant(tenant).get_or_create(
        tenant=tenant, membership=learner, course=course
    )
    return (
        Enrolment.objects.for_tenant(tenant)
        .select_for_update()
        .get(membership=learner, course=course)
    )


def _modules_done(enrolment: Enrolment) -> bool:
    module_ids = set(enrolment.course.modules.values_list("pk", flat=True))
    done = set(enrolment.completions.values_list("module_id", flat=True))
    return module_ids <= done


def _has_quiz(course: Course) -> bool:
    return course.questions.exists()


def _passed_this_cycle(enrolment: Enrolment) -> bool:
    return enrolment.attempts.filter(submitted_at__gte=enrolment.started_at, passed=True).exists()


def _complete(tenant, actor: Membership, enrolment: Enrolment) -> Certification | None:
    """Mark the enrolment completed; a certification course issues its certification."""
    now = timezone.now()
    enrolment.completed_at = now
    enrolment.save(update_fields=["completed_at"])
    record(tenant=tenant, actor=_user(actor), action="course.completed", obj=enrolment)
    emit(tenant=tenant, name="course.completed", obj=enrolment, payload=_payload(enrolment))
    course = enrolment.course
    if not course.is_certification or course.validity_months is None:
        return None
    membership = enrolment.membership
    issued_on = timezone.localdate(now)
    certification = Certification.objects.create(
        tenant=tenant,
        membership=membership,
        partner_id=membership.partner_organisation_id,
        course=course,
        enrolment=enrolment,
        holder_name=membership.user.get_full_name(),
        issued_on=issued_on,
        expires_on=add_months(issued_on, course.validity_months),
    )
    record(tenant=tenant, actor=_user(actor), action="certification.earned", obj=certification)
    emit(
        tenant=tenant,
        name="certification.earned",
        obj=certification,
        payload=_payload(
            enrolment,
            certification_id=certification.pk,
            code=certification.code,
            expires_on=certification.expires_on.isoformat(),
        ),
    )
    return certification


def _maybe_complete(tenant, actor, enrolment: Enrolment) -> None:
    if (
        enrolment.completed_at is None
        and _modules_done(enrolment)
        and (not _has_quiz(enrolment.course) or _passed_this_cycle(enrolment))
    ):
        _complete(tenant, actor, enrolment)


def complete_module(*, tenant, actor: Membership, module_id: int) -> Enrolment:
    """Mark a module of a published course done (enrolling when needed). The last module of a
    course without a quiz completes the course."""
    learner = _learner(actor)
    with transaction.atomic():
        module = (
            Module.objects.for_tenant(tenant)
            .filter(pk=module_id, course__status=CourseStatus.PUBLISHED)
            .select_related("course")
            .first()
        )
        if module is None:
            raise NotFound(_("No such module."))
        enrolment = _locked_enrolment(tenant, learner, module.course)
        _completion, created = ModuleCompletion.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, enrolment=enrolment, module=module
        )
        if created:
            record(
                tenant=tenant,
                actor=_user(actor),
                action="course.module_completed",
                obj=enrolment,
                changes={"module": module.pk},
            )
        _maybe_complete(tenant, actor, enrolment)
    return enrolment


def attempts_left(enrolment: Enrolment) -> int:
    used = enrolment.attempts.filter(submitted_at__gte=enrolment.started_at).count()
    return max(0, enrolment.course.max_attempts - used)


def _grade(course: Course, answers: dict[Any, Any]) -> tuple[int, dict[str, list[int]]]:
    questions = list(course.questions.prefetch_related("choices"))
    errors: list[str] = []
    given: dict[str, list[int]] = {}
    correct_count = 0
    for number, question in enumerate(questions, start=1):
        raw = answers.get(question.pk, answers.get(str(question.pk)))
        values = raw if isinstance(raw, (list, tuple)) else ([] if raw in (None, "") else [raw])
        try:
            selected = {int(value) for value in values}
        except (TypeError, ValueError):
            selected = {-1}
        choices = {choice.pk: choice for choice in question.choices.all()}
        if not selected:
            errors.append(_("Answer question %(n)s.") % {"n": number})
            continue
        if not selected <= set(choices):
            errors.append(_("Question %(n)s: choose among its choices.") % {"n": number})
            continue
        if question.kind == QuestionKind.SINGLE and len(selected) > 1:
            errors.append(_("Question %(n)s takes one answer.") % {"n": number})
            continue
        given[str(question.pk)] = sorted(selected)
        if selected == {pk for pk, choice in choices.items() if choice.is_correct}:
            correct_count += 1
    if errors:
        raise ValidationFailed(" ".join(errors), field="answers")
    score = Decimal(100 * correct_count) / Decimal(len(questions))
    return int(score.quantize(Decimal("1"), rounding=ROUND_HALF_UP)), given


def submit_quiz(
    *, tenant, actor: Membership, course_id: int, answers: dict[Any, Any]
) -> QuizAttempt:
    """Grade a quiz attempt on the server ({question id: [choice ids]}). Passing it (with
    every module done) completes the course. Beyond the attempt limit: Conflict (409)."""
    learner = _learner(actor)
    if not isinstance(answers, dict):
        raise ValidationFailed(
            _("Send the answers as {question id: [choice ids]}."), field="answers"
        )
    with transaction.atomic():
        course = _published_course(tenant, course_id)
        if not _has_quiz(course):
            raise Conflict(_("This course has no quiz."))
        enrolment = _locked_enrolment(tenant, learner, course)
        if enrolment.completed_at is not None:
            raise Conflict(_("You have already completed this course."))
        if not _modules_done(enrolment):
            raise Conflict(_("Complete every module of the course before taking the quiz."))
        if attempts_left(enrolment) == 0:
            raise Conflict(
                _(
                    "You have used all %(n)s attempts at this quiz. Ask your channel manager "
                    "for help."
                )
                % {"n": course.max_attempts}
            )
        score, given = _grade(course, answers)
        attempt = QuizAttempt.objects.create(
            tenant=tenant,
            enrolment=enrolment,
            score_percent=score,
            passed=score >= course.pass_mark_percent,
            answers=given,
        )
        record(
            tenant=tenant,
            actor=_user(actor),
            action="course.quiz_submitted",
            obj=enrolment,
            changes={"score_percent": score, "passed": attempt.passed},
        )
        if attempt.passed:
            _complete(tenant, actor, enrolment)
    return attempt


def restart_course(*, tenant, actor: Membership, course_id: int) -> Enrolment:
    """Recertify: once the member's certification of a course has expired, start a new
    cycle (modules and quiz again, fresh attempts); passing issues a new certification."""
    learner = _learner(actor)
    with transaction.atomic():
        course = _published_course(tenant, course_id)
        enrolment = (
            Enrolment.objects.for_tenant(tenant)
            .select_for_update()
            .filter(membership=learner, course=course)
            .first()
        )
        if enrolment is None or enrolment.completed_at is None:
            raise Conflict(_("Finish the course first; there is nothing to restart."))
        current = (
            Certification.objects.for_tenant(tenant)
            .filter(membership=learner, course=course, expires_on__gte=timezone.localdate())
            .exists()
        )
        if not course.is_certification or current:
            raise Conflict(_("Your certification is still valid; restart once it has expired."))
        enrolment.completions.all().delete()
        enrolment.started_at = timezone.now()
        enrolment.completed_at = None
        enrolment.save(update_fields=["started_at", "completed_at"])
        record(tenant=tenant, actor=_user(actor), action="course.restarted", obj=enrolment)
    return enrolment
