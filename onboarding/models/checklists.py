"""Onboarding checklists: templates of ordered tasks per partner type (and region), and each
partner's checklist, a copy of its template's tasks (onboarding.checklists_services writes
them)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel
from partners.models import PartnerType, Region

__all__ = [
    "ChecklistTask",
    "ChecklistTemplate",
    "ChecklistTemplateTask",
    "FormSchema",
    "PartnerChecklist",
    "TaskKind",
    "TaskStatus",
]


class TaskKind(models.TextChoices):
    DOCUMENT_UPLOAD = "document_upload", _("Document upload")
    FORM = "form", _("Form")
    AGREEMENT = "agreement", _("Agreement")
    TRAINING = "training", _("Training")
    MANUAL = "manual", _("Confirmed by staff")


class FormSchema(models.TextChoices):
    """The forms a form task can ask for (their fields: onboarding.checklists_forms_schema)."""

    BANKING = "banking", _("Banking details")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    WAIVED = "waived", _("Waived")


class TaskDefinition(models.Model):
    """What a task asks for; shared by the template's tasks and the partner's copies."""

    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    is_required = models.BooleanField(default=True)
    kind = models.CharField(max_length=16, choices=TaskKind.choices)
    # document_upload: lower-case extensions without the dot, and the size limit.
    accepted_extensions = models.JSONField(default=list, blank=True)
    max_size_mb = models.PositiveSmallIntegerField(null=True, blank=True)
    # form
    form_schema = models.CharField(max_length=16, choices=FormSchema.choices, blank=True)
    # agreement / training
    agreement_template = models.ForeignKey(
        "onboarding.AgreementTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    course = models.ForeignKey(
        "onboarding.Course", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


class ChecklistTemplate(TenantOwnedModel):
    """The tasks a partner of one type (and, optionally, one region) completes to become
    active. One template per type and region; the regional one wins over the general one."""

    name = models.CharField(max_length=200)
    partner_type = models.CharField(max_length=16, choices=PartnerType.choices)
    region = models.CharField(
        max_length=8, choices=Region.choices, blank=True, help_text=_("Empty: every region.")
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partner_type", "region", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "partner_type", "region"], name="checklist_template_scope"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ChecklistTemplateTask(TaskDefinition, TenantOwnedModel):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="tasks")

    class Meta:
        ordering = ["template", "position", "id"]


class PartnerChecklist(TenantOwnedModel):
    """A partner's onboarding checklist (one per partner), started from a template."""

    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="+"
    )
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    template_name = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "partner"], name="one_checklist_per_partner")
        ]
        indexes = [
            models.Index(fields=["tenant", "completed_at"], name="checklist_tenant_completed")
        ]

    def __str__(self) -> str:
        return f"{self.template_name} ({self.partner_id})"


def checklist_file_path(instance, filename: str) -> str:
    # Never the uploader's name; the extension is kept (it was checked against the task).
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"tenants/{instance.tenant_id}/checklists/{secrets.token_hex(12)}.{extension}"


class ChecklistTask(TaskDefinition, TenantOwnedModel):
    """One task of a partner's checklist, with what was handed in for it."""

    checklist = models.ForeignKey(PartnerChecklist, on_delete=models.CASCADE, related_name="tasks")
    status = models.CharField(max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.TextField(blank=True, help_text=_("Staff's note when confirming or waiving."))
    reopen_reason = models.TextField(blank=True)
    # document_upload
    file = models.FileField(upload_to=checklist_file_path, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    # form: the values as one Fernet token (never plaintext), and what may be shown.
    encrypted_values = models.TextField(blank=True)
    masked_values = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["checklist", "position", "id"]
        indexes = [models.Index(fields=["tenant", "checklist", "status"], name="checklist_task")]

    @property
    def is_settled(self) -> bool:
        """Done, or waived (only optional tasks are waived)."""
        return self.status in (TaskStatus.DONE, TaskStatus.WAIVED)
