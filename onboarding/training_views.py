"""Training pages. Staff: courses, the course editor (modules, quiz), learning paths and the
completion report. Partners: My learning, the course player, the quiz and My certificates.
Anyone: the public certificate verification page. Views parse, call
onboarding.training_selectors or onboarding.training_services, and render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

from ecosystem.errors import DomainError
from ecosystem.pdf import render_pdf
from ecosystem.permissions import requires
from ecosystem.portal.forms import add_domain_error
from ecosystem.tenancy.roles import Role, has_capability

from . import training_selectors as selectors
from . import training_services as services
from .models.training import CourseStatus
from .training_forms import CourseFilterForm, CourseForm, LearningPathForm, ModuleForm, QuestionForm

PER_PAGE = 25
# The player embeds videos only from the two hosts services.video_embed_url produces.
PLAYER_CSP: dict[str, Any] = {
    **settings.SECURE_CSP,
    "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
}


def _error_text(error: DomainError) -> str:
    if error.message and not getattr(error, "errors", None):
        return error.message
    per_field = getattr(error, "errors", None) or {}
    return " ".join(message for messages_ in per_field.values() for message in messages_)


def _page(request, rows):
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))


def _or_404(value):
    if value is None:
        raise Http404
    return value


# --- staff: courses --------------------------------------------------------------------------


@requires("training.report")
def course_list(request):
    form = CourseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    courses = selectors.course_list(
        tenant=request.tenant, membership=request.membership, filters=filters
    )
    return render(
        request,
        "onboarding/training/courses.html",
        {
            "form": form,
            "page": _page(request, courses),
            "base_url": reverse("training:courses"),
            "is_filtered": any(filters.values()),
            "can_manage": has_capability(request.membership.role, "training.manage"),
        },
    )


@requires("training.manage")
def course_create(request):
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.create_course(
                tenant=request.tenant, actor=request.membership, data=form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Course created. Add its modules next."))
            return redirect("training:course_edit", course.pk)
    return render(request, "onboarding/training/course_form.html", {"form": form})


@requires("training.manage")
def course_edit(request, pk):
    course = _or_404(selectors.course_for_editor(tenant=request.tenant, pk=pk))
    initial = {field: getattr(course, field) for field in services.COURSE_FIELDS}
    form = CourseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_course(
                tenant=request.tenant,
                actor=request.membership,
                course_id=course.pk,
                data=form.cleaned_data,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Course saved."))
            return redirect("training:course_edit", course.pk)
    return render(
        request,
        "onboarding/training/course_edit.html",
        {"course": course, "form": form, "module_form": ModuleForm()},
    )


@requires("training.manage")
@require_POST
def course_status(request, pk):
    course = _or_404(selectors.course_for_editor(tenant=request.tenant, pk=pk))
    try:
        services.set_course_status(
            tenant=request.tenant,
            actor=request.membership,
            course_id=course.pk,
            status=request.POST.get("status", ""),
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("Published: partners can now take it.")
            if request.POST.get("status") == CourseStatus.PUBLISHED
            else _("Back to draft: partners no longer see it."),
        )
    return redirect("training:course_edit", course.pk)


@requires("training.manage")
def module_add(request, pk):
    course = _or_404(selectors.course_for_editor(tenant=request.tenant, pk=pk))
    form = ModuleForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_module(
                tenant=request.tenant,
                actor=request.membership,
                course_id=course.pk,
                data=form.cleaned_data,
                upload=form.cleaned_data.get("file"),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Module added."))
            return redirect("training:course_edit", course.pk)
    return render(
        request,
        "onboarding/training/module_form.html",
        {"course": course, "form": form, "module": None},
        status=400 if form.errors else 200,
    )


@requires("training.manage")
def module_edit(request, pk):
    module = _or_404(selectors.module_for_editor(tenant=request.tenant, pk=pk))
    initial = {"title": module.title, "body_html": module.body_html, "video_url": module.video_url}
    form = ModuleForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_module(
                tenant=request.tenant,
                actor=request.membership,
                module_id=module.pk,
                data=form.cleaned_data,
                upload=form.cleaned_data.get("file"),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Module saved."))
            return redirect("training:course_edit", module.course_id)
    return render(
        request,
        "onboarding/training/module_form.html",
        {"course": module.course, "form": form, "module": module},
        status=400 if form.errors else 200,
    )


@requires("training.manage")
@require_POST
def module_move(request, pk):
    module = _or_404(selectors.module_for_editor(tenant=request.tenant, pk=pk))
    try:
        services.move_module(
            tenant=request.tenant,
            actor=request.membership,
            module_id=module.pk,
            direction=request.POST.get("direction", ""),
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
    return redirect(reverse("training:course_edit", args=[module.course_id]) + "#modules")


@requires("training.manage")
@require_POST
def module_delete(request, pk):
    module = _or_404(selectors.module_for_editor(tenant=request.tenant, pk=pk))
    try:
        services.delete_module(tenant=request.tenant, actor=request.membership, module_id=module.pk)
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Module removed."))
    return redirect(reverse("training:course_edit", args=[module.course_id]) + "#modules")


@requires("training.manage")
def question_add(request, pk):
    course = _or_404(selectors.course_for_editor(tenant=request.tenant, pk=pk))
    return _question_form(request, course=course, question=None)


@requires("training.manage")
def question_edit(request, pk):
    question = _or_404(selectors.question_for_editor(tenant=request.tenant, pk=pk))
    return _question_form(request, course=question.course, question=question)


def _question_form(request, *, course, question):
    form = QuestionForm(request.POST or None, question=question)
    if request.method == "POST" and form.is_valid():
        try:
            if question is None:
                services.add_question(
                    tenant=request.tenant,
                    actor=request.membership,
                    course_id=course.pk,
                    data=form.service_data(),
                )
            else:
                services.update_question(
                    tenant=request.tenant,
                    actor=request.membership,
                    question_id=question.pk,
                    data=form.service_data(),
                )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Question saved."))
            return redirect(reverse("training:course_edit", args=[course.pk]) + "#quiz")
    return render(
        request,
        "onboarding/training/question_form.html",
        {"course": course, "form": form, "question": question},
        status=400 if form.errors else 200,
    )


@requires("training.manage")
@require_POST
def question_delete(request, pk):
    question = _or_404(selectors.question_for_editor(tenant=request.tenant, pk=pk))
    try:
        services.delete_question(
            tenant=request.tenant, actor=request.membership, question_id=question.pk
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Question removed."))
    return redirect(reverse("training:course_edit", args=[question.course_id]) + "#quiz")


# --- staff: learning paths and the report --------------------------------------------------


@requires("training.manage")
def path_list(request):
    paths = selectors.learning_paths(tenant=request.tenant)
    return render(
        request,
        "onboarding/training/paths.html",
        {"page": _page(request, paths), "base_url": reverse("training:paths")},
    )


@requires("training.manage")
def path_create(request):
    return _path_form(request, path=None)


@requires("training.manage")
def path_edit(request, pk):
    path = _or_404(selectors.learning_path(tenant=request.tenant, pk=pk))
    return _path_form(request, path=path)


def _path_form(request, *, path):
    courses = selectors.course_list(tenant=request.tenant, membership=request.membership)
    form = LearningPathForm(request.POST or None, courses=courses, path=path)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_learning_path(
                tenant=request.tenant,
                actor=request.membership,
                data=form.service_data(),
                path_id=path.pk if path else None,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Learning path saved."))
            return redirect("training:paths")
    return render(
        request,
        "onboarding/training/path_form.html",
        {"form": form, "path": path},
        status=400 if form.errors else 200,
    )


@requires("training.manage")
@require_POST
def path_delete(request, pk):
    path = _or_404(selectors.learning_path(tenant=request.tenant, pk=pk))
    services.delete_learning_path(tenant=request.tenant, actor=request.membership, path_id=path.pk)
    messages.success(request, _("Learning path deleted."))
    return redirect("training:paths")


@requires("training.report")
def report(request):
    courses = list(selectors.completions_per_course(tenant=request.tenant))
    partners = selectors.completions_per_partner(tenant=request.tenant)
    top = max([course.enrolled for course in courses] + [1])
    bars = [
        {
            "label": course.title,
            "value": course.completed,
            "percent": round(100 * course.completed / top),
        }
        for course in courses
    ]
    return render(
        request,
        "onboarding/training/report.html",
        {
            "courses": courses,
            "bars": bars,
            "page": _page(request, partners),
            "base_url": reverse("training:report"),
            "can_manage": has_capability(request.membership.role, "training.manage"),
            "totals": {
                "enrolled": sum(course.enrolled for course in courses),
                "completed": sum(course.completed for course in courses),
                "certified": sum(row["certified"] for row in partners),
            },
        },
    )


# --- partners: learning ----------------------------------------------------------------------


@requires("training.learn")
def my_learning(request):
    paths = selectors.paths_for_member(tenant=request.tenant, membership=request.membership)
    enrolments = list(selectors.my_enrolments(tenant=request.tenant, membership=request.membership))
    for enrolment in enrolments:
        enrolment.percent = selectors.progress_percent(enrolment)  # type: ignore[attr-defined]
    in_paths = {entry["course"].pk for path in paths for entry in path.entries}  # type: ignore[attr-defined]
    catalogue = selectors.course_list(tenant=request.tenant, membership=request.membership)
    return render(
        request,
        "onboarding/training/my_learning.html",
        {
            "paths": paths,
            "enrolments": enrolments,
            "other_courses": [
                course
                for course in catalogue
                if course.pk not in in_paths and course.pk not in {e.course_id for e in enrolments}
            ],
        },
    )


def _learner_course(request, pk):
    return _or_404(selectors.course_for_learner(tenant=request.tenant, pk=pk))


@requires("training.learn")
@csp_override(PLAYER_CSP)
def course_player(request, pk):
    """The course, one module at a time (?module=<id>). Opening it enrols the member."""
    course = _learner_course(request, pk)
    services.enrol(tenant=request.tenant, actor=request.membership, course_id=course.pk)
    enrolment = selectors.enrolment_of(
        tenant=request.tenant, membership=request.membership, course=course
    )
    assert enrolment is not None
    modules = list(course.modules.all())
    done = {completion.module_id for completion in enrolment.completions.all()}
    requested = request.GET.get("module")
    current = next((m for m in modules if str(m.pk) == requested), None)
    if current is None:
        current = next((m for m in modules if m.pk not in done), modules[0] if modules else None)
    index = modules.index(current) if current else 0
    attempts = selectors.attempts_this_cycle(tenant=request.tenant, enrolment=enrolment)
    certification = selectors.latest_certification(
        tenant=request.tenant, membership=request.membership, course=course
    )
    return render(
        request,
        "onboarding/training/player.html",
        {
            "course": course,
            "enrolment": enrolment,
            "modules": [{"module": m, "is_done": m.pk in done} for m in modules],
            "current": current,
            "current_done": current is not None and current.pk in done,
            "previous": modules[index - 1] if current and index > 0 else None,
            "next": modules[index + 1] if current and index + 1 < len(modules) else None,
            "all_done": set(m.pk for m in modules) <= done,
            "percent": round(100 * len(done) / len(modules)) if modules else 0,
            "has_quiz": course.question_count > 0,
            "attempts": attempts,
            "attempts_left": max(0, course.max_attempts - len(attempts)),
            "certification": certification,
        },
    )


@requires("training.learn")
@require_POST
def module_complete(request, pk):
    module = _or_404(selectors.module_for_learner(tenant=request.tenant, pk=pk))
    try:
        enrolment = services.complete_module(
            tenant=request.tenant, actor=request.membership, module_id=module.pk
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
        return redirect("training:player", module.course_id)
    if enrolment.completed_at is not None:
        messages.success(request, _("Course completed. Well done!"))
        return redirect("training:player", module.course_id)
    following = request.POST.get("next")
    url = reverse("training:player", args=[module.course_id])
    return redirect(f"{url}?module={int(following)}" if (following or "").isdigit() else url)


@requires("training.learn")
@require_POST
def course_restart(request, pk):
    course = _learner_course(request, pk)
    try:
        services.restart_course(
            tenant=request.tenant, actor=request.membership, course_id=course.pk
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("A new round has started: complete the course to recertify."))
    return redirect("training:player", course.pk)


@requires("training.view")
def module_file(request, pk):
    """A module's file as a download (staff: any course; partners: published courses)."""
    module = _or_404(
        selectors.module_file_for(tenant=request.tenant, membership=request.membership, pk=pk)
    )
    response = FileResponse(
        module.file.open("rb"),
        as_attachment=True,
        filename=module.file_name or module.file.name.rsplit("/", 1)[-1],
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@requires("training.learn")
def quiz(request, pk):
    course = _learner_course(request, pk)
    questions = selectors.quiz_questions(tenant=request.tenant, course=course)
    if not questions:
        raise Http404
    enrolment = selectors.enrolment_of(
        tenant=request.tenant, membership=request.membership, course=course
    )
    status = 200
    for question in questions:
        # What the member ticked, to keep it on the page after a refused submission.
        question.chosen = request.POST.getlist(f"question_{question.pk}")  # type: ignore[attr-defined]
    if request.method == "POST":
        answers = {question.pk: question.chosen for question in questions}  # type: ignore[attr-defined]
        try:
            attempt = services.submit_quiz(
                tenant=request.tenant,
                actor=request.membership,
                course_id=course.pk,
                answers=answers,
            )
        except DomainError as error:
            messages.error(request, _error_text(error))
            status = error.status_code
        else:
            if attempt.passed:
                messages.success(
                    request,
                    _("You passed with %(score)s%%.") % {"score": attempt.score_percent},
                )
                return redirect("training:player", course.pk)
            messages.warning(
                request,
                _("You scored %(score)s%%; the pass mark is %(mark)s%%.")
                % {"score": attempt.score_percent, "mark": course.pass_mark_percent},
            )
        enrolment = selectors.enrolment_of(
            tenant=request.tenant, membership=request.membership, course=course
        )
    attempts = selectors.attempts_this_cycle(tenant=request.tenant, enrolment=enrolment)
    return render(
        request,
        "onboarding/training/quiz.html",
        {
            "course": course,
            "questions": questions,
            "enrolment": enrolment,
            "attempts": attempts,
            "attempts_left": max(0, course.max_attempts - len(attempts)),
        },
        status=status,
    )


@requires("training.learn")
def my_certificates(request):
    mine = selectors.certifications_visible_to(
        tenant=request.tenant,
        membership=request.membership,
        filters={"person": request.membership.pk},
    )
    team = None
    if request.membership.role == Role.PARTNER_ADMIN:
        team = selectors.certifications_visible_to(
            tenant=request.tenant, membership=request.membership
        ).exclude(membership=request.membership)
    return render(
        request,
        "onboarding/training/certificates.html",
        {
            "page": _page(request, mine),
            "base_url": reverse("training:certificates"),
            "team": list(team[:200]) if team is not None else None,
        },
    )


def certificate_context(certification) -> dict:
    tenant = certification.tenant
    return {
        "certification": certification,
        "tenant": tenant,
        "verify_url": tenant.absolute_url(reverse("certificate_verify", args=[certification.code])),
    }


@requires("training.view")
def certificate_pdf(request, pk):
    """The certificate as an A4 landscape PDF: for its holder, their partner's
    administrators and staff."""
    certification = _or_404(
        selectors.certification_for_download(
            tenant=request.tenant, membership=request.membership, pk=pk
        )
    )
    pdf = render_pdf("onboarding/training/certificate_pdf.html", certificate_context(certification))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certification.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def certificate_verify(request, code):
    """Public (no sign-in): is this certificate genuine and still valid? Shows only the
    holder's name, the course, the program and the dates; an unknown code is a 404."""
    certification = _or_404(selectors.certification_by_code(tenant=request.tenant, code=code))
    response = render(request, "onboarding/training/verify.html", {"certification": certification})
    response["X-Robots-Tag"] = "noindex"
    return response
