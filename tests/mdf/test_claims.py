"""Claims after the activity: proof, limits, review, deadlines with reminders and lapse."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from ecosystem.errors import Conflict, NotFound, TooLarge, ValidationFailed
from ecosystem.notifications.models import Notification
from ecosystem.scheduling.models import DueWork
from ecosystem.scheduling.services import process_due
from mdf import claim_services, selectors
from mdf.models import ClaimStatus, EntryKind, LedgerEntry, ProofFile, RequestStatus
from tests.dealreg.factories import DealFactory, LeadFactory
from tests.mdf.conftest import pdf, png

AFTER = datetime.datetime(2026, 11, 10, 12, tzinfo=datetime.UTC)


def claim(tenant, actor, request, amount="3800.00", proofs=None, **data):
    return claim_services.submit_claim(
        tenant=tenant,
        actor=actor,
        request_id=request.pk,
        data={"claimed_amount": amount, "leads_generated": 55, "results": "Full room", **data},
        proofs=[("invoice", pdf())] if proofs is None else proofs,
    )


def balance(tenant, request):
    return selectors.balances(tenant=tenant, allocation_ids=[request.allocation_id])[
        request.allocation_id
    ]


@pytest.fixture(autouse=True)
def _after_the_webinar():
    with time_machine.travel(AFTER, tick=False):
        yield


@pytest.mark.django_db
def test_a_claim_with_proof_is_approved_and_gives_back_what_it_did_not_use(
    tenant, partner, partner_admin, channel_manager, approved_request
):
    request = approved_request()
    lead = LeadFactory(tenant=tenant, partner=partner)
    deal = DealFactory(tenant=tenant, partner=partner)

    filed = claim(
        tenant,
        partner_admin,
        request,
        proofs=[("invoice", pdf()), ("photo", png())],
        linked_leads=[lead.pk],
        linked_deals=[deal.pk],
    )
    approved = claim_services.approve_claim(
        tenant=tenant,
        actor=channel_manager,
        claim_id=filed.pk,
        amount="3500",
        reason="Catering is not covered",
    )

    assert (approved.status, approved.approved_amount) == ("approved", Decimal("3500.00"))
    assert list(filed.proofs.values_list("kind", "content_type")) == [
        ("invoice", "application/pdf"),
        ("photo", "image/png"),
    ]
    assert all("/mdf-proof/" in proof.file.name for proof in filed.proofs.all())
    assert set(filed.linked_leads.all()) == {lead} and set(filed.linked_deals.all()) == {deal}
    moves = list(
        LedgerEntry.objects.for_tenant(tenant).filter(request=request).values_list("kind", "amount")
    )
    assert moves == [
        (EntryKind.COMMITMENT, Decimal("4000.00")),
        (EntryKind.CLAIM, Decimal("3500.00")),
        (EntryKind.RELEASE, Decimal("500.00")),
    ]
    after = balance(tenant, request)
    assert (after.committed, after.claimed, after.remaining) == (
        Decimal("3500.00"),
        Decimal("3500.00"),
        Decimal("6500.00"),
    )
    # The deadline work is done with: no reminder for a claimed request.
    assert not DueWork.objects.for_tenant(tenant).filter(
        kind__startswith="mdf.claim_", done_at__isnull=True, cancelled_at__isnull=True
    )


@pytest.mark.django_db
def test_claims_stay_within_the_approved_amount_and_one_per_request(
    tenant, partner_admin, channel_manager, approved_request
):
    request = approved_request()

    with pytest.raises(ValidationFailed) as error:
        claim(tenant, partner_admin, request, amount="4000.01")
    assert "claimed_amount" in error.value.errors

    filed = claim(tenant, partner_admin, request, amount="4000.00")
    with pytest.raises(Conflict, match="already has a claim"):
        claim(tenant, partner_admin, request)
    with pytest.raises(ValidationFailed) as error:
        claim_services.approve_claim(
            tenant=tenant, actor=channel_manager, claim_id=filed.pk, amount="4100"
        )
    assert error.value.field == "amount"
    with pytest.raises(ValidationFailed, match="Say why"):
        claim_services.approve_claim(
            tenant=tenant, actor=channel_manager, claim_id=filed.pk, amount="3000"
        )

    claim_services.approve_claim(tenant=tenant, actor=channel_manager, claim_id=filed.pk)
    with pytest.raises(Conflict):
        claim_services.approve_claim(tenant=tenant, actor=channel_manager, claim_id=filed.pk)
    assert LedgerEntry.objects.for_tenant(tenant).filter(kind=EntryKind.CLAIM).count() == 1


@pytest.mark.django_db
def test_only_an_approved_request_of_ones_own_is_claimed(
    tenant, partner_admin, other_partner_admin, partner, finance, make_fund, approved_request
):
    from mdf import services
    from tests.mdf.conftest import request_data

    request = approved_request()
    with pytest.raises(NotFound):
        claim(tenant, other_partner_admin, request)

    fund = make_fund()
    allocation = services.allocate(
        tenant=tenant, actor=finance, fund_id=fund.pk, partner_id=partner.pk, amount="500"
    )
    waiting = services.submit_request(
        tenant=tenant, actor=partner_admin, allocation_id=allocation.pk, data=request_data("400")
    )
    with pytest.raises(Conflict, match="approved"):
        claim(tenant, partner_admin, waiting)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "error_type"),
    [
        (SimpleUploadedFile("invoice.exe", b"MZ\x90\x00"), ValidationFailed),
        (SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf"), ValidationFailed),
        (SimpleUploadedFile("list.csv", b"name\x00\xff\xfe"), ValidationFailed),
        (SimpleUploadedFile("photo.png", b"GIF89a"), ValidationFailed),
        (pdf(body=b"%PDF-1.4\n" + b"0" * 3000), TooLarge),
    ],
)
def test_bad_proof_is_refused_and_nothing_is_stored(
    tenant, partner_admin, approved_request, settings, upload, error_type
):
    settings.ATTACHMENT_MAX_BYTES = 2048
    request = approved_request()

    with pytest.raises(error_type) as error:
        claim(tenant, partner_admin, request, proofs=[("invoice", pdf()), ("other", upload)])

    assert error.value.field == "proof"
    assert not ProofFile.objects.for_tenant(tenant).exists()
    assert not request.claims.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


@pytest.mark.django_db
def test_a_claim_needs_proof(tenant, partner_admin, approved_request):
    with pytest.raises(ValidationFailed) as error:
        claim(tenant, partner_admin, approved_request(), proofs=[])
    assert error.value.field == "proof"


@pytest.mark.django_db
def test_changes_asked_then_resubmitted_with_more_proof(
    tenant, partner_admin, channel_manager, approved_request
):
    request = approved_request()
    filed = claim(tenant, partner_admin, request)
    claim_services.request_claim_changes(
        tenant=tenant, actor=channel_manager, claim_id=filed.pk, message="Add the attendee list"
    )

    with pytest.raises(Conflict):
        claim_services.approve_claim(tenant=tenant, actor=channel_manager, claim_id=filed.pk)
    claim_services.update_claim(
        tenant=tenant,
        actor=partner_admin,
        claim_id=filed.pk,
        data={"claimed_amount": "3900", "leads_generated": 61},
        proofs=[("attendee_list", SimpleUploadedFile("attendees.csv", b"name,email\nA,a@x.io\n"))],
    )

    filed.refresh_from_db()
    assert (filed.status, filed.claimed_amount, filed.leads_generated) == (
        ClaimStatus.SUBMITTED,
        Decimal("3900.00"),
        61,
    )
    assert sorted(filed.proofs.values_list("kind", flat=True)) == ["attendee_list", "invoice"]


@pytest.mark.django_db
def test_a_rejected_claim_may_be_filed_again_before_the_deadline(
    tenant, partner_admin, channel_manager, approved_request
):
    request = approved_request()
    first = claim(tenant, partner_admin, request)
    claim_services.reject_claim(
        tenant=tenant,
        actor=channel_manager,
        claim_id=first.pk,
        reason="The invoice is for another event",
    )

    second = claim(tenant, partner_admin, request)

    assert second.status == ClaimStatus.SUBMITTED
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


@pytest.mark.django_db
def test_the_deadline_reminds_twice_then_lapses_and_releases_the_commitment(
    tenant, partner_admin, approved_request
):
    request = approved_request()  # the webinar ended on 3 November
    request.refresh_from_db()
    assert request.claim_deadline == datetime.date(2027, 1, 2)  # 60 days later

    with time_machine.travel(datetime.datetime(2026, 12, 19, 12, tzinfo=datetime.UTC)):
        process_due()
    with time_machine.travel(datetime.datetime(2026, 12, 30, 12, tzinfo=datetime.UTC)):
        process_due()
    reminders = Notification.objects.for_tenant(tenant).filter(kind="mdf.claim_reminder")
    assert sorted(set(reminders.values_list("title", flat=True))) == [
        "Claim due in 14 days: Cloud security webinar",
        "Claim due in 3 days: Cloud security webinar",
    ]
    with time_machine.travel(datetime.datetime(2027, 1, 2, 23, tzinfo=datetime.UTC)):
        process_due()
        request.refresh_from_db()
        assert request.status == RequestStatus.APPROVED  # the deadline day is still open
    with time_machine.travel(datetime.datetime(2027, 1, 3, 1, tzinfo=datetime.UTC), tick=False):
        process_due()
        request.refresh_from_db()
        assert request.status == RequestStatus.LAPSED
        assert balance(tenant, request).committed == Decimal("0.00")
        with pytest.raises(Conflict):
            claim(tenant, partner_admin, request)


@pytest.mark.django_db
def test_a_claim_after_the_deadline_is_refused(tenant, partner_admin, approved_request):
    request = approved_request()
    day_after = datetime.datetime(2027, 1, 3, 12, tzinfo=datetime.UTC)
    with (
        time_machine.travel(day_after, tick=False),
        pytest.raises(Conflict, match="deadline was 2027-01-02"),
    ):
        claim(tenant, partner_admin, request)


@pytest.mark.django_db
def test_a_claim_filed_in_time_keeps_the_request_alive_past_the_deadline(
    tenant, partner_admin, channel_manager, approved_request
):
    request = approved_request()
    filed = claim(tenant, partner_admin, request)
    with time_machine.travel(datetime.datetime(2027, 1, 5, 12, tzinfo=datetime.UTC), tick=False):
        process_due()
        request.refresh_from_db()
        assert request.status == RequestStatus.APPROVED
        # Rejected after the deadline: nothing can be claimed any more, so it lapses at once.
        claim_services.reject_claim(
            tenant=tenant, actor=channel_manager, claim_id=filed.pk, reason="No proof of the event"
        )
        request.refresh_from_db()
        assert request.status == RequestStatus.LAPSED
