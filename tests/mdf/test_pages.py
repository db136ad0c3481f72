"""MDF portal pages: the partner's fund page and the staff overview, the request form and
its edit, request and claim pages with their decisions, proof downloads, the review queue."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from ecosystem.audit.models import AuditEntry
from ecosystem.dates import local_today
from ecosystem.tenancy.roles import Role
from mdf import claim_services, services
from mdf.models import Claim, FundRequest, ProofFile
from tests.dealreg.factories import DealFactory, LeadFactory
from tests.mdf.page_builders import allocate, approved, claimed, fund, pdf, submitted
from tests.partners.factories import PartnerOrganisationFactory, TierFactory


@pytest.fixture
def finance(tenant, make_member):
    return make_member(tenant, Role.FINANCE, email="finance@acme.example")


@pytest.fixture
def marketing_manager(tenant, make_member):
    return make_member(tenant, Role.MARKETING_MANAGER, email="mm@acme.example")


@pytest.fixture
def partner_marketing(tenant, partner, make_member):
    return make_member(tenant, Role.PARTNER_MARKETING, partner, email="mkt@northwind.example")


@pytest.fixture
def money(tenant, finance, partner, other_partner):
    """A fund with an allocation for each partner."""
    the_fund = fund(tenant, finance)
    return {
        "fund": the_fund,
        "allocation": allocate(tenant, finance, the_fund, partner),
        "other_allocation": allocate(tenant, finance, the_fund, other_partner, amount="5000"),
    }


def body(response) -> str:
    return response.content.decode()


# --- /mdf/ ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_partner_fund_page_shows_balances_requests_and_next_steps(
    tenant, money, partner_admin, channel_manager, portal_client
):
    allocation = money["allocation"]
    submitted(tenant, partner_admin, allocation, title="Roadshow")
    to_claim = approved(tenant, partner_admin, channel_manager, allocation, title="Webinar",
                        ended_days_ago=50)  # fmt: skip
    changes = submitted(tenant, partner_admin, allocation, title="Trade show")
    services.request_changes(tenant=tenant, actor=channel_manager, request_id=changes.pk,
                             message="Add the venue")  # fmt: skip

    response = portal_client(partner_admin).get("/mdf/")

    assert response.status_code == 200
    page = body(response)
    assert "FY MDF" in page
    assert "16,000.00 USD" in page  # 20000 allocated, 4000 committed
    assert "Request funds" in page
    assert "Roadshow" in page and "Waiting for review." in page
    assert "Answer the changes asked." in page
    assert reverse("mdf:request_edit", args=[changes.pk]) in page
    # Deadline 60 days after the end, which was 50 days ago: 10 days left, highlighted.
    assert f"File your claim by {date_format(to_claim.claim_deadline, 'j M Y')}" in page
    assert "10 days left" in page and "mdf-deadline-soon" in page
    assert reverse("mdf:claim_new", args=[to_claim.pk]) in page
    assert "style=" not in page


@pytest.mark.django_db
def test_partner_without_allocation_is_told_whom_to_ask(
    tenant, partner, partner_admin, channel_manager, portal_client
):
    partner.channel_manager = channel_manager
    partner.save()
    response = portal_client(partner_admin).get("/mdf/")
    page = body(response)
    assert "No marketing funds yet" in page
    assert channel_manager.user.email in page
    assert "Request funds</a>" not in page


@pytest.mark.django_db
def test_partner_sales_sees_funds_but_cannot_request(tenant, money, partner_sales, portal_client):
    client = portal_client(partner_sales)
    page = body(client.get("/mdf/"))
    assert "FY MDF" in page and "Request funds</a>" not in page
    assert client.get(reverse("mdf:request_new")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "finance", "executive", "channel_manager"])
def test_staff_see_the_overview(role, tenant, money, make_member, portal_client):
    member = make_member(tenant, Role(role), email=f"{role}@staff.example")
    page = body(portal_client(member).get("/mdf/"))
    assert "Market development funds" in page
    assert "FY MDF" in page
    assert "25,000.00" in page  # allocated to the two partners
    assert ("/mdf/payouts/" in page) == (role in ("admin", "finance"))
    assert (reverse("mdf:review") in page) == (role in ("admin", "channel_manager"))


@pytest.mark.django_db
def test_fund_page_query_count_is_bounded(
    tenant, finance, partner, partner_admin, channel_manager, portal_client,
    django_assert_max_num_queries,
):  # fmt: skip
    for number in range(3):
        allocation = allocate(tenant, finance, fund(tenant, finance, name=f"Fund {number}"),
                              partner)  # fmt: skip
        for _ in range(2):
            claimed(
                tenant,
                partner_admin,
                channel_manager,
                allocation,
                amount="1000",
                claimed_amount="800",
            )
        for _ in range(2):
            submitted(tenant, partner_admin, allocation, amount="500")
    client = portal_client(partner_admin)
    client.get("/mdf/")  # settings row created on first read
    with django_assert_max_num_queries(14):
        response = client.get("/mdf/")
    assert len(response.context["rows"]) == 12


@pytest.mark.django_db
def test_staff_overview_query_count_is_bounded(
    tenant, finance, admin, portal_client, django_assert_max_num_queries
):
    partners = PartnerOrganisationFactory.create_batch(4, tenant=tenant)
    for number in range(10):
        the_fund = fund(tenant, finance, name=f"Fund {number}")
        for partner in partners:
            allocate(tenant, finance, the_fund, partner, amount="100")
    client = portal_client(admin)
    client.get("/mdf/")
    with django_assert_max_num_queries(18):
        response = client.get("/mdf/")
    assert len(response.context["funds"]) == 10
    assert response.context["funds"][0].allocated == Decimal("400.00")


# --- the request form ----------------------------------------------------------------------


@pytest.mark.django_db
def test_request_form_submits_and_lands_on_the_request(
    tenant, money, partner_marketing, portal_client
):
    client = portal_client(partner_marketing)
    page = body(client.get(reverse("mdf:request_new")))
    assert "20,000.00 USD left" in page
    assert "within 60 days after the activity ends" in page

    day = (local_today(tenant) + datetime.timedelta(days=10)).isoformat()
    response = client.post(
        reverse("mdf:request_new"),
        {
            "allocation": money["allocation"].pk,
            "activity_type": "event",
            "title": "Customer day",
            "start_date": day,
            "end_date": day,
            "requested_amount": "2500",
            "expected_leads": "30",
            "expected_pipeline": "100000",
        },
    )

    request = FundRequest.objects.for_tenant(tenant).get(title="Customer day")
    assert response.status_code == 302
    assert response["Location"] == reverse("mdf:request_detail", args=[request.pk])
    assert (request.status, request.requested_amount) == ("submitted", Decimal("2500.00"))


@pytest.mark.django_db
def test_request_form_errors_name_the_field(tenant, money, partner_admin, portal_client):
    response = portal_client(partner_admin).post(
        reverse("mdf:request_new"),
        {
            "allocation": money["other_allocation"].pk,  # another partner's
            "activity_type": "event",
            "title": "",
            "start_date": "2001-01-01",
            "end_date": "not a date",
            "requested_amount": "lots",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"allocation", "title", "end_date"} <= set(form.errors)
    assert not FundRequest.objects.for_tenant(tenant).exists()

    response = portal_client(partner_admin).post(
        reverse("mdf:request_new"),
        {
            "allocation": money["allocation"].pk,
            "activity_type": "event",
            "title": "Too early",
            "start_date": "2001-01-01",
            "end_date": "2001-01-02",
            "requested_amount": "12.345",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "within the fund's period" in errors["start_date"][0]
    assert "two decimals" in errors["requested_amount"][0]


@pytest.mark.django_db
def test_partner_edits_a_request_sent_back_and_resubmits(
    tenant, money, partner_admin, channel_manager, portal_client
):
    request = submitted(tenant, partner_admin, money["allocation"])
    client = portal_client(partner_admin)
    edit_url = reverse("mdf:request_edit", args=[request.pk])
    # Not editable while in review.
    assert client.get(edit_url).status_code == 302
    services.request_changes(tenant=tenant, actor=channel_manager, request_id=request.pk,
                             message="Lower the amount")  # fmt: skip

    page = body(client.get(edit_url))
    assert "Lower the amount" in page and 'value="4000.00"' in page
    data = {
        "allocation": money["allocation"].pk,
        "activity_type": "webinar",
        "title": "Cloud security webinar",
        "start_date": request.start_date.isoformat(),
        "end_date": request.end_date.isoformat(),
        "requested_amount": "0",
    }
    response = client.post(edit_url, data)
    assert response.status_code == 400
    assert "requested_amount" in response.context["form"].errors

    response = client.post(edit_url, {**data, "requested_amount": "3000"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.requested_amount, request.decision_reason) == (
        "submitted",
        Decimal("3000.00"),
        "",
    )
    entry = AuditEntry.objects.for_tenant(tenant).get(action="mdf.request_resubmitted")
    assert entry.changes["requested_amount"] == ["4000.00", "3000.00"]
    page = body(client.get(reverse("mdf:request_detail", args=[request.pk])))
    assert "Request edited and resubmitted" in page and "Lower the amount" in page


# --- the request page ----------------------------------------------------------------------


@pytest.mark.django_db
def test_reviewer_decides_on_the_request_page(tenant, money, partner_admin, marketing_manager,
                                              portal_client):  # fmt: skip
    request = submitted(tenant, partner_admin, money["allocation"])
    client = portal_client(marketing_manager)
    url = reverse("mdf:request_detail", args=[request.pk])
    decide = reverse("mdf:request_decide", args=[request.pk])
    page = body(client.get(url))
    assert "Your decision" in page and "20,000.00 USD" in page

    response = client.post(decide, {"action": "approve", "amount": "3000"})
    assert response.status_code == 400
    assert "Say why less than requested" in body(response)
    response = client.post(decide, {"action": "approve", "amount": "5000"})
    assert response.status_code == 400
    assert "Approve at most" in body(response)
    response = client.post(decide, {"action": "reject", "reason": ""})
    assert response.status_code == 400
    assert client.post(decide, {"action": "dance"}).status_code == 400

    response = client.post(decide, {"action": "approve", "amount": "3000", "reason": "Venue"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.approved_amount) == ("approved", Decimal("3000.00"))
    page = body(client.get(url))
    assert "Approved for 3,000.00 USD" in page and "Request approved" in page
    assert "Your decision" not in page
    # Deciding twice is a conflict shown on the page, never a 500.
    response = client.post(decide, {"action": "reject", "reason": "Oops"})
    assert response.status_code == 409
    assert "already approved" in body(response)


@pytest.mark.django_db
def test_reviewer_asks_for_changes_and_rejects(tenant, money, partner_admin, channel_manager,
                                               portal_client):  # fmt: skip
    first = submitted(tenant, partner_admin, money["allocation"])
    second = submitted(tenant, partner_admin, money["allocation"])
    client = portal_client(channel_manager)
    client.post(reverse("mdf:request_decide", args=[first.pk]),
                {"action": "changes", "message": "Which city?"})  # fmt: skip
    client.post(reverse("mdf:request_decide", args=[second.pk]),
                {"action": "reject", "reason": "Off strategy"})  # fmt: skip
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.decision_reason) == ("changes_requested", "Which city?")
    assert (second.status, second.decision_reason) == ("rejected", "Off strategy")
    page = body(portal_client(partner_admin).get(reverse("mdf:request_detail", args=[first.pk])))
    assert "Which city?" in page and "Edit and resubmit" in page


@pytest.mark.django_db
def test_partners_cannot_decide_and_see_only_their_own(
    tenant, money, partner_admin, other_partner_admin, portal_client
):
    request = submitted(tenant, partner_admin, money["allocation"])
    theirs = submitted(tenant, other_partner_admin, money["other_allocation"])
    client = portal_client(partner_admin)
    assert client.get(reverse("mdf:request_detail", args=[request.pk])).status_code == 200
    assert "Your decision" not in body(client.get(reverse("mdf:request_detail", args=[request.pk])))
    assert client.get(reverse("mdf:request_detail", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("mdf:request_decide", args=[request.pk]),
                           {"action": "approve"})  # fmt: skip
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == "submitted"


# --- claims --------------------------------------------------------------------------------


def claim_post(amount="3500", **extra):
    return {
        "claimed_amount": amount,
        "leads_generated": "25",
        "results": "Sixty attendees",
        "proof_kind_0": "invoice",
        "proof_file_0": pdf(),
        "proof_kind_1": "photo",
        "proof_file_1": pdf("photos.pdf"),
        **extra,
    }


@pytest.mark.django_db
def test_partner_files_a_claim_with_proof_and_links(
    tenant, money, partner, other_partner, partner_admin, channel_manager, portal_client
):
    request = approved(tenant, partner_admin, channel_manager, money["allocation"])
    lead = LeadFactory(tenant=tenant, partner=partner, company_name="Fabrikam", status="accepted")
    deal = DealFactory(tenant=tenant, partner=partner, title="Fabrikam firewall")
    theirs = LeadFactory(tenant=tenant, partner=other_partner, company_name="Theirs")
    client = portal_client(partner_admin)
    url = reverse("mdf:claim_new", args=[request.pk])
    page = body(client.get(url))
    assert "Fabrikam" in page and "Fabrikam firewall" in page and "Theirs" not in page

    response = client.post(url, claim_post(linked_leads=[theirs.pk]))
    assert response.status_code == 400
    assert "linked_leads" in response.context["form"].errors

    response = client.post(url, claim_post("4000.01"))
    assert response.status_code == 400
    assert "Claim at most" in body(response)

    response = client.post(url, claim_post(linked_leads=[lead.pk], linked_deals=[deal.pk]))
    claim = Claim.objects.for_tenant(tenant).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mdf:claim_detail", args=[claim.pk])
    assert claim.claimed_amount == Decimal("3500.00")
    assert sorted(claim.proofs.values_list("kind", flat=True)) == ["invoice", "photo"]
    assert list(claim.linked_leads.all()) == [lead]
    assert list(claim.linked_deals.all()) == [deal]
    page = body(client.get(reverse("mdf:claim_detail", args=[claim.pk])))
    assert "invoice.pdf" in page and "Fabrikam firewall" in page


@pytest.mark.django_db
def test_claim_needs_proof_and_refuses_bad_files(
    tenant, money, partner_admin, channel_manager, portal_client, settings
):
    request = approved(tenant, partner_admin, channel_manager, money["allocation"])
    client = portal_client(partner_admin)
    url = reverse("mdf:claim_new", args=[request.pk])
    response = client.post(url, {"claimed_amount": "100", "proof_kind_0": "invoice"})
    assert response.status_code == 400
    assert "Attach proof of performance" in body(response)

    fake = pdf("invoice.pdf", b"MZ\x90\x00 not a pdf")
    response = client.post(url, {"claimed_amount": "100", "proof_file_0": fake})
    assert response.status_code == 400
    assert "proof_file_0" in response.context["form"].errors

    settings.ATTACHMENT_MAX_BYTES = 20
    response = client.post(url, claim_post())
    assert response.status_code == 413
    assert "attach at most 20" in body(response)
    assert not Claim.objects.for_tenant(tenant).exists()
    assert not ProofFile.objects.for_tenant(tenant).exists()


@pytest.mark.django_db
def test_claim_form_waits_for_the_activity_to_end(
    tenant, money, partner_admin, channel_manager, portal_client
):
    future = approved(tenant, partner_admin, channel_manager, money["allocation"],
                      ended_days_ago=-5)  # fmt: skip
    pending = submitted(tenant, partner_admin, money["allocation"])
    client = portal_client(partner_admin)
    for request in (future, pending):
        response = client.get(reverse("mdf:claim_new", args=[request.pk]), follow=True)
        assert response.redirect_chain[-1][0] == reverse("mdf:request_detail", args=[request.pk])
    response = client.post(reverse("mdf:claim_new", args=[future.pk]), claim_post())
    assert response.status_code == 409
    assert "Claim after the activity ends" in body(response)


@pytest.mark.django_db
def test_proof_downloads_only_for_the_partner_and_staff(
    tenant, money, partner_admin, partner_sales, other_partner_admin, channel_manager, finance,
    portal_client,
):  # fmt: skip
    claim = claimed(tenant, partner_admin, channel_manager, money["allocation"])
    other = claimed(tenant, other_partner_admin, channel_manager, money["other_allocation"])
    proof = claim.proofs.get()
    url = reverse("mdf:proof_download", args=[claim.pk, proof.pk])
    for member in (partner_admin, partner_sales, channel_manager, finance):
        response = portal_client(member).get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith('attachment; filename="invoice.pdf"')
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Type"] == "application/octet-stream"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert portal_client(other_partner_admin).get(url).status_code == 404
    # Another claim's proof through this claim's address is not found either.
    other_proof = other.proofs.get()
    wrong = reverse("mdf:proof_download", args=[claim.pk, other_proof.pk])
    assert portal_client(channel_manager).get(wrong).status_code == 404
    assert (
        portal_client(partner_admin).get(reverse("mdf:claim_detail", args=[other.pk])).status_code
        == 404
    )


@pytest.mark.django_db
def test_claim_review_changes_edit_and_approval(
    tenant, money, partner_admin, channel_manager, portal_client
):
    claim = claimed(tenant, partner_admin, channel_manager, money["allocation"],
                    claimed_amount="3000")  # fmt: skip
    reviewer, partner_client = portal_client(channel_manager), portal_client(partner_admin)
    decide = reverse("mdf:claim_decide", args=[claim.pk])
    detail = reverse("mdf:claim_detail", args=[claim.pk])

    # The partner adds proof while the claim is in review.
    response = partner_client.post(reverse("mdf:proof_add", args=[claim.pk]),
                                   {"proof_kind_0": "attendee_list",
                                    "proof_file_0": pdf("attendees.pdf")})  # fmt: skip
    assert response.status_code == 302
    assert claim.proofs.count() == 2
    response = partner_client.post(reverse("mdf:proof_add", args=[claim.pk]), {})
    assert response.status_code == 400

    response = reviewer.post(decide, {"action": "approve", "amount": "3000.01"})
    assert response.status_code == 400 and "Approve at most" in body(response)
    response = reviewer.post(decide, {"action": "approve", "amount": "2000"})
    assert response.status_code == 400 and "Say why less than claimed" in body(response)
    reviewer.post(decide, {"action": "changes", "message": "Add the venue invoice"})
    claim.refresh_from_db()
    assert claim.status == "changes_requested"

    page = body(partner_client.get(detail))
    assert "Add the venue invoice" in page and reverse("mdf:claim_edit", args=[claim.pk]) in page
    response = partner_client.post(
        reverse("mdf:claim_edit", args=[claim.pk]),
        {"claimed_amount": "2800", "leads_generated": "20", "results": "Updated",
         "proof_kind_0": "invoice", "proof_file_0": pdf("venue.pdf")},
    )  # fmt: skip
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.claimed_amount, claim.proofs.count()) == (
        "submitted",
        Decimal("2800.00"),
        3,
    )

    response = reviewer.post(decide, {"action": "approve", "amount": "2500", "reason": "Cap"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.approved_amount) == ("approved", Decimal("2500.00"))
    page = body(partner_client.get(detail))
    assert "Approved for 2,500.00 USD" in page and "Claim approved" in page
    # Nothing more can be added once decided.
    response = partner_client.post(reverse("mdf:proof_add", args=[claim.pk]),
                                   {"proof_kind_0": "other", "proof_file_0": pdf()})  # fmt: skip
    assert response.status_code == 409
    assert "only while the claim is under review" in body(response)


# --- the review queue ----------------------------------------------------------------------


@pytest.mark.django_db
def test_review_queue_shows_age_balance_and_claim_history(
    tenant, finance, money, partner, partner_admin, other_partner_admin, channel_manager,
    portal_client,
):  # fmt: skip
    partner.tier = TierFactory(tenant=tenant, name="Gold", rank=3)
    partner.save()
    allocation = money["allocation"]
    with time_machine.travel(timezone.now() - datetime.timedelta(days=8)):
        old = submitted(tenant, partner_admin, allocation, title="Old roadshow")
    submitted(tenant, other_partner_admin, money["other_allocation"], title="Fresh webinar")
    # Northwind's history: one approved (3000 of 3000), one rejected (1000), changes asked once.
    good = claimed(tenant, partner_admin, channel_manager, allocation, claimed_amount="3000")
    claim_services.request_claim_changes(tenant=tenant, actor=channel_manager,
                                         claim_id=good.pk, message="More")  # fmt: skip
    claim_services.update_claim(tenant=tenant, actor=partner_admin, claim_id=good.pk,
                                data={"claimed_amount": "3000"})  # fmt: skip
    claim_services.approve_claim(tenant=tenant, actor=channel_manager, claim_id=good.pk)
    bad = claimed(tenant, partner_admin, channel_manager, allocation, claimed_amount="1000")
    claim_services.reject_claim(tenant=tenant, actor=channel_manager, claim_id=bad.pk,
                                reason="No proof")  # fmt: skip
    waiting = claimed(tenant, partner_admin, channel_manager, allocation, claimed_amount="500")

    client = portal_client(channel_manager)
    response = client.get(reverse("mdf:review"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["request"].title for row in rows] == ["Old roadshow", "Fresh webinar"]
    assert rows[0]["sla"]["state"] == "overdue" and rows[1]["sla"]["state"] == "ok"
    # 20000 less 3000 (approved claim) and 4000 + 4000 still committed; pending costs nothing.
    assert rows[0]["remaining"] == Decimal("9000.00")
    quality = rows[0]["quality"]
    assert (quality.approved, quality.rejected, quality.changes_asked) == (1, 1, 1)
    assert quality.approved_percent == 75  # 3000 of 4000 claimed
    page = body(response)
    assert "Gold" in page and "sla-overdue" in page and "75% of claimed approved" in page
    assert old.pk

    response = client.get(reverse("mdf:review"), {"tab": "claims"})
    assert [row["item"].pk for row in response.context["rows"]] == [waiting.pk]
    response = client.get(reverse("mdf:review"), {"partner": money["other_allocation"].partner_id})
    assert [row["request"].title for row in response.context["rows"]] == ["Fresh webinar"]
    response = client.get(reverse("mdf:review"), {"activity_type": "event"})
    assert response.context["rows"] == []
    response = client.get(reverse("mdf:review"), {"partner": "x\x00", "fund": "999999"})
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("tab", ["requests", "claims"])
def test_review_queue_query_count_is_bounded(
    tab, tenant, finance, channel_manager, make_member, portal_client,
    django_assert_max_num_queries,
):  # fmt: skip
    the_fund = fund(tenant, finance, amount="900000")
    tier = TierFactory(tenant=tenant, name="Silver", rank=2)
    for number in range(12):
        partner = PartnerOrganisationFactory(tenant=tenant, name=f"Partner {number}", tier=tier)
        member = make_member(tenant, Role.PARTNER_ADMIN, partner, email=f"p{number}@x.example")
        allocation = allocate(tenant, finance, the_fund, partner, amount="10000")
        submitted(tenant, member, allocation)
        claimed(tenant, member, channel_manager, allocation, claimed_amount="1000")
    client = portal_client(channel_manager)
    client.get(reverse("mdf:review"))
    with django_assert_max_num_queries(18):
        response = client.get(reverse("mdf:review"), {"tab": tab})
    assert len(response.context["rows"]) == 12


@pytest.mark.django_db
def test_review_queue_paginates_25(tenant, finance, money, partner_admin, channel_manager,
                                   portal_client):  # fmt: skip
    for _ in range(27):
        submitted(tenant, partner_admin, money["allocation"], amount="10")
    client = portal_client(channel_manager)
    assert len(client.get(reverse("mdf:review")).context["rows"]) == 25
    assert len(client.get(reverse("mdf:review"), {"page": 2}).context["rows"]) == 2
