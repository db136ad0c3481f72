"""Onboarding checklists: templates per partner type (and region), each partner's checklist
started from one, the work done on its tasks, and activation once every required task is done.

Every write takes the tenant and the acting member (a Membership; None for the system, e.g.
the event listeners) explicitly, runs in one transaction and writes its audit entry (and its
outbox event when other areas care). A task's life:

    open ──upload / form / signed / course completed / staff confirm──▶ done
      │ (optional tasks only)                                             │
      └──────────── staff waive ──▶ waived ◀── staff reopen (reason) ──────┘──▶ open

When every required task is done the checklist completes (once): the partner moves from
`onboarding` to `active` through partners.services.change_partner_status and
`onboarding.completed` is emitted. A task reopened afterwards does not undo that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.audit.services import record
from ecosystem.errors import Conflict, NotAllowed, NotFound, TooLarge, ValidationFailed
from ecosystem.outbox.services import emit
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import has_capability
from ecosystem.uploads import ATTACHMENT_EXTENSIONS, validate_attachment
from partners import services as partner_services
from partners.models import PartnerOrganisation, PartnerStatus, PartnerType, Region

from . import checklists_forms_schema as form_schema
from . import contracts_selectors, training_selectors
from .models.checklists import (
    ChecklistTask,
    ChecklistTemplate,
    ChecklistTemplateTask,
    FormSchema,
    PartnerChecklist,
    TaskKind,
    TaskStatus,
)
from .models.contracts import AgreementTemplate
from .models.training import Course, CourseStatus

MAX_TASKS = 50
COPIED_FIELDS = (
    "position",
    "title",
    "instructions",
    "is_required",
    "kind",
    "accepted_extensions",
    "max_size_mb",
    "form_schema",
    "agreement_template_id",
    "course_id",
)


# --- checks and small helpers ----------------------------------------------------------------


def require_manager(actor: Membership | None) -> None:
    """Refuse (403) an actor without checklists.manage; None is the system and may."""
    if actor is not None and not has_capability(actor.role, "checklists.manage"):
        raise NotAllowed(_("Only program administrators and channel managers do this."))


def _user(actor: Membership | None):
    return actor.user if actor is not None else None


def max_upload_mb() -> int:
    return max(1, settings.ATTACHMENT_MAX_BYTES // (1024 * 1024))


def _locked_task(tenant, task_id) -> ChecklistTask:
    task = (
        ChecklistTask.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("checklist")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound(_("No such checklist task."))
    return task


def _payload(task: ChecklistTask, **extra) -> dict[str, Any]:
    return {
        "task_id": task.pk,
        "checklist_id": task.checklist_id,
        "partner_id": task.checklist.partner_id,
        "kind": task.kind,
        "status": task.status,
        **extra,
    }


# --- templates -------------------------------------------------------------------------------


def _as_id(value) -> int | None:
    value = getattr(value, "pk", value)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _clean_task(tenant, data: Mapping[str, Any], errors: dict[str, list[str]], prefix: str):
    """One task's values (errors go under `tasks[n].field`)."""

    def fail(field: str, message: str) -> None:
        errors.setdefault(f"{prefix}.{field}", []).append(message)

    values: dict[str, Any] = {
        "accepted_extensions": [],
        "max_size_mb": None,
        "form_schema": "",
        "agreement_template": None,
        "course": None,
    }
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        fail("title", _("Give the task a title."))
    elif len(title) > 200:
        fail("title", _("Use at most 200 characters."))
    values["title"] = title
    instructions = str(data.get("instructions") or "").strip()
    if len(instructions) > 5000:
        fail("instructions", _("Use at most 5000 characters."))
    values["instructions"] = instructions
    values["is_required"] = bool(data.get("is_required", True))
    kind = str(data.get("kind") or "")
    if kind not in TaskKind.values:
        fail("kind", _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(TaskKind.values)})
    values["kind"] = kind
    if kind == TaskKind.DOCUMENT_UPLOAD:
        raw = data.get("accepted_extensions") or []
        if isinstance(raw, str):
            raw = raw.split(",")
        extensions = sorted({str(e).strip().lower().lstrip(".") for e in raw if str(e).strip()})
        unknown = [e for e in extensions if e not in ATTACHMENT_EXTENSIONS]
        if not extensions:
            fail("accepted_extensions", _("List the file types accepted, e.g. pdf, png."))
        elif unknown:
            fail(
                "accepted_extensions",
                _("%(types)s cannot be accepted; choose from %(allowed)s.")
                % {
                    "types": ", ".join(unknown),
                    "allowed": ", ".join(sorted(ATTACHMENT_EXTENSIONS)),
                },
            )
        values["accepted_extensions"] = extensions
        try:
            size = int(data.get("max_size_mb"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            size = 0
        if not 1 <= size <= max_upload_mb():
            fail(
                "max_size_mb",
                _("Set the size limit in whole MB from 1 to %(max)s.") % {"max": max_upload_mb()},
            )
        values["max_size_mb"] = size
    elif kind == TaskKind.FORM:
        schema = str(data.get("form_schema") or "")
        if schema not in FormSchema.values:
            fail("form_schema", _("Choose the form to fill in: banking."))
        values["form_schema"] = schema
    elif kind == TaskKind.AGREEMENT:
        template_id = _as_id(data.get("agreement_template"))
        template = (
            AgreementTemplate.objects.for_tenant(tenant).filter(pk=template_id).first()
            if template_id
            else None
        )
        if template is None or not template.is_active:
            fail("agreement_template", _("Choose one of the program's active agreements."))
        values["agreement_template"] = template
    elif kind == TaskKind.TRAINING:
        course_id = _as_id(data.get("course"))
        course = (
            Course.objects.for_tenant(tenant).filter(pk=course_id).first() if course_id else None
        )
        if course is None or course.status != CourseStatus.PUBLISHED:
            fail("course", _("Choose one of the program's published courses."))
        values["course"] = course
    return values


def _clean_template(
    tenant, data: Mapping[str, Any], *, instance: ChecklistTemplate | None = None
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if "name" in data or instance is None:
        name = " ".join(str(data.get("name") or "").split())
        if not name:
            errors["name"] = [_("Give the checklist a name.")]
        elif len(name) > 200:
            errors["name"] = [_("Use at most 200 characters.")]
        values["name"] = name
    if "partner_type" in data or instance is None:
        partner_type = str(data.get("partner_type") or "")
        if partner_type not in PartnerType.values:
            errors["partner_type"] = [_("Choose the partner type this checklist is for.")]
        values["partner_type"] = partner_type
    if "region" in data or instance is None:
        region = str(data.get("region") or "")
        if region and region not in Region.values:
            errors["region"] = [_("Choose a region, or none for every region.")]
        values["region"] = region
    if "is_active" in data:
        values["is_active"] = bool(data["is_active"])
    if "tasks" in data or instance is None:
        tasks = data.get("tasks") or []
        if not isinstance(tasks, list | tuple) or not tasks:
            errors["tasks"] = [_("Add at least one task.")]
            tasks = []
        elif len(tasks) > MAX_TASKS:
            errors["tasks"] = [_("Use at most %(n)s tasks.") % {"n": MAX_TASKS}]
            tasks = []
        values["tasks"] = [
            _clean_task(tenant, task if isinstance(task, Mapping) else {}, errors, f"tasks[{n}]")
            for n, task in enumerate(tasks)
        ]
    partner_type = values.get("partner_type", instance.partner_type if instance else "")
    region = values.get("region", instance.region if instance else "")
    if "partner_type" not in errors and "region" not in errors:
        clash = ChecklistTemplate.objects.for_tenant(tenant).filter(
            partner_type=partner_type, region=region
        )
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["partner_type"] = [
                _("There is already a checklist for this partner type and region; edit it.")
            ]
    if errors:
        raise ValidationFailed(errors=errors)
    return values


def _replace_tasks(template: ChecklistTemplate, tasks: list[dict[str, Any]]) -> None:
    ChecklistTemplateTask.objects.for_tenant(template.tenant).filter(template=template).delete()
    ChecklistTemplateTask.objects.bulk_create(
        [
            ChecklistTemplateTask(
                tenant=template.tenant, template=template, position=position, **task
            )
            for position, task in enumerate(tasks, start=1)
        ]
    )


def template_task_data(template: ChecklistTemplate) -> list[dict[str, Any]]:
    """A template's tasks as service input (pages edit the list and save it whole)."""
    return [
        {
            "title": task.title,
            "instructions": task.instructions,
            "is_required": task.is_required,
            "kind": task.kind,
            "accepted_extensions": task.accepted_extensions,
            "max_size_mb": task.max_size_mb,
            "form_schema": task.form_schema,
            "agreement_template": task.agreement_template_id,
            "course": task.course_id,
        }
        for task in ChecklistTemplateTask.objects.for_tenant(template.tenant)
        .filter(template=template)
        .order_by("position", "id")
    ]


@transaction.atomic
def create_template(*, tenant, actor: Membership | None, data: Mapping[str, Any]):
    """A checklist template with its ordered tasks; one per partner type and region."""
    require_manager(actor)
    values = _clean_template(tenant, data)
    tasks = values.pop("tasks")
    template = ChecklistTemplate.objects.create(tenant=tenant, **values)
    _replace_tasks(template, tasks)
    record(
        tenant=tenant,
        actor=_user(actor),
        action="checklist_template.created",
        obj=template,
        changes={**values, "tasks": [task["title"] for task in tasks]},
    )
    return template


@transaction.atomic
def update_template(
    *, tenant, actor: Membership | None, template_id: int, data: Mapping[str, Any]
) -> ChecklistTemplate:
    """Change a template; `tasks`, when given, replaces the list in its order. Running
    checklists keep the tasks they were started with."""
    require_manager(actor)
    template = (
        ChecklistTemplate.objects.for_tenant(tenant)
        .select_for_update()
        .filter(pk=template_id)
        .first()
    )
    if template is None:
        raise NotFound(_("No such checklist template."))
    values = _clean_template(tenant, data, instance=template)
    tasks = values.pop("tasks", None)
    changes: dict[str, Any] = {}
    for field, value in values.items():
        if getattr(template, field) != value:
            changes[field] = [getattr(template, field), value]
            setattr(template, field, value)
    template.save()
    if tasks is not None:
        _replace_tasks(template, tasks)
        changes["tasks"] = [task["title"] for task in tasks]
    record(
        tenant=tenant,
        actor=_user(actor),
        action="checklist_template.updated",
        obj=template,
        changes=changes,
    )
    return template


# --- starting a checklist --------------------------------------------------------------------


def template_for(tenant, partner: PartnerOrganisation) -> ChecklistTemplate | None:
    """The active template for the partner's type, a regional one (for a region the partner
    serves) before the general one."""
    candidates = ChecklistTemplate.objects.for_tenant(tenant).filter(
        partner_type=partner.partner_type, is_active=True
    )
    regions = set(partner.regions or [])
    best = None
    for template in candidates.order_by("region", "id"):
        if template.region and template.region in regions:
            return template
        if not template.region:
            best = template
    return best


@transaction.atomic
def start_checklist(
    *, tenant, actor: Membership | None, partner_id: int, required: bool = True
) -> PartnerChecklist | None:
    """Start the partner's checklist from the template that fits it, copying the tasks (so
    later template edits leave it alone). Idempotent: a partner that has one gets it back.
    Without a fitting template: 400 naming `partner` when `required`, else None (the
    listener: nothing to start)."""
    require_manager(actor)
    partner = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .select_for_update()
        .filter(pk=partner_id)
        .first()
    )
    if partner is None:
        raise NotFound(_("No such partner."))
    existing = PartnerChecklist.objects.for_tenant(tenant).filter(partner=partner).first()
    if existing is not None:
        return existing
    template = template_for(tenant, partner)
    if template is None:
        if not required:
            return None
        raise ValidationFailed(
            _("No active checklist template fits a %(type)s; create one first.")
            % {"type": partner.get_partner_type_display()},
            field="partner",
        )
    try:
        with transaction.atomic():
            checklist = PartnerChecklist.objects.create(
                tenant=tenant,
                partner=partner,
                template=template,
                template_name=template.name,
                started_at=timezone.now(),
            )
    except IntegrityError:  # a concurrent start won; theirs is the checklist
        return PartnerChecklist.objects.for_tenant(tenant).get(partner=partner)
    ChecklistTask.objects.bulk_create(
        [
            ChecklistTask(
                tenant=tenant,
                checklist=checklist,
                **{field: getattr(task, field) for field in COPIED_FIELDS},
            )
            for task in ChecklistTemplateTask.objects.for_tenant(tenant)
            .filter(template=template)
            .order_by("position", "id")
        ]
    )
    record(
        tenant=tenant,
        actor=_user(actor),
        action="checklist.started",
        obj=checklist,
        changes={"partner": partner.pk, "template": template.name},
    )
    emit(
        tenant=tenant,
        name="checklist.started",
        obj=checklist,
        payload={"checklist_id": checklist.pk, "partner_id": partner.pk},
    )
    refresh_checklist(tenant=tenant, partner_id=partner.pk)
    return checklist


# --- automatic tasks and completion ----------------------------------------------------------


def _locked_checklist(tenant, partner_id) -> PartnerChecklist | None:
    return (
        PartnerChecklist.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("partner")
        .filter(partner_id=partner_id)
        .first()
    )


@transaction.atomic
def refresh_checklist(*, tenant, partner_id: int) -> PartnerChecklist | None:
    """Mark open agreement and training tasks done when the partner has signed the agreement
    (contracts_selectors) or one of its people completed the course (training_selectors),
    then complete the checklist when it can. Safe to run any number of times."""
    checklist = _locked_checklist(tenant, partner_id)
    if checklist is None:
        return None
    open_tasks = list(
        ChecklistTask.objects.for_tenant(tenant).filter(
            checklist=checklist,
            status=TaskStatus.OPEN,
            kind__in=(TaskKind.AGREEMENT, TaskKind.TRAINING),
        )
    )
    if open_tasks:
        signed = contracts_selectors.signed_template_ids(tenant=tenant, partner=checklist.partner)
        completed: set[int] = set()
        if any(task.kind == TaskKind.TRAINING for task in open_tasks):
            for course_ids in training_selectors.completed_course_ids_by_person(
                tenant=tenant, partner_id=partner_id
            ).values():
                completed |= course_ids
        for task in open_tasks:
            is_done = (
                task.agreement_template_id in signed
                if task.kind == TaskKind.AGREEMENT
                else task.course_id in completed
            )
            if is_done:
                task.checklist = checklist
                _mark_done(task, actor=None, action="checklist_task.done")
    _complete_if_ready(checklist)
    return checklist


def _mark_done(task: ChecklistTask, *, actor: Membership | None, action: str, **changes) -> None:
    task.status = TaskStatus.DONE
    task.completed_at = timezone.now()
    task.completed_by = _user(actor)
    task.save()
    record(
        tenant=task.tenant,
        actor=_user(actor),
        action=action,
        obj=task,
        changes={"title": task.title, "status": TaskStatus.DONE, **changes},
    )
    emit(tenant=task.tenant, name="checklist_task.done", obj=task, payload=_payload(task))


def _complete_if_ready(checklist: PartnerChecklist) -> bool:
    """Complete the (locked) checklist once every required task is done: once only. The
    partner is activated when it is still onboarding."""
    if checklist.completed_at is not None:
        return False
    tasks = ChecklistTask.objects.for_tenant(checklist.tenant).filter(checklist=checklist)
    if tasks.filter(is_required=True).exclude(status=TaskStatus.DONE).exists():
        return False
    tenant = checklist.tenant
    checklist.completed_at = timezone.now()
    checklist.save(update_fields=["completed_at"])
    partner = checklist.partner
    activated = partner.status == PartnerStatus.ONBOARDING
    if activated:
        partner_services.change_partner_status(
            tenant=tenant,
            actor=None,
            partner_id=partner.pk,
            to_status=PartnerStatus.ACTIVE,
            reason=_("Onboarding checklist completed"),
        )
    record(
        tenant=tenant,
        actor=None,
        action="onboarding.completed",
        obj=checklist,
        changes={"partner": partner.pk, "activated": activated},
    )
    emit(
        tenant=tenant,
        name="onboarding.completed",
        obj=checklist,
        payload={
            "checklist_id": checklist.pk,
            "partner_id": partner.pk,
            "activated": activated,
            "completed_at": checklist.completed_at.isoformat(),
        },
    )
    return True


def _finish(task: ChecklistTask) -> ChecklistTask:
    checklist = _locked_checklist(task.tenant, task.checklist.partner_id)
    if checklist is not None:
        _complete_if_ready(checklist)
    task.refresh_from_db()
    return task


# --- the partner's work ----------------------------------------------------------------------


def _partner_task(tenant, actor: Membership, task_id, kind: str) -> ChecklistTask:
    """The task, locked, when the actor is its partner's administrator (404 for another
    partner's task, 409 when it is not open or not of this kind)."""
    if actor is None or not has_capability(actor.role, "checklists.submit"):
        raise NotAllowed(_("Your organisation's administrator completes these tasks."))
    task = _locked_task(tenant, task_id)
    if task.checklist.partner_id != actor.partner_organisation_id:
        raise NotFound(_("No such checklist task."))
    if task.kind != kind:
        raise Conflict(
            _("This task is a %(kind)s task.") % {"kind": task.get_kind_display().lower()}
        )
    if task.status != TaskStatus.OPEN:
        raise Conflict(_("This task is already %(s)s.") % {"s": task.get_status_display().lower()})
    return task


def validate_document(task: ChecklistTask, upload, *, field: str = "file") -> None:
    """The program-wide attachment rules (ecosystem.uploads), then the task's own: its file
    types (400 naming `field`) and its size limit (413)."""
    if upload is None:
        raise ValidationFailed(_("Choose a file to upload."), field=field)
    limit = (task.max_size_mb or max_upload_mb()) * 1024 * 1024
    if upload.size is not None and upload.size > limit:
        raise TooLarge(
            _("The file is %(size)s; this task accepts at most %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            field=field,
        )
    validate_attachment(upload, field=field)
    name = getattr(upload, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in task.accepted_extensions:
        raise ValidationFailed(
            _("Upload a %(types)s file.")
            % {"types": _(" or ").join(ext.upper() for ext in task.accepted_extensions)},
            field=field,
        )


@transaction.atomic
def upload_document(*, tenant, actor: Membership, task_id: int, upload) -> ChecklistTask:
    """The partner's administrator hands in the document a task asks for; the task is done."""
    task = _partner_task(tenant, actor, task_id, TaskKind.DOCUMENT_UPLOAD)
    validate_document(task, upload)
    if task.file:
        task.file.delete(save=False)
    task.file_name = (getattr(upload, "name", "") or "document")[-255:]
    task.file_size = upload.size
    task.file.save(task.file_name, upload, save=False)
    _mark_done(
        task,
        actor=actor,
        action="checklist_task.uploaded",
        file_name=task.file_name,
        file_size=task.file_size,
    )
    return _finish(task)


@transaction.atomic
def submit_form(
    *, tenant, actor: Membership, task_id: int, data: Mapping[str, Any]
) -> ChecklistTask:
    """The partner's administrator fills in a form task: values checked (an IBAN's checksum),
    stored encrypted, and only their masked form kept readable."""
    task = _partner_task(tenant, actor, task_id, TaskKind.FORM)
    values = form_schema.clean_form(task.form_schema, data)
    task.encrypted_values = form_schema.encrypt_values(values)
    task.masked_values = form_schema.masked(task.form_schema, values)
    # The audit entry names the fields given, never their values.
    _mark_done(task, actor=actor, action="checklist_task.form_submitted", fields=sorted(values))
    return _finish(task)


# --- staff -----------------------------------------------------------------------------------


def _staff_task(tenant, actor: Membership | None, task_id) -> ChecklistTask:
    require_manager(actor)
    return _locked_task(tenant, task_id)


@transaction.atomic
def confirm_task(
    *, tenant, actor: Membership | None, task_id: int, note: str = ""
) -> ChecklistTask:
    """Staff confirm a manual task (with an optional note)."""
    task = _staff_task(tenant, actor, task_id)
    if task.kind != TaskKind.MANUAL:
        raise Conflict(_("Only tasks confirmed by staff are confirmed by hand."))
    if task.status != TaskStatus.OPEN:
        raise Conflict(_("This task is already %(s)s.") % {"s": task.get_status_display().lower()})
    note = str(note or "").strip()
    if len(note) > 2000:
        raise ValidationFailed(_("Use at most 2000 characters."), field="note")
    task.note = note
    _mark_done(task, actor=actor, action="checklist_task.confirmed", note=note)
    return _finish(task)


@transaction.atomic
def waive_task(
    *, tenant, actor: Membership | None, task_id: int, reason: str = ""
) -> ChecklistTask:
    """Staff waive an optional task (a required one cannot be waived: 409)."""
    task = _staff_task(tenant, actor, task_id)
    if task.is_required:
        raise Conflict(_("Required tasks cannot be waived; reopen or complete them."))
    if task.status != TaskStatus.OPEN:
        raise Conflict(_("This task is already %(s)s.") % {"s": task.get_status_display().lower()})
    reason = str(reason or "").strip()
    if len(reason) > 2000:
        raise ValidationFailed(_("Use at most 2000 characters."), field="reason")
    task.status = TaskStatus.WAIVED
    task.note = reason
    task.completed_at = timezone.now()
    task.completed_by = _user(actor)
    task.save()
    record(
        tenant=tenant,
        actor=_user(actor),
        action="checklist_task.waived",
        obj=task,
        changes={"title": task.title, "reason": reason},
    )
    return _finish(task)


@transaction.atomic
def reopen_task(*, tenant, actor: Membership | None, task_id: int, reason: str) -> ChecklistTask:
    """Staff reopen a done or waived task, saying why (the partner reads the reason). What
    was handed in is kept until it is replaced."""
    task = _staff_task(tenant, actor, task_id)
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the task is reopened; the partner reads it."), field="reason"
        )
    if len(reason) > 2000:
        raise ValidationFailed(_("Use at most 2000 characters."), field="reason")
    if task.status == TaskStatus.OPEN:
        raise Conflict(_("This task is open already."))
    before = task.status
    task.status = TaskStatus.OPEN
    task.reopen_reason = reason
    task.completed_at = None
    task.completed_by = None
    task.note = ""
    task.save()
    record(
        tenant=tenant,
        actor=_user(actor),
        action="checklist_task.reopened",
        obj=task,
        changes={"title": task.title, "status": [before, TaskStatus.OPEN], "reason": reason},
    )
    emit(tenant=tenant, name="checklist_task.reopened", obj=task, payload=_payload(task))
    return task
