"""Onboarding checklists through the services and the outbox: templates, starting on
approval, each task kind, and activation when every required task is done."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from ecosystem.audit.models import AuditEntry
from ecosystem.errors import Conflict, NotAllowed, NotFound, TooLarge, ValidationFailed
from ecosystem.outbox.models import ListenerRun, OutboxEvent
from ecosystem.outbox.services import dispatch_pending
from ecosystem.tenancy.roles import Role
from onboarding import application_services, checklists_selectors, checklists_services
from onboarding.checklists_forms_schema import decrypt_values, iban_is_valid
from onboarding.models import ChecklistTask, PartnerChecklist
from partners.models import PartnerStatus, PartnerStatusChange
from tests.onboarding.checklists_factories import (
    BANKING,
    make_checklist_template,
    task_of,
    upload_task,
)
from tests.onboarding.contracts_factories import issue, sign
from tests.onboarding.factories import submit
from tests.onboarding.training_factories import finish_modules
from tests.partners.factories import PartnerOrganisationFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%test\n"


def pdf(name="insurance.pdf", size=None):
    return SimpleUploadedFile(name, PDF if size is None else b"0" * size, "application/pdf")


@pytest.fixture
def onboarding_partner(tenant, partner):
    partner.status = PartnerStatus.ONBOARDING
    partner.save()
    return partner


@pytest.fixture
def checklist(tenant, admin, onboarding_partner):
    make_checklist_template(tenant=tenant, actor=admin)
    return checklists_services.start_checklist(
        tenant=tenant, actor=admin, partner_id=onboarding_partner.pk
    )


# --- templates ---------------------------------------------------------------------------------


def test_template_validation_names_each_field(tenant, admin):
    with pytest.raises(ValidationFailed) as error:
        checklists_services.create_template(
            tenant=tenant,
            actor=admin,
            data={
                "name": "",
                "partner_type": "pirate",
                "region": "mars",
                "tasks": [
                    {"title": "", "kind": "document_upload", "accepted_extensions": ["exe"]},
                    {"title": "Banking", "kind": "form", "form_schema": "poetry"},
                    {"title": "Sign", "kind": "agreement", "agreement_template": 999999},
                    {"title": "Learn", "kind": "training", "course": 999999},
                    {"title": "Dance", "kind": "dance"},
                ],
            },
        )
    assert set(error.value.errors) == {
        "name",
        "partner_type",
        "region",
        "tasks[0].title",
        "tasks[0].accepted_extensions",
        "tasks[0].max_size_mb",
        "tasks[1].form_schema",
        "tasks[2].agreement_template",
        "tasks[3].course",
        "tasks[4].kind",
    }


def test_a_template_needs_tasks_and_one_per_type_and_region(tenant, admin):
    with pytest.raises(ValidationFailed) as error:
        checklists_services.create_template(
            tenant=tenant, actor=admin, data={"name": "Empty", "partner_type": "var", "tasks": []}
        )
    assert "tasks" in error.value.errors
    make_checklist_template(tenant=tenant, actor=admin)
    with pytest.raises(ValidationFailed) as error:
        make_checklist_template(tenant=tenant, actor=admin, name="Second VAR")
    assert "partner_type" in error.value.errors
    make_checklist_template(tenant=tenant, actor=admin, region="emea")  # regional: fine


def test_only_program_managers_write_templates(tenant, make_member):
    finance = make_member(tenant, Role.FINANCE)
    with pytest.raises(NotAllowed):
        make_checklist_template(tenant=tenant, actor=finance)


# --- starting --------------------------------------------------------------------------------


def test_approval_starts_the_checklist_once(tenant, admin):
    make_checklist_template(tenant=tenant, actor=admin, partner_type="msp")
    application = submit(tenant)  # an MSP
    application_services.approve_application(
        tenant=tenant, actor=admin.user, application_id=application.pk
    )
    dispatch_pending()
    checklist = PartnerChecklist.objects.for_tenant(tenant).get(partner=application.partner)
    assert [task.title for task in checklist.tasks.order_by("position")] == [
        "Certificate of insurance",
        "Banking details",
        "Reference call",
        "Logo for the directory",
    ]
    # The same event again (a retried delivery) creates nothing new.
    event = OutboxEvent.objects.for_tenant(tenant).get(name="application.approved")
    OutboxEvent.objects.for_tenant(tenant).filter(pk=event.pk).update(dispatched_at=None)
    ListenerRun.objects.for_tenant(tenant).filter(event=event).delete()
    dispatch_pending()
    assert (
        PartnerChecklist.objects.for_tenant(tenant).filter(partner=application.partner).count() == 1
    )
    assert ChecklistTask.objects.for_tenant(tenant).filter(checklist=checklist).count() == 4


def test_approval_without_a_template_starts_nothing(tenant, admin):
    application = submit(tenant)
    application_services.approve_application(
        tenant=tenant, actor=admin.user, application_id=application.pk
    )
    dispatch_pending()
    assert not PartnerChecklist.objects.for_tenant(tenant).exists()
    with pytest.raises(ValidationFailed) as error:
        checklists_services.start_checklist(
            tenant=tenant, actor=admin, partner_id=application.partner_id
        )
    assert error.value.field == "partner"


def test_the_regional_template_wins_and_tasks_are_copied(tenant, admin, onboarding_partner):
    make_checklist_template(tenant=tenant, actor=admin, name="VAR anywhere")
    regional = make_checklist_template(
        tenant=tenant, actor=admin, region="emea", name="VAR EMEA", tasks=[upload_task(title="VAT")]
    )
    onboarding_partner.regions = ["emea"]
    onboarding_partner.save()
    checklist = checklists_services.start_checklist(
        tenant=tenant, actor=admin, partner_id=onboarding_partner.pk
    )
    assert checklist.template_name == "VAR EMEA"
    checklists_services.update_template(
        tenant=tenant,
        actor=admin,
        template_id=regional.pk,
        data={"tasks": [upload_task(title="Changed later")]},
    )
    assert [task.title for task in checklist.tasks.all()] == ["VAT"]
    again = checklists_services.start_checklist(
        tenant=tenant, actor=admin, partner_id=onboarding_partner.pk
    )
    assert again.pk == checklist.pk


def test_another_tenants_partner_is_not_found(tenant, admin, other_tenant):
    stranger = PartnerOrganisationFactory(tenant=other_tenant)
    with pytest.raises(NotFound):
        checklists_services.start_checklist(tenant=tenant, actor=admin, partner_id=stranger.pk)


# --- document uploads --------------------------------------------------------------------------


def test_uploads_check_type_and_size_then_the_task_is_done(tenant, checklist, partner_admin):
    task = task_of(checklist, "Certificate of insurance")
    with pytest.raises(ValidationFailed) as wrong_type:
        checklists_services.upload_document(
            tenant=tenant, actor=partner_admin, task_id=task.pk, upload=pdf("insurance.png")
        )
    assert wrong_type.value.field == "file"
    with pytest.raises(TooLarge) as too_large:
        checklists_services.upload_document(
            tenant=tenant, actor=partner_admin, task_id=task.pk, upload=pdf(size=1024 * 1024 + 1)
        )
    assert too_large.value.status_code == 413
    task = checklists_services.upload_document(
        tenant=tenant, actor=partner_admin, task_id=task.pk, upload=pdf()
    )
    assert task.status == "done"
    assert task.file_name == "insurance.pdf"
    assert "insurance" not in task.file.name  # stored under a random name
    with task.file.open("rb") as handle:
        assert handle.read() == PDF


def test_another_partners_admin_cannot_upload(tenant, checklist, other_partner_admin):
    task = task_of(checklist, "Certificate of insurance")
    with pytest.raises(NotFound):
        checklists_services.upload_document(
            tenant=tenant, actor=other_partner_admin, task_id=task.pk, upload=pdf()
        )


# --- forms -----------------------------------------------------------------------------------


def test_banking_details_are_encrypted_at_rest_and_masked(tenant, checklist, partner_admin):
    task = task_of(checklist, "Banking details")
    task = checklists_services.submit_form(
        tenant=tenant, actor=partner_admin, task_id=task.pk, data=BANKING
    )
    assert task.status == "done"
    assert task.masked_values == {
        "account_holder": "•••• •••• GmbH",
        "bank_name": "Commerzbank",
        "iban": "•••• •••• 3000",
        "swift_bic": "•••• •••• FXXX",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_to_json(t)::text FROM onboarding_checklisttask t WHERE id = %s", [task.pk]
        )
        row = cursor.fetchone()[0]
    for secret in ("DE89370400440532013000", "370400440532013000", "Northwind Systems GmbH"):
        assert secret not in row
    assert decrypt_values(task.encrypted_values)["iban"] == "DE89370400440532013000"
    audit = AuditEntry.objects.for_tenant(tenant).get(action="checklist_task.form_submitted")
    assert "DE89" not in str(audit.changes)


def test_banking_details_are_validated(tenant, checklist, partner_admin):
    task = task_of(checklist, "Banking details")
    with pytest.raises(ValidationFailed) as error:
        checklists_services.submit_form(
            tenant=tenant,
            actor=partner_admin,
            task_id=task.pk,
            data={
                "account_holder": "",
                "bank_name": "X",
                "iban": "DE89 3704 0044 0532 0130 01",
                "swift_bic": "NOPE",
            },
        )
    assert set(error.value.errors) == {"account_holder", "iban", "swift_bic"}
    with pytest.raises(ValidationFailed) as error:
        checklists_services.submit_form(
            tenant=tenant,
            actor=partner_admin,
            task_id=task.pk,
            data={"account_holder": "A", "bank_name": "B"},
        )
    assert set(error.value.errors) == {"iban"}
    task.refresh_from_db()
    assert task.status == "open" and task.encrypted_values == ""


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("GB82 WEST 1234 5698 7654 32", True),
        ("DE89370400440532013000", True),
        ("GB82 WEST 1234 5698 7654 33", False),
        ("DE8937040044053201300", False),  # one digit short for Germany
        ("not an iban", False),
    ],
)
def test_iban_checksum(iban, valid):
    assert iban_is_valid(iban) is valid


# --- agreement and training tasks ------------------------------------------------------------


def test_signing_and_completing_a_course_tick_their_tasks(
    tenant, admin, onboarding_partner, partner_admin
):
    make_checklist_template(
        tenant=tenant,
        actor=admin,
        with_linked=True,
        tasks=[{"title": "Kick-off", "kind": "manual", "is_required": False}],
    )
    checklist = checklists_services.start_checklist(
        tenant=tenant, actor=admin, partner_id=onboarding_partner.pk
    )
    agreement_task = task_of(checklist, "Sign the agreement")
    contract = issue(
        tenant=tenant,
        actor=admin,
        template=agreement_task.agreement_template,
        partner=onboarding_partner,
        effective_date=datetime.date.today(),
    )
    sign(tenant=tenant, actor=partner_admin, contract=contract)
    dispatch_pending()
    agreement_task.refresh_from_db()
    assert agreement_task.status == "done"

    training_task = task_of(checklist, "Sales training")
    assert training_task.status == "open"
    finish_modules(tenant, partner_admin, training_task.course)
    dispatch_pending()
    training_task.refresh_from_db()
    assert training_task.status == "done"
    # Both required tasks done (the optional one open): the partner is active.
    onboarding_partner.refresh_from_db()
    assert onboarding_partner.status == PartnerStatus.ACTIVE


# --- staff actions and completion -------------------------------------------------------------


def test_manual_confirm_waive_and_reopen(tenant, checklist, channel_manager, partner_admin):
    manual = task_of(checklist, "Reference call")
    with pytest.raises(NotAllowed):
        checklists_services.confirm_task(tenant=tenant, actor=partner_admin, task_id=manual.pk)
    manual = checklists_services.confirm_task(
        tenant=tenant, actor=channel_manager, task_id=manual.pk, note="Spoke with their CTO."
    )
    assert (manual.status, manual.note) == ("done", "Spoke with their CTO.")
    with pytest.raises(Conflict):
        checklists_services.waive_task(tenant=tenant, actor=channel_manager, task_id=manual.pk)
    optional = task_of(checklist, "Logo for the directory")
    optional = checklists_services.waive_task(
        tenant=tenant, actor=channel_manager, task_id=optional.pk, reason="Not listed."
    )
    assert optional.status == "waived"
    with pytest.raises(ValidationFailed) as error:
        checklists_services.reopen_task(
            tenant=tenant, actor=channel_manager, task_id=manual.pk, reason=" "
        )
    assert error.value.field == "reason"
    manual = checklists_services.reopen_task(
        tenant=tenant, actor=channel_manager, task_id=manual.pk, reason="Call again."
    )
    assert (manual.status, manual.reopen_reason, manual.completed_at) == (
        "open",
        "Call again.",
        None,
    )


def test_completion_activates_the_partner_exactly_once(
    tenant, checklist, admin, partner_admin, onboarding_partner
):
    checklists_services.upload_document(
        tenant=tenant,
        actor=partner_admin,
        task_id=task_of(checklist, "Certificate of insurance").pk,
        upload=pdf(),
    )
    checklists_services.submit_form(
        tenant=tenant,
        actor=partner_admin,
        task_id=task_of(checklist, "Banking details").pk,
        data=BANKING,
    )
    onboarding_partner.refresh_from_db()
    assert onboarding_partner.status == PartnerStatus.ONBOARDING  # one required task left
    manual = task_of(checklist, "Reference call")
    checklists_services.confirm_task(tenant=tenant, actor=admin, task_id=manual.pk)
    onboarding_partner.refresh_from_db()
    assert onboarding_partner.status == PartnerStatus.ACTIVE
    checklist.refresh_from_db()
    assert checklist.completed_at is not None
    # Reopen and confirm again: already completed, nothing happens twice.
    checklists_services.reopen_task(tenant=tenant, actor=admin, task_id=manual.pk, reason="Redo")
    checklists_services.confirm_task(tenant=tenant, actor=admin, task_id=manual.pk)
    checklists_services.refresh_checklist(tenant=tenant, partner_id=onboarding_partner.pk)
    events = OutboxEvent.objects.for_tenant(tenant).filter(name="onboarding.completed")
    assert events.count() == 1
    assert events.get().payload["partner_id"] == onboarding_partner.pk
    assert events.get().payload["activated"] is True
    assert (
        PartnerStatusChange.objects.for_tenant(tenant)
        .filter(partner=onboarding_partner, to_status=PartnerStatus.ACTIVE)
        .count()
        == 1
    )
    assert AuditEntry.objects.for_tenant(tenant).filter(action="onboarding.completed").count() == 1


def test_only_onboarding_partners_are_moved(tenant, admin, partner):
    partner.status = PartnerStatus.SUSPENDED
    partner.save()
    make_checklist_template(tenant=tenant, actor=admin, tasks=[{"title": "Call", "kind": "manual"}])
    checklist = checklists_services.start_checklist(
        tenant=tenant, actor=admin, partner_id=partner.pk
    )
    checklists_services.confirm_task(
        tenant=tenant, actor=admin, task_id=task_of(checklist, "Call").pk
    )
    partner.refresh_from_db()
    assert partner.status == PartnerStatus.SUSPENDED
    event = OutboxEvent.objects.for_tenant(tenant).get(name="onboarding.completed")
    assert event.payload["activated"] is False


# --- analytics -------------------------------------------------------------------------------


def test_completion_rates_and_time_to_onboard(tenant, admin, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC), tick=False)
    make_checklist_template(
        tenant=tenant, actor=admin, partner_type="msp", tasks=[
            {"title": "Call", "kind": "manual"},
            {"title": "Visit", "kind": "manual"},
        ],
    )  # fmt: skip
    application = submit(tenant)
    application_services.approve_application(
        tenant=tenant, actor=admin.user, application_id=application.pk
    )
    dispatch_pending()
    checklist = PartnerChecklist.objects.for_tenant(tenant).get(partner=application.partner)
    checklists_services.confirm_task(
        tenant=tenant, actor=admin, task_id=task_of(checklist, "Call").pk
    )
    rate = checklists_selectors.partner_completion_rate(
        tenant=tenant, partner_id=application.partner_id
    )
    assert str(rate) == "0.5000"
    time_machine.move_to(datetime.datetime(2026, 3, 11, 9, tzinfo=datetime.UTC), tick=False)
    checklists_services.confirm_task(
        tenant=tenant, actor=admin, task_id=task_of(checklist, "Visit").pk
    )
    program = checklists_selectors.program_completion(tenant=tenant)
    assert (program.checklists, program.completed, str(program.checklist_rate)) == (1, 1, "1.0000")
    assert checklists_selectors.time_to_onboard(tenant=tenant) == {
        application.partner_id: datetime.timedelta(days=10)
    }
    assert checklists_selectors.average_time_to_onboard(tenant=tenant) == datetime.timedelta(
        days=10
    )
