"""Checklist test data, made through the services (every row as production makes it)."""

from __future__ import annotations

from onboarding import checklists_services
from tests.onboarding.contracts_factories import make_template as make_agreement
from tests.onboarding.training_factories import build_course

VALID_IBAN = "DE89 3704 0044 0532 0130 00"
BANKING = {
    "account_holder": "Northwind Systems GmbH",
    "bank_name": "Commerzbank",
    "iban": VALID_IBAN,
    "swift_bic": "COBADEFFXXX",
}


def upload_task(**overrides):
    return {
        "title": "Certificate of insurance",
        "kind": "document_upload",
        "accepted_extensions": ["pdf"],
        "max_size_mb": 1,
        **overrides,
    }


def make_checklist_template(
    *, tenant, actor, partner_type="var", region="", tasks=None, name=None, with_linked=False
):
    """A template; with_linked adds an agreement and a training task (real template/course)."""
    tasks = list(
        tasks
        or [
            upload_task(),
            {"title": "Banking details", "kind": "form", "form_schema": "banking"},
            {"title": "Reference call", "kind": "manual"},
            {"title": "Logo for the directory", "kind": "manual", "is_required": False},
        ]
    )
    if with_linked:
        agreement = make_agreement(tenant=tenant, actor=actor, name="Reseller agreement")
        course = build_course(tenant, actor, modules=1, title="Selling fundamentals")
        tasks += [
            {
                "title": "Sign the agreement",
                "kind": "agreement",
                "agreement_template": agreement.pk,
            },
            {"title": "Sales training", "kind": "training", "course": course.pk},
        ]
    return checklists_services.create_template(
        tenant=tenant,
        actor=actor,
        data={
            "name": name or f"{partner_type.upper()} onboarding {region}".strip(),
            "partner_type": partner_type,
            "region": region,
            "tasks": tasks,
        },
    )


def task_of(checklist, title):
    return checklist.tasks.get(title=title)
