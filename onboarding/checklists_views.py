"""Checklist pages: staff's overview of partners in onboarding (progress bars, sortable), the
templates and their editor; a partner's checklist with each task's next step, the partner
administrator's uploads and forms, and staff's confirm / waive / reopen. Views parse, call
onboarding.checklists_selectors or checklists_services, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.errors import DomainError
from ecosystem.permissions import requires
from ecosystem.portal.forms import add_domain_error
from ecosystem.tenancy.roles import has_capability

from . import checklists_forms_schema as form_schema
from . import checklists_selectors, checklists_services
from .checklists_api import file_response
from .checklists_forms import (
    BankingForm,
    NoteForm,
    ReasonForm,
    SortForm,
    StartForm,
    TaskFormSet,
    TemplateForm,
    UploadForm,
    task_initial,
)
from .models.checklists import ChecklistTask

PER_PAGE = 25


def _error_text(error: DomainError) -> str:
    if error.message:
        return error.message
    per_field = getattr(error, "errors", None) or {}
    return " ".join(message for messages_ in per_field.values() for message in messages_)


def _visible_task(request, pk) -> ChecklistTask:
    task = checklists_selectors.task_for(
        tenant=request.tenant, membership=request.membership, pk=pk
    )
    if task is None:
        raise Http404
    return task


# --- overview and checklist ------------------------------------------------------------------


@requires("checklists.view")
def overview(request):
    """Staff: every partner in onboarding with its progress. Partner people: their own
    organisation's checklist (or a note that there is none yet)."""
    membership = request.membership
    if not membership.is_staff_member:
        checklist = checklists_selectors.checklist_of_partner(
            tenant=request.tenant, partner_id=membership.partner_organisation_id
        )
        if checklist is not None:
            return redirect("checklists:detail", pk=checklist.pk)
        return render(request, "onboarding/checklists/none.html")
    sort_form = SortForm(request.GET or None)
    sort = sort_form.cleaned_data["sort"] if sort_form.is_valid() else "oldest"
    show_all = request.GET.get("all") == "1"
    page = Paginator(
        checklists_selectors.checklists(
            tenant=request.tenant,
            membership=membership,
            filters={} if show_all else {"onboarding": True},
            sort=sort or "oldest",
        ),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    program = checklists_selectors.program_completion(tenant=request.tenant)
    return render(
        request,
        "onboarding/checklists/overview.html",
        {
            "page": page,
            "sort": sort or "oldest",
            "show_all": show_all,
            "program": program,
            "average_time": checklists_selectors.average_time_to_onboard(tenant=request.tenant),
            "start_form": StartForm(tenant=request.tenant)
            if has_capability(membership.role, "checklists.manage")
            else None,
            "base_url": request.path,
        },
    )


@requires("checklists.view")
def detail(request, pk):
    checklist = checklists_selectors.checklist_detail(
        tenant=request.tenant, membership=request.membership, pk=pk
    )
    if checklist is None:
        raise Http404
    # Agreements signed and courses completed since the last look tick their tasks now.
    checklists_services.refresh_checklist(tenant=request.tenant, partner_id=checklist.partner_id)
    checklist = checklists_selectors.checklist_detail(
        tenant=request.tenant, membership=request.membership, pk=pk
    )
    tasks = list(checklist.tasks.all())
    for task in tasks:
        task.next_step = checklists_selectors.next_step(task)
        task.shown_values = [
            (form_schema.labels(task.form_schema).get(name, name), value)
            for name, value in task.masked_values.items()
        ]
    return render(
        request,
        "onboarding/checklists/detail.html",
        {
            "checklist": checklist,
            "tasks": tasks,
            "upload_form": UploadForm(),
            "banking_form": BankingForm(),
        },
    )


@requires("checklists.manage")
@require_POST
def start(request):
    form = StartForm(request.POST, tenant=request.tenant)
    if not form.is_valid():
        messages.error(request, _("Choose a partner that is onboarding without a checklist."))
        return redirect("checklists:overview")
    try:
        checklist = checklists_services.start_checklist(
            tenant=request.tenant,
            actor=request.membership,
            partner_id=form.cleaned_data["partner"].pk,
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
        return redirect("checklists:overview")
    assert checklist is not None
    messages.success(request, _("The checklist is started."))
    return redirect("checklists:detail", pk=checklist.pk)


# --- task actions ----------------------------------------------------------------------------


def _task_action(request, pk, form_class, call, success: str):
    """Run a task action from the checklist page: errors become a message, and the page is
    shown again either way."""
    task = _visible_task(request, pk)
    form = form_class(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise DomainError(
                " ".join(str(message) for errors in form.errors.values() for message in errors)
            )
        call(task, form.cleaned_data)
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success)
    return redirect("checklists:detail", pk=task.checklist_id)


@requires("checklists.submit")
@require_POST
def upload(request, pk):
    return _task_action(
        request,
        pk,
        UploadForm,
        lambda task, data: checklists_services.upload_document(
            tenant=request.tenant, actor=request.membership, task_id=task.pk, upload=data["file"]
        ),
        _("The document is uploaded."),
    )


@requires("checklists.submit")
@require_POST
def submit_form(request, pk):
    task = _visible_task(request, pk)
    try:
        checklists_services.submit_form(
            tenant=request.tenant, actor=request.membership, task_id=task.pk, data=request.POST
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Saved. The details are stored encrypted and shown masked."))
    return redirect("checklists:detail", pk=task.checklist_id)


@requires("checklists.manage")
@require_POST
def confirm(request, pk):
    return _task_action(
        request,
        pk,
        NoteForm,
        lambda task, data: checklists_services.confirm_task(
            tenant=request.tenant, actor=request.membership, task_id=task.pk, note=data["note"]
        ),
        _("The task is confirmed."),
    )


@requires("checklists.manage")
@require_POST
def waive(request, pk):
    return _task_action(
        request,
        pk,
        NoteForm,
        lambda task, data: checklists_services.waive_task(
            tenant=request.tenant, actor=request.membership, task_id=task.pk, reason=data["note"]
        ),
        _("The task is waived."),
    )


@requires("checklists.manage")
@require_POST
def reopen(request, pk):
    return _task_action(
        request,
        pk,
        ReasonForm,
        lambda task, data: checklists_services.reopen_task(
            tenant=request.tenant, actor=request.membership, task_id=task.pk, reason=data["reason"]
        ),
        _("The task is open again; the partner sees your reason."),
    )


@requires("checklists.view")
def task_file(request, pk):
    return file_response(_visible_task(request, pk))


# --- templates -------------------------------------------------------------------------------


@requires("checklists.manage")
def template_list(request):
    page = Paginator(checklists_selectors.templates(tenant=request.tenant), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "onboarding/checklists/templates.html", {"page": page, "base_url": request.path}
    )


def _template_form(request, template=None):
    initial = (
        {
            "name": template.name,
            "partner_type": template.partner_type,
            "region": template.region,
            "is_active": template.is_active,
        }
        if template
        else None
    )
    form = TemplateForm(request.POST or None, initial=initial)
    tasks = TaskFormSet(
        request.POST or None,
        prefix="tasks",
        initial=task_initial(checklists_services.template_task_data(template))
        if template
        else None,
        form_kwargs={"tenant": request.tenant},
    )
    if request.method == "POST" and form.is_valid() and tasks.is_valid():
        data = {
            **form.cleaned_data,
            "tasks": [
                task.service_data()
                for task in tasks.forms
                if task.cleaned_data.get("title") and not task.cleaned_data.get("DELETE")
            ],
        }
        try:
            if template is None:
                template = checklists_services.create_template(
                    tenant=request.tenant, actor=request.membership, data=data
                )
            else:
                checklists_services.update_template(
                    tenant=request.tenant,
                    actor=request.membership,
                    template_id=template.pk,
                    data=data,
                )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The checklist template is saved."))
            return redirect("checklists:template_edit", pk=template.pk)
    return render(
        request,
        "onboarding/checklists/template_form.html",
        {"form": form, "tasks": tasks, "template": template},
    )


@requires("checklists.manage")
def template_create(request):
    return _template_form(request)


@requires("checklists.manage")
def template_edit(request, pk):
    template = checklists_selectors.templates(tenant=request.tenant).filter(pk=pk).first()
    if template is None:
        raise Http404
    return _template_form(request, template)
