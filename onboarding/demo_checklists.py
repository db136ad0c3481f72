"""The demo program's onboarding checklists (used by seed_demo, after demo_contracts and
demo_training): a template per partner type using every task kind, a regional one for EMEA
resellers, checklists in progress for the partners still onboarding, and a completed one for
Northwind Systems (the partner the README names). Made through the checklist services."""

from __future__ import annotations

from django.core.files.base import ContentFile

from ecosystem.tenancy.roles import Role

from . import checklists_services
from .models.checklists import ChecklistTask, TaskKind, TaskStatus
from .models.contracts import AgreementTemplate
from .models.training import Course

TYPES = {
    "msp": "Managed service provider onboarding",
    "var": "Reseller onboarding",
    "gsi": "Systems integrator onboarding",
    "isv": "Technology partner onboarding",
    "mssp": "Security service provider onboarding",
    "referral": "Referral partner onboarding",
    "consultant": "Consultant onboarding",
}
DEMO_BANKING = {
    "account_holder": "Northwind Systems Ltd",
    "bank_name": "Barclays Bank UK",
    "iban": "GB82 WEST 1234 5698 7654 32",
    "swift_bic": "BARCGB22",
}


def _tasks(partner_type: str, agreement_id: int, course_id: int) -> list[dict]:
    tasks: list[dict] = [
        {
            "title": "Tax form (W-9 / W-8BEN-E or VAT registration)",
            "instructions": "Upload your signed tax form so we can pay rebates and referral fees.",
            "kind": TaskKind.DOCUMENT_UPLOAD,
            "accepted_extensions": ["pdf"],
            "max_size_mb": 5,
        },
        {
            "title": "Banking details",
            "instructions": "The account we pay rebates, MDF claims and referral fees into.",
            "kind": TaskKind.FORM,
            "form_schema": "banking",
        },
        {
            "title": "Sign the Partner Program Agreement",
            "kind": TaskKind.AGREEMENT,
            "agreement_template": agreement_id,
        },
        {
            "title": "Complete Platform Fundamentals",
            "instructions": "At least one person of your team completes the course.",
            "kind": TaskKind.TRAINING,
            "course": course_id,
        },
        {
            "title": "Kick-off call with your channel manager",
            "instructions": "We agree your first 90-day plan together.",
            "kind": TaskKind.MANUAL,
        },
    ]
    if partner_type in ("msp", "mssp", "gsi"):
        tasks.insert(
            1,
            {
                "title": "Certificate of insurance",
                "instructions": "Professional and cyber liability cover of at least USD 1m.",
                "kind": TaskKind.DOCUMENT_UPLOAD,
                "accepted_extensions": ["pdf", "png", "jpg"],
                "max_size_mb": 10,
            },
        )
    tasks.append(
        {
            "title": "Company logo for the partner directory",
            "kind": TaskKind.DOCUMENT_UPLOAD,
            "accepted_extensions": ["png", "jpg", "webp"],
            "max_size_mb": 2,
            "is_required": False,
        }
    )
    return tasks


def _upload(tenant, member, task, name: str) -> None:
    checklists_services.upload_document(
        tenant=tenant,
        actor=member,
        task_id=task.pk,
        upload=ContentFile(b"%PDF-1.4\n% demo document\n", name=name),
    )


def _work_on(tenant, staff, checklist, member, *, steps: int) -> None:
    """Do the first `steps` tasks a person can do by hand (uploads, the form, the call)."""
    manager = staff[Role.CHANNEL_MANAGER]
    done = 0
    for task in (
        ChecklistTask.objects.for_tenant(tenant).filter(checklist=checklist).order_by("position")
    ):
        if done >= steps or task.status != TaskStatus.OPEN:
            continue
        if task.kind == TaskKind.DOCUMENT_UPLOAD and task.is_required:
            _upload(tenant, member, task, f"document.{task.accepted_extensions[0]}")
        elif task.kind == TaskKind.FORM:
            checklists_services.submit_form(
                tenant=tenant, actor=member, task_id=task.pk, data=DEMO_BANKING
            )
        elif task.kind == TaskKind.MANUAL:
            checklists_services.confirm_task(
                tenant=tenant, actor=manager, task_id=task.pk, note="90-day plan agreed."
            )
        elif not task.is_required:
            checklists_services.waive_task(
                tenant=tenant,
                actor=manager,
                task_id=task.pk,
                reason="Listed with our logo already.",
            )
        else:
            continue
        done += 1


def seed_checklists(*, tenant, staff, partners) -> None:
    """`partners` are (plan, partner, partner admin) as seed_demo made them; the first is
    Northwind."""
    admin = staff[Role.ADMIN]
    agreement = AgreementTemplate.objects.for_tenant(tenant).get(name="Partner Program Agreement")
    course = Course.objects.for_tenant(tenant).get(title="Platform Fundamentals")
    for partner_type, name in TYPES.items():
        checklists_services.create_template(
            tenant=tenant,
            actor=admin,
            data={
                "name": name,
                "partner_type": partner_type,
                "tasks": _tasks(partner_type, agreement.pk, course.pk),
            },
        )
    emea_tasks = _tasks("var", agreement.pk, course.pk)
    emea_tasks.insert(
        1,
        {
            "title": "EU VAT registration certificate",
            "kind": TaskKind.DOCUMENT_UPLOAD,
            "accepted_extensions": ["pdf"],
            "max_size_mb": 5,
        },
    )
    checklists_services.create_template(
        tenant=tenant,
        actor=admin,
        data={
            "name": "Reseller onboarding (EMEA)",
            "partner_type": "var",
            "region": "emea",
            "tasks": emea_tasks,
        },
    )
    onboarding = [entry for entry in partners if entry[1].status == "onboarding"]
    for index, (_plan, partner, member) in enumerate(onboarding):
        checklist = checklists_services.start_checklist(
            tenant=tenant, actor=admin, partner_id=partner.pk
        )
        _work_on(tenant, staff, checklist, member, steps=1 + 2 * index)
    # Northwind went through onboarding before: a completed checklist (it is active already).
    _plan, northwind, member = partners[0]
    checklist = checklists_services.start_checklist(
        tenant=tenant, actor=admin, partner_id=northwind.pk
    )
    _work_on(tenant, staff, checklist, member, steps=20)
    checklists_services.refresh_checklist(tenant=tenant, partner_id=northwind.pk)
