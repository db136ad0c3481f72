"""The mdf/claims/ API: claims with proof as multipart or JSON, upload refusals that store
nothing, review, payment once (also when paid concurrently over HTTP), batches, proof
downloads, partner isolation and bounded lists."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from ecosystem.tenancy.roles import Role
from mdf import claim_services
from mdf.models import Claim, EntryKind, LedgerEntry, ProofFile
from tests.concurrency import run_together
from tests.mdf.api_helpers import (
    PDF,
    allocate,
    approved,
    claim,
    make_fund,
    pdf,
    png,
    submit,
)
from tests.partners.factories import PartnerOrganisationFactory

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/mdf/claims/"


@pytest.fixture
def finance(tenant, make_member):
    return make_member(tenant, Role.FINANCE, email="finance@acme.example")


@pytest.fixture
def allocation(tenant, finance, partner):
    return allocate(tenant, finance, make_fund(tenant, finance), partner)


@pytest.fixture
def fund_request(tenant, allocation, partner_admin, channel_manager):
    return approved(tenant, partner_admin, channel_manager, allocation, "2000.00")


@pytest.fixture
def filed(tenant, partner_admin, fund_request):
    return claim(tenant, partner_admin, fund_request, "1800.00")


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def pay_body(**extra):
    return {"reference": "PAY-1001", "method": "bank_transfer", "paid_on": "2026-01-15", **extra}


# --- filing claims ------------------------------------------------------------------------------


def test_a_partner_claims_with_proof_files_as_multipart(
    tenant, fund_request, partner_admin, api_client, settings
):
    response = api_client(partner_admin).post(
        CLAIMS,
        {
            "request": fund_request.pk,
            "claimed_amount": "1750.25",
            "leads_generated": "12",
            "results": "40 attendees",
            "proof": [pdf("Invoice 12.pdf"), png("booth.png")],
            "proof_kind": ["invoice", "photo"],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["claimed_amount"], body["currency"]) == (
        "submitted",
        "1750.25",
        "USD",
    )
    assert (body["leads_generated"], body["results"], body["partner"]) == (
        12,
        "40 attendees",
        fund_request.allocation.partner_id,
    )
    assert [(p["kind"], p["file_name"]) for p in body["proofs"]] == [
        ("invoice", "Invoice 12.pdf"),
        ("photo", "booth.png"),
    ]
    assert len(stored_files(settings)) == 2
    assert all("Invoice" not in path.name for path in stored_files(settings))


def test_one_proof_kind_applies_to_every_file_and_links_are_kept(
    tenant, fund_request, partner, partner_admin, api_client
):
    from tests.dealreg.factories import DealFactory

    deal = DealFactory(tenant=tenant, partner=partner)
    response = api_client(partner_admin).post(
        CLAIMS,
        {"request": fund_request.pk, "claimed_amount": "100", "proof": [pdf("a.pdf"), pdf("b.pdf")],
         "proof_kind": "attendee_list", "linked_deals": [deal.pk]},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert {p["kind"] for p in response.json()["proofs"]} == {"attendee_list"}
    assert response.json()["linked_deals"] == [deal.pk]


def test_a_json_claim_without_proof_is_a_400_naming_proof(
    tenant, fund_request, partner_admin, api_client
):
    response = api_client(partner_admin).post(
        CLAIMS, {"request": fund_request.pk, "claimed_amount": "100.00"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["proof"]
    assert not Claim.objects.for_tenant(tenant).exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"claimed_amount": "10.005"}, "claimed_amount"),
        ({"claimed_amount": "-1"}, "claimed_amount"),
        ({"claimed_amount": "2000.01"}, "claimed_amount"),
        ({"leads_generated": "lots"}, "leads_generated"),
        ({"proof_kind": ["invoice", "photo"]}, "proof_kind"),
        ({"proof_kind": "selfie"}, "proof_kind"),
        ({"linked_leads": ["x"]}, "linked_leads"),
        ({"linked_deals": [999_999]}, "linked_deals"),
        ({"request": "abc"}, "request"),
    ],
)
def test_bad_claim_input_is_a_400_naming_the_field(
    tenant, fund_request, partner_admin, api_client, settings, extra, field
):
    data = {"request": fund_request.pk, "claimed_amount": "100.00", "proof": [pdf()], **extra}
    response = api_client(partner_admin).post(CLAIMS, data, format="multipart")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not ProofFile.objects.for_tenant(tenant).exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(lambda: pdf("setup.exe"), id="wrong extension"),
        pytest.param(
            lambda: SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf"),
            id="renamed executable",
        ),
        pytest.param(lambda: pdf("page.html"), id="html"),
    ],
)
def test_a_proof_of_the_wrong_type_is_a_400_naming_proof_and_stores_nothing(
    tenant, fund_request, partner_admin, api_client, settings, upload
):
    data = {"request": fund_request.pk, "claimed_amount": "100.00", "proof": [pdf(), upload()]}
    response = api_client(partner_admin).post(CLAIMS, data, format="multipart")
    assert response.status_code == 400
    assert list(response.json()) == ["proof"]
    assert not Claim.objects.for_tenant(tenant).exists()
    assert not ProofFile.objects.for_tenant(tenant).exists()
    assert stored_files(settings) == []


def test_an_oversized_proof_is_a_413_and_stores_nothing(
    tenant, fund_request, partner_admin, api_client, settings
):
    settings.ATTACHMENT_MAX_BYTES = 4096
    client = api_client(partner_admin)
    at_limit = {"request": fund_request.pk, "claimed_amount": "100", "proof": [pdf(size=4096)]}
    over = {**at_limit, "proof": [pdf("small.pdf"), pdf(size=4097)]}

    response = client.post(CLAIMS, over, format="multipart")

    assert response.status_code == 413, response.content
    assert "proof" in response.json()
    assert not Claim.objects.for_tenant(tenant).exists()
    assert not ProofFile.objects.for_tenant(tenant).exists()
    assert stored_files(settings) == []
    assert client.post(CLAIMS, at_limit, format="multipart").status_code == 201


def test_an_oversized_proof_added_later_is_a_413(
    tenant, filed, partner_admin, api_client, settings
):
    settings.ATTACHMENT_MAX_BYTES = 4096
    before = stored_files(settings)
    response = api_client(partner_admin).post(
        f"{CLAIMS}{filed.pk}/proofs/", {"proof": pdf(size=5000)}, format="multipart"
    )
    assert response.status_code == 413
    assert filed.proofs.count() == 1
    assert stored_files(settings) == before


def test_a_request_body_over_the_upload_limit_is_a_413(
    tenant, fund_request, partner_admin, api_client, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = api_client(partner_admin).post(
        CLAIMS,
        {"request": fund_request.pk, "claimed_amount": "100", "results": "x" * 2000,
         "proof": [pdf()]},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 413
    assert not Claim.objects.for_tenant(tenant).exists()


def test_claiming_a_request_that_is_not_approved_is_a_409(
    tenant, allocation, partner_admin, api_client
):
    pending = submit(tenant, partner_admin, allocation)
    response = api_client(partner_admin).post(
        CLAIMS,
        {"request": pending.pk, "claimed_amount": "10", "proof": [pdf()]},
        format="multipart",
    )
    assert response.status_code == 409
    assert not Claim.objects.for_tenant(tenant).exists()


def test_claiming_twice_is_a_409(tenant, filed, fund_request, partner_admin, api_client):
    response = api_client(partner_admin).post(
        CLAIMS,
        {"request": fund_request.pk, "claimed_amount": "10", "proof": [pdf()]},
        format="multipart",
    )
    assert response.status_code == 409


def test_only_partner_admins_and_marketers_claim_and_only_their_own_requests(
    tenant, fund_request, partner_sales, channel_manager, other_partner_admin, api_client
):
    data = {"request": fund_request.pk, "claimed_amount": "10", "proof": [pdf()]}
    assert api_client(partner_sales).post(CLAIMS, data, format="multipart").status_code == 403
    assert api_client(channel_manager).post(CLAIMS, data, format="multipart").status_code == 403
    data = {"request": fund_request.pk, "claimed_amount": "10", "proof": [pdf()]}
    assert api_client(other_partner_admin).post(CLAIMS, data, format="multipart").status_code == 404


def test_filing_a_claim_with_an_idempotency_key_files_it_once(
    tenant, fund_request, partner_admin, api_client
):
    client = api_client(partner_admin)
    data = {"request": fund_request.pk, "claimed_amount": "10"}
    first = client.post(CLAIMS, {**data, "proof": [pdf()]}, format="multipart",
                        HTTP_IDEMPOTENCY_KEY="claim-1")  # fmt: skip
    again = client.post(CLAIMS, {**data, "proof": [pdf()]}, format="multipart",
                        HTTP_IDEMPOTENCY_KEY="claim-1")  # fmt: skip
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Claim.objects.for_tenant(tenant).count() == 1
    assert ProofFile.objects.for_tenant(tenant).count() == 1


# --- review and payment ---------------------------------------------------------------------------


def test_review_approve_then_pay_once(
    tenant, filed, fund_request, channel_manager, finance, api_client
):
    reviewer = api_client(channel_manager)
    url = f"{CLAIMS}{filed.pk}/approve/"
    response = reviewer.post(url, {"amount": "1500.00"}, format="json")
    assert (response.status_code, list(response.json())) == (400, ["reason"])
    response = reviewer.post(url, {"amount": "1500.00", "reason": "No receipt for travel"})
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["approved_amount"]) == (
        "approved",
        "1500.00",
    )
    assert reviewer.post(url, {}, format="json").status_code == 409
    assert reviewer.post(f"{CLAIMS}{filed.pk}/pay/", pay_body()).status_code == 403

    payer = api_client(finance)
    response = payer.post(f"{CLAIMS}{filed.pk}/pay/", pay_body(), format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["payment_reference"]) == (
        "paid",
        "PAY-1001",
    )
    assert payer.post(f"{CLAIMS}{filed.pk}/pay/", pay_body(), format="json").status_code == 409
    payouts = LedgerEntry.objects.for_tenant(tenant).filter(kind=EntryKind.PAYOUT)
    assert list(payouts.values_list("amount", flat=True)) == [Decimal("1500.00")]
    shown = payer.get(f"/api/v1/mdf/allocations/{fund_request.allocation_id}/").json()
    assert (shown["claimed"], shown["paid"], shown["committed"]) == (
        "1500.00",
        "1500.00",
        "1500.00",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reference": ""}, "reference"),
        ({"method": "cash"}, "method"),
        ({"paid_on": "15/01/2026"}, "paid_on"),
        ({"paid_on": "2999-01-01"}, "paid_on"),
    ],
)
def test_bad_payment_input_names_the_field(
    tenant, filed, channel_manager, finance, api_client, body, field
):
    claim_services.approve_claim(tenant=tenant, actor=channel_manager, claim_id=filed.pk)
    response = api_client(finance).post(f"{CLAIMS}{filed.pk}/pay/", pay_body(**body))
    assert response.status_code == 400
    assert field in response.json()


def test_paying_an_unapproved_claim_is_a_409(tenant, filed, finance, api_client):
    response = api_client(finance).post(f"{CLAIMS}{filed.pk}/pay/", pay_body(), format="json")
    assert response.status_code == 409


def test_reject_needs_a_reason_and_changes_lead_to_an_updated_claim(
    tenant, filed, channel_manager, partner_admin, api_client
):
    reviewer = api_client(channel_manager)
    response = reviewer.post(f"{CLAIMS}{filed.pk}/reject/", {}, format="json")
    assert (response.status_code, list(response.json())) == (400, ["reason"])
    response = reviewer.post(
        f"{CLAIMS}{filed.pk}/request-changes/", {"message": "Add the invoice"}, format="json"
    )
    assert response.json()["status"] == "changes_requested"

    partner_client = api_client(partner_admin)
    response = partner_client.put(
        f"{CLAIMS}{filed.pk}/",
        {"claimed_amount": "1900.00", "proof": [png()], "proof_kind": "photo"},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["claimed_amount"]) == (
        "submitted",
        "1900.00",
    )
    assert [p["kind"] for p in response.json()["proofs"]] == ["invoice", "photo"]
    again = partner_client.put(f"{CLAIMS}{filed.pk}/", {"claimed_amount": "1"}, format="json")
    assert again.status_code == 409
    response = reviewer.post(f"{CLAIMS}{filed.pk}/reject/", {"reason": "Not MDF-eligible"})
    assert response.json()["status"] == "rejected"
    assert reviewer.post(f"{CLAIMS}{filed.pk}/approve/", {}, format="json").status_code == 409


def test_pay_batch_pays_several_claims_at_once_or_none(
    tenant, allocation, partner_admin, channel_manager, finance, api_client
):
    claims = []
    for amount in ("300.00", "450.50", "100.00"):
        request = approved(tenant, partner_admin, channel_manager, allocation, amount)
        filed = claim(tenant, partner_admin, request)
        claims.append(filed)
    for filed in claims[:2]:
        claim_services.approve_claim(tenant=tenant, actor=channel_manager, claim_id=filed.pk)
    client = api_client(finance)
    url = f"{CLAIMS}pay-batch/"

    response = client.post(url, pay_body(claims=[c.pk for c in claims]), format="json")
    assert response.status_code == 409
    assert not Claim.objects.for_tenant(tenant).filter(status="paid").exists()

    ids = [c.pk for c in claims[:2]]
    response = client.post(url, pay_body(claims=ids), format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["claims"], body["total"], body["currency"]) == (ids, "750.50", "USD")
    replay = client.post(url, pay_body(claims=ids), format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert replay.json() == body
    assert client.post(url, pay_body(claims=ids), format="json").status_code == 409
    assert LedgerEntry.objects.for_tenant(tenant).filter(kind=EntryKind.PAYOUT).count() == 2
    assert client.post(url, pay_body(claims=[]), format="json").status_code == 400
    assert list(client.post(url, pay_body(claims=[999_999]), format="json").json()) == ["claims"]
    assert api_client(channel_manager).post(url, pay_body(claims=ids)).status_code == 403


# --- proof --------------------------------------------------------------------------------------


def test_proof_is_listed_added_and_downloaded_as_an_attachment(
    tenant, filed, partner_admin, channel_manager, api_client
):
    client = api_client(partner_admin)
    response = client.post(
        f"{CLAIMS}{filed.pk}/proofs/", {"proof": png(), "proof_kind": "photo"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    added = response.json()
    listed = client.get(f"{CLAIMS}{filed.pk}/proofs/").json()
    assert [p["kind"] for p in listed] == ["invoice", "photo"]

    first = listed[0]
    download = api_client(channel_manager).get(first["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="invoice.pdf"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"
    assert download["Content-Type"] == "application/pdf"
    assert client.get(added["download_url"]).status_code == 200
    # Proof cannot be added once the claim is decided.
    claim_services.approve_claim(tenant=tenant, actor=channel_manager, claim_id=filed.pk)
    late = client.post(f"{CLAIMS}{filed.pk}/proofs/", {"proof": png()}, format="multipart")
    assert late.status_code == 409
    assert api_client(channel_manager).post(
        f"{CLAIMS}{filed.pk}/proofs/", {"proof": png()}, format="multipart"
    ).status_code == 403  # fmt: skip


def test_partner_users_see_only_their_own_claims_and_proof(
    tenant, finance, filed, partner_sales, other_partner, channel_manager, make_member, api_client
):
    other_admin = make_member(tenant, Role.PARTNER_ADMIN, other_partner, email="o@contoso.example")
    fund = filed.request.allocation.fund
    theirs_request = approved(tenant, other_admin, channel_manager,
                              allocate(tenant, finance, fund, other_partner))  # fmt: skip
    theirs = claim(tenant, other_admin, theirs_request)
    their_proof = theirs.proofs.get()
    client = api_client(partner_sales)

    assert [c["id"] for c in client.get(CLAIMS).json()["results"]] == [filed.pk]
    assert client.get(f"{CLAIMS}{filed.pk}/").status_code == 200
    for path in (
        f"{CLAIMS}{theirs.pk}/",
        f"{CLAIMS}{theirs.pk}/proofs/",
        f"{CLAIMS}{theirs.pk}/proofs/{their_proof.pk}/download/",
        # Their proof through our own claim's URL is not found either.
        f"{CLAIMS}{filed.pk}/proofs/{their_proof.pk}/download/",
    ):
        assert client.get(path).status_code == 404, path
    staff = api_client(channel_manager)
    assert {c["id"] for c in staff.get(CLAIMS).json()["results"]} == {filed.pk, theirs.pk}
    assert [
        c["id"] for c in staff.get(f"{CLAIMS}?partner={other_partner.pk}").json()["results"]
    ] == [theirs.pk]


def test_claim_list_queries_are_bounded(
    tenant, finance, channel_manager, make_member, api_client, django_assert_max_num_queries
):
    from tests.dealreg.factories import DealFactory

    fund = make_fund(tenant, finance, amount="900000")
    for index in range(12):
        partner = PartnerOrganisationFactory(tenant=tenant)
        member = make_member(tenant, Role.PARTNER_ADMIN, partner, email=f"p{index}@x.example")
        request = approved(tenant, member, channel_manager,
                           allocate(tenant, finance, fund, partner), "500")  # fmt: skip
        deal = DealFactory(tenant=tenant, partner=partner)
        claim_services.submit_claim(
            tenant=tenant, actor=member, request_id=request.pk,
            data={"claimed_amount": "400", "linked_deals": [deal.pk]},
            proofs=[("invoice", pdf()), ("photo", png())],
        )  # fmt: skip
    client = api_client(channel_manager)
    with django_assert_max_num_queries(11):
        response = client.get(CLAIMS)
    results = response.json()["results"]
    assert len(results) == 12
    assert all(len(c["proofs"]) == 2 and len(c["linked_deals"]) == 1 for c in results)
    with django_assert_max_num_queries(11):
        assert client.get(f"{CLAIMS}?status=submitted").status_code == 200


# --- concurrency --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_concurrent_payments_of_one_claim_over_http_pay_it_once(
    tenant, partner, partner_admin, make_member, api_client
):
    finance = make_member(tenant, Role.FINANCE, email="finance@acme.example")
    reviewer = make_member(tenant, Role.CHANNEL_MANAGER, email="cm@acme.example")
    allocation = allocate(tenant, finance, make_fund(tenant, finance), partner)
    filed = claim(tenant, partner_admin, approved(tenant, partner_admin, reviewer, allocation))
    claim_services.approve_claim(tenant=tenant, actor=reviewer, claim_id=filed.pk)
    clients = [
        api_client(make_member(tenant, Role.FINANCE, email=f"payer{i}@acme.example"))
        for i in range(4)
    ]

    def payment(client, index):
        body = pay_body(reference=f"PAY-{index}")
        return lambda: client.post(f"{CLAIMS}{filed.pk}/pay/", body, format="json")

    responses = run_together([payment(client, i) for i, client in enumerate(clients)])

    codes = sorted(getattr(response, "status_code", response) for response in responses)
    assert codes == [200, 409, 409, 409], responses
    payouts = LedgerEntry.objects.for_tenant(tenant).filter(kind=EntryKind.PAYOUT, claim=filed)
    assert payouts.count() == 1
    filed.refresh_from_db()
    assert filed.status == "paid"
