"""The whole onboarding journey as one story, through the pages where a person acts and
the services elsewhere: apply → screened → approved → checklist → sign → train →
certified → active. Outbox events are delivered between the steps, as the dispatcher
would."""

import pytest
from django.urls import reverse

from ecosystem.outbox.models import OutboxEvent
from ecosystem.outbox.services import dispatch_pending
from ecosystem.tenancy.models import Membership
from onboarding import training_services
from onboarding.models import PartnerApplication, PartnerChecklist
from onboarding.models.screening import ScreeningRun
from onboarding.models.training import Certification
from tests.onboarding import contracts_factories, screening_factories
from tests.onboarding.checklists_factories import make_checklist_template
from tests.onboarding.training_factories import QUIZ, build_course, correct_answers, finish_modules

pytestmark = pytest.mark.django_db

APPLICATION = {
    "company_name": "Fabrikam Managed Services",
    "website": "https://fabrikam.de",
    "partner_type": "msp",
    "country": "DE",
    "regions": ["emea"],
    "employees": "120",
    "certifications": "ISO 27001",
    "description": "Managed cloud operations for the German Mittelstand.",
    "contact_name": "Frieda Fabrikam",
    "contact_title": "CEO",
    "contact_phone": "+49 30 1234567",
    "email": "frieda@fabrikam.de",
    "password": "a-long-pass-2026",
    "consent": "on",
}


def test_apply_screen_approve_sign_train_certify_activate(
    tenant, admin, channel_manager, portal_client
):
    # The program: a restricted-party list, an agreement, a certification course with a
    # quiz, and an MSP checklist that needs both.
    screening_factories.upload(tenant, admin)
    agreement = contracts_factories.make_template(tenant=tenant, actor=admin)
    course = build_course(
        tenant, admin, modules=2, questions=QUIZ, title="Managed services certification",
        is_certification=True, validity_months=24, pass_mark_percent=100,
    )  # fmt: skip
    make_checklist_template(
        tenant=tenant,
        actor=admin,
        partner_type="msp",
        tasks=[
            {"title": "Sign the program agreement", "kind": "agreement",
             "agreement_template": agreement.pk},
            {"title": "Certify one engineer", "kind": "training", "course": course.pk},
        ],
    )  # fmt: skip

    # 1. Apply on the public page, without an account.
    response = portal_client(tenant=tenant).post(reverse("applications:apply"), APPLICATION)
    assert response.status_code == 302
    application = PartnerApplication.objects.for_tenant(tenant).get()
    partner = application.partner
    assert partner.status == "applicant"

    # 2. Screened on submission: checks stored, nothing decided by them.
    dispatch_pending()
    run = ScreeningRun.objects.for_tenant(tenant).get(application=application)
    assert run.status == "passed", [(c.kind, c.status, c.detail) for c in run.checks.all()]
    application.refresh_from_db()
    assert application.status == "submitted"

    # 3. Approved by the channel manager: the applicant becomes the partner admin.
    response = portal_client(channel_manager).post(
        reverse("applications:decide", args=[application.pk]),
        {"action": "approve", "reason": "Strong managed-services fit."},
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.status == "onboarding"
    applicant = Membership.objects.for_tenant(tenant).get(user=application.applicant)

    # 4. The checklist starts from application.approved.
    dispatch_pending()
    checklist = PartnerChecklist.objects.for_tenant(tenant).get(partner=partner)
    assert [task.status for task in checklist.tasks.order_by("position")] == ["open", "open"]

    # 5. The vendor issues the agreement; the new partner admin signs it.
    contract = contracts_factories.issue(
        tenant=tenant, actor=admin, template=agreement, partner=partner
    )
    contracts_factories.sign(
        tenant=tenant, actor=applicant, contract=contract, typed_name="Frieda Fabrikam"
    )
    dispatch_pending()
    partner.refresh_from_db()
    assert partner.status == "onboarding"  # the training task is still open

    # 6. Train and pass the quiz: certified.
    finish_modules(tenant, applicant, course)
    attempt = training_services.submit_quiz(
        tenant=tenant, actor=applicant, course_id=course.pk, answers=correct_answers(course)
    )
    assert attempt.passed
    certification = Certification.objects.for_tenant(tenant).get(membership=applicant)
    assert certification.partner_id == partner.pk

    # 7. Every required task done: active, with onboarding.completed.
    dispatch_pending()
    partner.refresh_from_db()
    checklist.refresh_from_db()
    assert partner.status == "active"
    assert checklist.completed_at is not None
    names = set(OutboxEvent.objects.for_tenant(tenant).values_list("name", flat=True))
    assert {
        "application.submitted",
        "application.approved",
        "contract.signed",
        "certification.earned",
        "onboarding.completed",
    } <= names
    # The partner admin now lands in the partner portal, not on the application page.
    client = portal_client(applicant)
    assert client.get(reverse("home")).status_code == 200
