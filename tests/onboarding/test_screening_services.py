"""Screening through the services: list uploads, matching, submission, re-screening and
the decisions on hits and compliance reviews."""

from decimal import Decimal

import pytest

from ecosystem.errors import Conflict, ValidationFailed
from ecosystem.notifications.models import Notification
from ecosystem.outbox.models import OutboxEvent
from ecosystem.outbox.services import dispatch_pending
from ecosystem.scheduling.models import DueWork
from ecosystem.scheduling.services import process_due
from onboarding import screening_services
from onboarding.models import (
    ApplicationStatus,
    CheckKind,
    CheckStatus,
    ComplianceReview,
    HitDisposition,
    ListStatus,
    RestrictedParty,
    ReviewStatus,
    ScreeningCheck,
    ScreeningHit,
    ScreeningRun,
)
from onboarding.screening_matching import (
    company_key,
    compare_domains,
    normalise_person_name,
    similarity,
)
from partners.models import PartnerStatus
from tests.onboarding.factories import submit
from tests.onboarding.screening_factories import LIST_ROWS, csv_file, upload
from tests.partners.factories import PartnerOrganisationFactory

pytestmark = pytest.mark.django_db


# --- matching ---------------------------------------------------------------------------------


def company_score(a, b):
    return similarity(company_key(a), company_key(b))


def test_an_exact_name_scores_one_whatever_the_legal_form():
    assert company_score("Rosneft Trading S.A.", "ROSNEFT TRADING") == Decimal("1")


def test_a_typo_and_another_suffix_score_above_the_default_threshold():
    score = company_score("Rosnef Trading Ltd", "Rosneft Trading SA")
    assert Decimal("0.85") <= score < 1


def test_an_unrelated_name_scores_low():
    assert company_score("Northwind Traders", "Rosneft Trading") < Decimal("0.6")


def test_person_names_ignore_order_titles_and_accents():
    assert normalise_person_name("Dr. Müller, Hans-Peter") == "hans peter muller"
    assert (
        similarity(normalise_person_name("PETROV, Ivan"), normalise_person_name("Ivan Petrov")) == 1
    )
    near = similarity(normalise_person_name("Iwan Petrov"), normalise_person_name("Ivan Petrov"))
    assert Decimal("0.85") <= near < 1
    assert similarity(
        normalise_person_name("Anna Schmidt"), normalise_person_name("Ivan Petrov")
    ) < Decimal("0.5")


@pytest.mark.parametrize(
    ("email", "website", "status", "reason"),
    [
        ("jo@fabrikam.com", "https://www.fabrikam.com/about", "passed", "same"),
        ("jo@contoso.com", "https://fabrikam.com", "flagged", "other"),
        ("jo@gmail.com", "https://fabrikam.com", "flagged", "public_mailbox"),
        ("jo@mail.fabrikam.co.uk", "fabrikam.co.uk", "passed", "same"),
    ],
)
def test_domain_check(email, website, status, reason):
    verdict = compare_domains(email, website)
    assert (verdict.status, verdict.reason) == (status, reason)


# --- list uploads -------------------------------------------------------------------------


def test_a_list_with_row_errors_cannot_be_activated_and_changes_nothing(tenant, admin):
    good = upload(tenant, admin)
    rows = "Acme Sanctioned,,XX,entity,OFAC,1\n,alias only,DE,entity,OFAC,2\nSomeone,,DE,robot,,\n"
    bad = upload(tenant, admin, rows, activate=False)
    assert {(e["row"], e["field"]) for e in bad.errors} == {
        (2, "country"),
        (3, "name"),
        (4, "type"),
    }
    with pytest.raises(Conflict):
        screening_services.activate_list(tenant=tenant, actor=admin, list_id=bad.pk)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.status == ListStatus.PREVIEWED
    assert good.status == ListStatus.ACTIVE
    assert not RestrictedParty.objects.for_tenant(tenant).filter(party_list=bad).exists()


def test_a_file_without_the_name_column_is_refused(tenant, admin):
    with pytest.raises(ValidationFailed) as error:
        screening_services.preview_list(
            tenant=tenant, actor=admin, uploaded_file=csv_file("title,country\nX,DE\n")
        )
    assert error.value.field == "file"


def test_the_same_party_twice_is_a_row_error(tenant, admin):
    rows = "Rosneft Trading,,CH,entity,OFAC,1\nRosneft Trading Ltd,,CH,entity,OFAC,1\n"
    party_list = upload(tenant, admin, rows, activate=False)
    assert [(e["row"], e["field"]) for e in party_list.errors] == [(3, "reference")]


def test_replacing_the_list_keeps_the_old_one_inactive(
    tenant, admin, django_capture_on_commit_callbacks
):
    first = upload(tenant, admin)
    second = upload(tenant, admin, "Other Party,,DE,entity,BAFA,B-1\n", name="new.csv")
    first.refresh_from_db()
    assert (first.status, second.status) == (ListStatus.REPLACED, ListStatus.ACTIVE)
    assert first.replaced_at is not None
    assert RestrictedParty.objects.for_tenant(tenant).filter(party_list=first).count() == 3
    assert second.entry_count == 1


# --- screening on submission ------------------------------------------------------------


def test_submission_is_screened_and_never_decided(tenant, admin):
    upload(tenant, admin, LIST_ROWS + "Fabrikam Managed Service GmbH,,DE,entity,OFAC,X-9\n")
    application = submit(
        tenant, email="frieda@gmail.com", contact_name="Ivan Petrov", contact_phone=""
    )
    dispatch_pending()
    run = ScreeningRun.objects.for_tenant(tenant).get(application=application)
    checks = {
        (c.kind, c.subject): c for c in ScreeningCheck.objects.for_tenant(tenant).filter(run=run)
    }
    company = checks[(CheckKind.COMPANY, "Fabrikam Managed Services")]
    assert company.status == CheckStatus.FLAGGED and company.score >= Decimal("0.95")
    assert company.hit.entry.source == "OFAC"
    assert checks[(CheckKind.PERSON, "Ivan Petrov")].hit.entry.reference == "HMT-3003"
    domain = next(c for (kind, _s), c in checks.items() if kind == CheckKind.DOMAIN)
    assert domain.status == CheckStatus.FLAGGED and "public mailbox" in domain.detail
    required = next(c for (kind, _s), c in checks.items() if kind == CheckKind.REQUIRED_FIELDS)
    assert required.status == CheckStatus.FLAGGED and "contact phone" in required.detail
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert run.status == CheckStatus.FLAGGED
    assert not ComplianceReview.objects.for_tenant(tenant).exists()
    # A repeated delivery screens nothing twice.
    screening_services.screen_application(tenant=tenant, application_id=application.pk)
    assert ScreeningRun.objects.for_tenant(tenant).filter(application=application).count() == 1


def test_a_clean_application_passes_and_without_a_list_the_list_checks_say_so(tenant, admin):
    application = submit(tenant)
    dispatch_pending()
    statuses = {
        c.kind: c.status
        for c in ScreeningCheck.objects.for_tenant(tenant).filter(run__application=application)
    }
    assert statuses == {
        CheckKind.COMPANY: CheckStatus.ERROR,
        CheckKind.PERSON: CheckStatus.ERROR,
        CheckKind.DOMAIN: CheckStatus.PASSED,
        CheckKind.REQUIRED_FIELDS: CheckStatus.PASSED,
    }


def test_required_fields_follow_the_tenant_table(tenant, admin):
    screening_services.update_settings(
        tenant=tenant, actor=admin, data={"required_fields": {"gsi": ["certifications"]}}
    )
    application = submit(tenant, partner_type="gsi", certifications=[])
    screening_services.screen_application(tenant=tenant, application_id=application.pk)
    check = ScreeningCheck.objects.for_tenant(tenant).get(
        run__application=application, kind=CheckKind.REQUIRED_FIELDS
    )
    assert check.status == CheckStatus.FLAGGED and "certifications" in check.detail
    with pytest.raises(ValidationFailed) as error:
        screening_services.update_settings(
            tenant=tenant, actor=admin, data={"required_fields": {"gsi": ["vat_id"]}}
        )
    assert error.value.field == "required_fields"


def test_the_threshold_decides_what_flags(tenant, admin):
    upload(tenant, admin)
    screening_services.update_settings(tenant=tenant, actor=admin, data={"match_threshold": "0.99"})
    application = submit(
        tenant, company_name="Rosnef Trading Ltd", website="https://rosnef.example"
    )
    screening_services.screen_application(tenant=tenant, application_id=application.pk)
    check = ScreeningCheck.objects.for_tenant(tenant).get(
        run__application=application, kind=CheckKind.COMPANY
    )
    assert check.status == CheckStatus.PASSED
    with pytest.raises(ValidationFailed):
        screening_services.update_settings(
            tenant=tenant, actor=admin, data={"match_threshold": "1.5"}
        )


# --- re-screening -----------------------------------------------------------------------


@pytest.fixture
def suspicious(tenant, channel_manager, make_member):
    partner = PartnerOrganisationFactory(
        tenant=tenant,
        name="Volga Industrial Group",
        status=PartnerStatus.ACTIVE,
        channel_manager=channel_manager,
    )
    make_member(
        tenant, "partner_sales", partner, full_name="Ivan Petrov", email="ivan@volga.example"
    )
    PartnerOrganisationFactory(tenant=tenant, name="Northwind Traders", status=PartnerStatus.ACTIVE)
    return partner


def test_replacing_the_list_opens_reviews_only_for_new_hits(
    tenant, admin, channel_manager, suspicious, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(tenant, admin)
    reviews = ComplianceReview.objects.for_tenant(tenant)
    assert {(r.partner_id, r.hit.kind) for r in reviews} == {
        (suspicious.pk, CheckKind.COMPANY),
        (suspicious.pk, CheckKind.PERSON),
    }
    assert {r.assigned_to_id for r in reviews} == {channel_manager.pk}
    assert (
        Notification.objects.for_tenant(tenant)
        .filter(recipient=channel_manager.user, kind="compliance_review.opened")
        .count()
        == 2
    )
    assert (
        OutboxEvent.objects.for_tenant(tenant).filter(name="compliance_review.opened").count() == 2
    )
    # The same entries in a new upload are not new hits; a run again opens nothing.
    with django_capture_on_commit_callbacks(execute=True):
        upload(tenant, admin, name="same-again.csv")
    assert screening_services.rescreen_partners(tenant=tenant, trigger="schedule") == 0
    assert reviews.count() == 2
    assert ScreeningHit.objects.for_tenant(tenant).count() == 2


def test_the_schedule_rescreens_and_finds_a_new_hit(
    tenant, admin, suspicious, django_capture_on_commit_callbacks, time_machine
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(tenant, admin, "Someone Else,,DE,entity,OFAC,Z-1\n")
    assert not ComplianceReview.objects.for_tenant(tenant).exists()
    work = DueWork.objects.for_tenant(tenant).get(kind=screening_services.RESCREEN_WORK)
    suspicious.name = "Someone Else"
    suspicious.save()
    time_machine.move_to(work.due_at)
    with django_capture_on_commit_callbacks(execute=True):
        assert process_due() == 1
    assert ComplianceReview.objects.for_tenant(tenant).filter(partner=suspicious).count() == 1
    # The next run is booked one interval later.
    assert (
        DueWork.objects.for_tenant(tenant)
        .filter(kind=screening_services.RESCREEN_WORK, done_at__isnull=True, due_at__gt=work.due_at)
        .exists()
    )


# --- decisions ------------------------------------------------------------------------------


def test_a_false_positive_needs_a_reason_and_clears_the_review(
    tenant, admin, suspicious, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(tenant, admin)
    review = ComplianceReview.objects.for_tenant(tenant).filter(hit__kind=CheckKind.PERSON).get()
    with pytest.raises(ValidationFailed) as error:
        screening_services.decide_hit(
            tenant=tenant,
            actor=admin,
            hit_id=review.hit_id,
            disposition="false_positive",
            reason=" ",
        )
    assert error.value.field == "reason"
    hit = screening_services.decide_hit(
        tenant=tenant,
        actor=admin,
        hit_id=review.hit_id,
        disposition="false_positive",
        reason="Different person: born 1990, passport checked.",
    )
    review.refresh_from_db()
    assert hit.disposition == HitDisposition.FALSE_POSITIVE
    assert review.status == ReviewStatus.CLEARED and review.decided_by == admin.user
    from ecosystem.audit.models import AuditEntry

    assert AuditEntry.objects.for_tenant(tenant).filter(action="screening.hit_decided").exists()
    with pytest.raises(Conflict):
        screening_services.decide_review(
            tenant=tenant, actor=admin, review_id=review.pk, decision="confirmed", reason="x"
        )


def test_confirming_suspends_only_when_asked(
    tenant, admin, suspicious, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(tenant, admin)
    person, company = (
        ComplianceReview.objects.for_tenant(tenant).get(hit__kind=kind)
        for kind in (CheckKind.PERSON, CheckKind.COMPANY)
    )
    screening_services.decide_review(
        tenant=tenant, actor=admin, review_id=person.pk, decision="confirmed", reason="Same DOB."
    )
    suspicious.refresh_from_db()
    assert suspicious.status == PartnerStatus.ACTIVE
    review = screening_services.decide_review(
        tenant=tenant,
        actor=admin,
        review_id=company.pk,
        decision="confirmed",
        reason="Same registry number.",
        suspend_partner=True,
    )
    suspicious.refresh_from_db()
    assert review.status == ReviewStatus.CONFIRMED and review.partner_suspended
    assert suspicious.status == PartnerStatus.SUSPENDED
    assert "Same registry number." in suspicious.status_changes.latest("id").reason


def test_reserved_suffixes_compare_by_their_last_two_labels():
    assert (
        compare_domains("jo@fabrikam.example", "https://www.fabrikam.example/").status == "passed"
    )
    assert compare_domains("jo@contoso.example", "https://fabrikam.example").reason == "other"
    assert compare_domains("not an address", "https://fabrikam.example").status == "error"
