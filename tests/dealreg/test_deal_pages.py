"""Deal pages: the list, registration with its live duplicate check, the deal page and
every action on it, visibility between partners, and bounded query counts."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dealreg import collaboration, services
from dealreg.models import (
    Deal,
    DealAppeal,
    DealMessage,
    DealParticipant,
    DealStatus,
    ProtectionExtension,
    VendorHelpRequest,
)
from dealreg.rules import update_rules
from ecosystem.notifications.models import Notification
from ecosystem.tenancy.roles import Role
from tests.dealreg.factories import CrmOpportunityFactory, DealFactory, DealMessageFactory


@pytest.fixture
def register(deal_data):
    """register(membership, **overrides) -> a Deal registered through the service."""

    def make(actor, **overrides):
        data = deal_data(**overrides)
        data["amount"] = Decimal(str(data["amount"]))
        return services.register_deal(tenant=actor.tenant, actor=actor, data=data)

    return make


@pytest.fixture
def review_everything(admin):
    update_rules(tenant=admin.tenant, actor=admin, data={"auto_approve": False})


def form_body(**overrides):
    body = {
        "customer_name": "Initech Inc.",
        "customer_domain": "initech.com",
        "customer_country": "US",
        "customer_industry": "",
        "customer_address": "",
        "title": "Initech data platform",
        "amount": "48000",
        "currency": "usd",
        "expected_close_date": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
        "products": "Platform, Support",
        "stage": "qualification",
        "route_to_market": "resale",
        "notes": "",
    }
    body.update(overrides)
    return body


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- registration ---------------------------------------------------------------------------


def test_partner_registers_and_is_approved_by_rules(partner_sales, tenant, portal_client):
    client = portal_client(partner_sales)
    assert client.get(reverse("deals:register")).status_code == 200
    response = client.post(reverse("deals:register"), form_body(), follow=True)
    deal = Deal.objects.for_tenant(tenant).get()
    assert response.redirect_chain[-1][0] == reverse("deals:detail", args=[deal.pk])
    assert deal.status == DealStatus.APPROVED
    assert deal.partner_id == partner_sales.partner_organisation_id
    assert deal.currency == "USD" and deal.products == ["Platform", "Support"]
    [message] = messages_of(response)
    assert message.startswith("Deal registered and approved. Approved by rules:")
    assert "partner is active" in message and "Protected until" in message


def test_registration_waits_for_review_and_says_why(
    partner_sales, tenant, review_everything, portal_client
):
    response = portal_client(partner_sales).post(
        reverse("deals:register"), form_body(), follow=True
    )
    deal = Deal.objects.for_tenant(tenant).get()
    assert deal.status == DealStatus.PENDING_REVIEW
    [message] = messages_of(response)
    assert "waits for a reviewer because: auto-approval is switched off" in message
    assert "within 48 hours" in message
    body = text(response)
    assert "SLA: decision due in 48 h" in body or "SLA: decision due in 47 h" in body
    assert "Not approved automatically because:" in body


def test_staff_register_for_a_partner_they_choose(admin, partner, tenant, portal_client):
    client = portal_client(admin)
    page = client.get(reverse("deals:register"))
    assert f'<option value="{partner.pk}">{partner.name}</option>' in text(page)
    response = client.post(reverse("deals:register"), form_body())
    assert response.status_code == 400
    assert response.context["form"].errors["partner"] == [
        "Choose the partner this deal is registered for."
    ]
    client.post(reverse("deals:register"), form_body(partner=partner.pk))
    assert Deal.objects.for_tenant(tenant).get().partner == partner


def test_partner_cannot_pick_another_partner(partner_sales, other_partner, tenant, portal_client):
    portal_client(partner_sales).post(
        reverse("deals:register"), form_body(partner=other_partner.pk)
    )
    assert Deal.objects.for_tenant(tenant).get().partner_id == partner_sales.partner_organisation_id


def test_registration_errors_are_shown_next_to_fields(partner_sales, tenant, portal_client):
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = portal_client(partner_sales).post(
        reverse("deals:register"),
        form_body(customer_name="", amount="-5", expected_close_date=yesterday, currency="us"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["customer_name"] == ["Enter the customer's company name."]
    assert "amount" in errors and "currency" in errors
    assert not Deal.objects.for_tenant(tenant).exists()
    # A date only the service refuses comes back on its field.
    response = portal_client(partner_sales).post(
        reverse("deals:register"), form_body(expected_close_date=yesterday)
    )
    assert response.context["form"].errors["expected_close_date"] == [
        "The expected close date cannot be in the past."
    ]


def test_a_hard_rule_is_shown_on_its_field(partner_sales, admin, tenant, portal_client):
    update_rules(tenant=tenant, actor=admin, data={"minimum_amount": Decimal("50000")})
    response = portal_client(partner_sales).post(reverse("deals:register"), form_body())
    assert response.status_code == 400
    assert response.context["form"].errors["amount"] == ["The minimum deal size is 50,000.00 USD."]


def test_register_needs_the_capability(make_member, tenant, partner, portal_client):
    marketer = make_member(tenant, Role.PARTNER_MARKETING, partner)
    client = portal_client(marketer)
    assert client.get(reverse("deals:register")).status_code == 403
    assert client.post(reverse("deals:duplicate_check"), {"customer_name": "x"}).status_code == 403
    assert client.get(reverse("deals:list")).status_code == 200


# --- the duplicate check --------------------------------------------------------------------


def test_duplicate_check_hides_another_partners_deal(
    partner_sales, other_partner_admin, register, portal_client
):
    rival = register(
        other_partner_admin,
        customer_name="Initech Incorporated",
        customer_domain="initech.com",
        title="Confidential rival pitch",
        amount="777000",
    )
    response = portal_client(partner_sales).post(
        reverse("deals:duplicate_check"),
        {
            "customer_name": "Initech",
            "customer_domain": "www.initech.com",
            "customer_country": "US",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = text(response)
    assert "A registration by another partner" in body
    assert "same domain initech.com" in body
    assert "registered by another partner" in body
    assert "%" in body  # the score
    for secret in (
        rival.title,
        "Initech Incorporated",
        "Contoso",
        "777",
        reverse("deals:detail", args=[rival.pk]),
    ):
        assert secret not in body


def test_duplicate_check_shows_staff_the_record(
    admin, other_partner_admin, register, portal_client
):
    rival = register(other_partner_admin, title="Rival pitch")
    response = portal_client(admin).post(
        reverse("deals:duplicate_check"),
        {"customer_name": "Initech", "customer_domain": "initech.com", "customer_country": "US"},
    )
    body = text(response)
    assert "Rival pitch" in body and "Contoso Partners" in body
    assert reverse("deals:detail", args=[rival.pk]) in body


def test_duplicate_check_own_deal_and_pipeline(partner_sales, tenant, register, portal_client):
    own = register(partner_sales, title="Our earlier pitch")
    CrmOpportunityFactory(
        tenant=tenant, name="Direct renewal", customer_name="Initech", customer_country="US"
    )
    body = text(
        portal_client(partner_sales).post(
            reverse("deals:duplicate_check"),
            {
                "customer_name": "Initech",
                "customer_domain": "initech.com",
                "customer_country": "US",
            },
        )
    )
    assert "Our earlier pitch" in body and reverse("deals:detail", args=[own.pk]) in body
    assert "An opportunity in the vendor's own pipeline" in body
    assert "Direct renewal" not in body


def test_duplicate_check_before_anything_is_typed_and_when_nothing_matches(
    partner_sales, portal_client
):
    client = portal_client(partner_sales)
    empty = text(client.post(reverse("deals:duplicate_check"), {}))
    assert "Possible duplicates show here" in empty
    clean = text(
        client.post(
            reverse("deals:duplicate_check"),
            {"customer_name": "Umbrella", "customer_country": "GB", "expected_close_date": "x"},
        )
    )
    assert "No possible duplicate found" in clean


def test_duplicate_check_is_post_only(partner_sales, portal_client):
    assert portal_client(partner_sales).get(reverse("deals:duplicate_check")).status_code == 405


# --- list -----------------------------------------------------------------------------------


def test_partner_list_shows_own_deals_with_protection_and_sla(
    partner_sales, other_partner_admin, register, admin, tenant, portal_client
):
    approved = register(partner_sales, title="Protected one")
    update_rules(tenant=tenant, actor=admin, data={"auto_approve": False})
    register(partner_sales, title="Waiting one", customer_name="Umbrella", customer_domain="")
    register(other_partner_admin, title="Not yours", customer_name="Hooli", customer_domain="")
    response = portal_client(partner_sales).get(reverse("deals:list"))
    body = text(response)
    assert "Protected one" in body and "Waiting one" in body
    assert "Not yours" not in body
    assert "Protected until" in body and "89 days left" in body
    assert "SLA: decision due in" in body
    assert "48,000.00 USD" in body
    assert 'name="partner"' not in body  # staff-only filter
    assert reverse("deals:detail", args=[approved.pk]) in body
    assert reverse("deals:register") in body


def test_staff_list_filters(admin, partner_sales, other_partner_admin, register, portal_client):
    register(partner_sales, title="Northwind pitch")
    register(other_partner_admin, title="Contoso pitch", customer_name="Hooli", customer_domain="")
    client = portal_client(admin)
    body = text(client.get(reverse("deals:list")))
    assert "Northwind pitch" in body and "Contoso pitch" in body and 'name="partner"' in body
    filtered = text(
        client.get(
            reverse("deals:list"),
            {"partner": other_partner_admin.partner_organisation_id, "sort": "amount"},
        )
    )
    assert "Contoso pitch" in filtered and "Northwind pitch" not in filtered
    searched = text(client.get(reverse("deals:list"), {"q": "hooli", "status": "open"}))
    assert "Contoso pitch" in searched and "Northwind pitch" not in searched
    nothing = text(client.get(reverse("deals:list"), {"status": "won", "partner": "abc"}))
    assert "No deal matches these filters" in nothing


def test_empty_list(partner_sales, admin, portal_client):
    assert "No deals registered yet" in text(
        portal_client(partner_sales).get(reverse("deals:list"))
    )
    assert "No deals yet" in text(portal_client(admin).get(reverse("deals:list")))


def test_list_query_count_does_not_grow(
    admin,
    partner_sales,
    partner,
    other_partner,
    tenant,
    portal_client,
    django_assert_max_num_queries,
):
    for index in range(30):
        DealFactory(tenant=tenant, partner=partner if index % 2 else other_partner)
    for member in (admin, partner_sales):
        client = portal_client(member)
        client.get(reverse("deals:list"))  # warm the session
        with django_assert_max_num_queries(12):
            response = client.get(reverse("deals:list"), {"sort": "amount"})
        assert response.status_code == 200


# --- the deal page --------------------------------------------------------------------------


def test_partner_sees_own_deal_and_a_hidden_duplicate(
    partner_sales, other_partner_admin, register, review_everything, portal_client
):
    rival = register(other_partner_admin, title="Rival pitch")
    deal = register(partner_sales, title="Our pitch")
    response = portal_client(partner_sales).get(reverse("deals:detail", args=[deal.pk]))
    assert response.status_code == 200
    body = text(response)
    assert "Our pitch" in body and "Initech Inc." in body
    assert "A registration by another partner" in body
    assert "Rival pitch" not in body and "Contoso Partners" not in body
    assert reverse("deals:join", args=[rival.pk]) in body  # may ask to co-sell instead
    assert reverse("deals:approve", args=[deal.pk]) not in body
    assert 'id="room"' in body and 'enctype="multipart/form-data"' in body
    assert "@boss@northwind.example" not in body or "Mention someone" in body


def test_staff_see_duplicates_side_by_side_and_decide(
    admin, partner_sales, other_partner_admin, register, portal_client
):
    rival = register(other_partner_admin, title="Rival pitch")
    deal = register(partner_sales, title="Our pitch")  # pending: duplicate of the rival's
    body = text(portal_client(admin).get(reverse("deals:detail", args=[deal.pk])))
    assert "This registration" in body and f"Deal #{rival.pk}" in body
    assert "Rival pitch" in body and "Contoso Partners" in body
    assert reverse("deals:approve", args=[deal.pk]) in body
    assert reverse("deals:reject", args=[deal.pk]) in body
    assert "possible duplicate(s), best score" in body


def test_another_partners_deal_and_its_files_are_not_found(
    partner_sales, other_partner_admin, register, portal_client
):
    rival = register(other_partner_admin)
    message = collaboration.post_message(
        tenant=rival.tenant,
        actor=other_partner_admin,
        deal_id=rival.pk,
        body="Pricing",
        upload=SimpleUploadedFile("pricing.txt", b"secret numbers"),
    )
    client = portal_client(partner_sales)
    assert client.get(reverse("deals:detail", args=[rival.pk])).status_code == 404
    assert client.get(reverse("deals:file", args=[rival.pk, message.pk])).status_code == 404
    own = register(partner_sales, customer_name="Umbrella", customer_domain="")
    # Another deal's file through one's own deal: still not found.
    assert client.get(reverse("deals:file", args=[own.pk, message.pk])).status_code == 404


def test_detail_query_count_does_not_grow(
    admin,
    partner_sales,
    other_partner,
    register,
    tenant,
    portal_client,
    django_assert_max_num_queries,
):
    deal = register(partner_sales)

    def grow(count):
        for index in range(count):
            DealMessageFactory(deal=deal, author=partner_sales.user, body=f"Hello {index}")
            services.log_event(deal, "updated", actor_user=admin.user, data={"notes": ["a", "b"]})
            VendorHelpRequest.objects.create(tenant=tenant, deal=deal, kind="specialist")

    grow(2)
    collaboration.add_participant(
        tenant=tenant, actor=admin, deal_id=deal.pk, partner_id=other_partner.pk, role="co_sell"
    )
    for member in (admin, partner_sales):
        client = portal_client(member)
        client.get(reverse("deals:detail", args=[deal.pk]))
        with django_assert_max_num_queries(20) as small:
            client.get(reverse("deals:detail", args=[deal.pk]))
        grow(10)
        with django_assert_max_num_queries(len(small.captured_queries)):
            response = client.get(reverse("deals:detail", args=[deal.pk]))
        assert response.status_code == 200


# --- decisions ------------------------------------------------------------------------------


def test_approve_and_a_refused_approval(
    admin, partner_sales, tenant, register, review_everything, portal_client
):
    deal = register(partner_sales)
    client = portal_client(admin)
    response = client.post(
        reverse("deals:approve", args=[deal.pk]), {"reason": "First in"}, follow=True
    )
    deal.refresh_from_db()
    assert deal.status == DealStatus.APPROVED and deal.decision_reason == "First in"
    assert messages_of(response)[0].startswith("Approved.")
    again = client.post(reverse("deals:approve", args=[deal.pk]), {"reason": ""})
    assert again.status_code == 409
    assert "A deal that is approved cannot become approved." in text(again)


def test_reject_needs_a_reason(admin, partner_sales, register, review_everything, portal_client):
    deal = register(partner_sales)
    client = portal_client(admin)
    missing = client.post(reverse("deals:reject", args=[deal.pk]), {"reason": " "})
    assert missing.status_code == 400
    assert "Say why the registration is rejected." in text(missing)
    client.post(reverse("deals:reject", args=[deal.pk]), {"reason": "Named account"})
    deal.refresh_from_db()
    assert deal.status == DealStatus.REJECTED and deal.decision_reason == "Named account"
    body = text(portal_client(partner_sales).get(reverse("deals:detail", args=[deal.pk])))
    assert "Named account" in body and reverse("deals:appeal", args=[deal.pk]) in body


def test_partners_cannot_decide(
    partner_admin, partner_sales, register, review_everything, portal_client
):
    deal = register(partner_sales)
    response = portal_client(partner_admin).post(
        reverse("deals:approve", args=[deal.pk]), {"reason": ""}
    )
    assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.status == DealStatus.PENDING_REVIEW


def test_close_as_staff_and_as_partner(admin, partner_sales, register, portal_client):
    won = register(partner_sales)
    today = timezone.localdate().isoformat()
    response = portal_client(admin).post(
        reverse("deals:close", args=[won.pk]),
        {"outcome": "won", "amount": "51000", "closed_on": today},
        follow=True,
    )
    won.refresh_from_db()
    assert won.status == DealStatus.WON and won.final_amount == Decimal("51000")
    assert messages_of(response) == ["Closed as won."]
    lost = register(partner_sales, customer_name="Umbrella", customer_domain="")
    client = portal_client(partner_sales)
    refused = client.post(reverse("deals:close", args=[lost.pk]), {"outcome": "won"})
    assert refused.status_code == 400  # partners record losses only
    client.post(reverse("deals:close", args=[lost.pk]), {"outcome": "lost"})
    lost.refresh_from_db()
    assert lost.status == DealStatus.LOST
    conflict = client.post(reverse("deals:close", args=[lost.pk]), {"outcome": "lost"})
    assert conflict.status_code == 409
    assert "A deal that is lost cannot become lost." in text(conflict)


def test_edit_an_open_deal(partner_sales, register, portal_client):
    deal = register(partner_sales)
    url = reverse("deals:edit", args=[deal.pk])
    close = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    body = {
        "stage": "proposal",
        "amount": "60000",
        "expected_close_date": close,
        "products": "Platform",
        "notes": "Met the CIO",
    }
    client = portal_client(partner_sales)
    response = client.post(url, body, follow=True)
    deal.refresh_from_db()
    assert (deal.stage, deal.amount, deal.products) == ("proposal", Decimal("60000"), ["Platform"])
    assert messages_of(response) == ["Changes saved."]
    assert "Details updated" in text(response)
    unchanged = client.post(url, body, follow=True)
    assert messages_of(unchanged) == ["Nothing changed."]
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    refused = client.post(url, {**body, "expected_close_date": past})
    assert refused.status_code == 400
    assert "The expected close date cannot be in the past." in text(refused)


# --- participants ---------------------------------------------------------------------------


def test_staff_add_a_participant(admin, partner_sales, other_partner, register, portal_client):
    deal = register(partner_sales)
    client = portal_client(admin)
    url = reverse("deals:participant_add", args=[deal.pk])
    client.post(url, {"partner": other_partner.pk, "role": "fulfillment"})
    participant = DealParticipant.objects.for_tenant(deal.tenant).get(partner=other_partner)
    assert (participant.role, participant.status) == ("fulfillment", "active")
    refused = client.post(url, {"partner": other_partner.pk, "role": "sourced"})
    assert refused.status_code == 400


def test_join_request_then_staff_decide(
    admin, partner_sales, other_partner_admin, register, review_everything, portal_client
):
    deal = register(partner_sales)
    rival = register(other_partner_admin)
    client = portal_client(other_partner_admin)
    back = reverse("deals:detail", args=[rival.pk])
    response = client.post(
        reverse("deals:join", args=[deal.pk]), {"note": "We run their IT", "back": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    request = DealParticipant.objects.for_tenant(deal.tenant).get(status="requested")
    # Still hidden until accepted.
    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 404
    again = client.post(reverse("deals:join", args=[deal.pk]), follow=True)
    assert "already takes part in or asked to join" in messages_of(again)[-1]
    evil = client.post(reverse("deals:join", args=[deal.pk]), {"back": "https://evil.example/"})
    assert evil["Location"] == reverse("deals:list")

    staff = portal_client(admin)
    body = text(staff.get(reverse("deals:detail", args=[deal.pk])))
    assert "Asking to join" in body and "We run their IT" in body
    decide = reverse("deals:participant_decide", args=[deal.pk, request.pk])
    staff.post(decide, {"accept": "1", "role": "influence"})
    request.refresh_from_db()
    assert (request.status, request.role) == ("active", "influence")
    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 200
    conflict = staff.post(decide, {"accept": "0"})
    assert conflict.status_code == 409
    assert "This request was already decided." in text(conflict)
    assert (
        staff.post(
            reverse("deals:participant_decide", args=[deal.pk, 99999]), {"accept": "1"}
        ).status_code
        == 404
    )


# --- appeals and extensions -----------------------------------------------------------------


def test_appeal_and_its_decision(
    admin, channel_manager, partner_sales, register, review_everything, portal_client
):
    deal = register(partner_sales)
    services.reject_deal(
        tenant=deal.tenant, actor=channel_manager, deal_id=deal.pk, reason="Not enough detail"
    )
    partner_client = portal_client(partner_sales)
    response = partner_client.post(
        reverse("deals:appeal", args=[deal.pk]), {"note": "Here is the detail"}, follow=True
    )
    appeal = DealAppeal.objects.for_tenant(deal.tenant).get(deal=deal)
    assert appeal.note == "Here is the detail"
    assert messages_of(response)[0].startswith("Appeal filed.")
    again = partner_client.post(reverse("deals:appeal", args=[deal.pk]), {"note": "Again"})
    assert again.status_code == 409
    assert "already appealed" in text(again)

    # The person who rejected cannot decide the appeal.
    refused = portal_client(channel_manager).post(
        reverse("deals:appeal_decide", args=[deal.pk]),
        {"outcome": "reversed", "reason": "Fine"},
    )
    assert refused.status_code == 403
    assert "different reviewer decides the appeal" in text(refused)
    portal_client(admin).post(
        reverse("deals:appeal_decide", args=[deal.pk]),
        {"outcome": "reversed", "reason": "Detail is enough"},
    )
    deal.refresh_from_db()
    assert deal.status == DealStatus.APPROVED
    body = text(partner_client.get(reverse("deals:detail", args=[deal.pk])))
    assert "Reversed" in body and "Detail is enough" in body


def test_extension_request_and_decision(admin, partner_sales, register, portal_client):
    deal = register(partner_sales)
    before = deal.protection_expires_at
    partner_client = portal_client(partner_sales)
    url = reverse("deals:extension", args=[deal.pk])
    partner_client.post(url, {"reason": "Customer budget moved to Q3"})
    assert ProtectionExtension.objects.for_tenant(deal.tenant).get().status == "pending"
    again = partner_client.post(url, {"reason": "Please"})
    assert again.status_code == 409
    assert "already waiting" in text(again)

    staff = portal_client(admin)
    decide = reverse("deals:extension_decide", args=[deal.pk])
    refused = staff.post(decide, {"approve": "0", "reason": ""})
    assert refused.status_code == 400
    assert "Say why the extension is refused." in text(refused)
    staff.post(decide, {"approve": "1"})
    deal.refresh_from_db()
    assert deal.protection_expires_at == before + datetime.timedelta(days=30)
    assert deal.extensions_granted == 1


# --- the deal room --------------------------------------------------------------------------


def test_post_a_message_with_a_mention_and_a_file(admin, partner_sales, register, portal_client):
    deal = register(partner_sales)
    client = portal_client(partner_sales)
    page = text(client.get(reverse("deals:detail", args=[deal.pk])))
    assert "@admin@acme.example" in page  # the mention hint
    response = client.post(
        reverse("deals:message", args=[deal.pk]),
        {
            "body": "@admin@acme.example can you join Tuesday?",
            "file": SimpleUploadedFile("brief.txt", b"agenda"),
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#room")
    message = DealMessage.objects.for_tenant(deal.tenant).get()
    assert message.file_name == "brief.txt" and message.mentions == [admin.user_id]
    assert (
        Notification.objects.for_tenant(deal.tenant)
        .filter(recipient=admin.user, kind="deal.mention")
        .exists()
    )
    download = portal_client(admin).get(reverse("deals:file", args=[deal.pk, message.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="brief.txt"'
    assert b"".join(download.streaming_content) == b"agenda"
    body = text(client.get(reverse("deals:detail", args=[deal.pk])))
    assert "can you join Tuesday?" in body
    assert reverse("deals:file", args=[deal.pk, message.pk]) in body


def test_refused_messages(partner_sales, register, portal_client):
    deal = register(partner_sales)
    client = portal_client(partner_sales)
    empty = client.post(reverse("deals:message", args=[deal.pk]), {"body": "  "})
    assert empty.status_code == 400
    assert "Write a message or attach a file." in text(empty)
    script = client.post(
        reverse("deals:message", args=[deal.pk]),
        {"body": "see file", "file": SimpleUploadedFile("page.html", b"<script>")},
    )
    assert script.status_code == 400
    assert "Attach a PDF, image, office document" in text(script)
    assert not DealMessage.objects.for_tenant(deal.tenant).exists()


def test_a_message_without_a_file_has_no_download(admin, partner_sales, register, portal_client):
    deal = register(partner_sales)
    message = DealMessageFactory(deal=deal, author=admin.user)
    assert (
        portal_client(admin).get(reverse("deals:file", args=[deal.pk, message.pk])).status_code
        == 404
    )


# --- vendor help ----------------------------------------------------------------------------


def test_help_request_and_assignment(
    admin, channel_manager, partner_sales, register, portal_client
):
    deal = register(partner_sales)
    partner_client = portal_client(partner_sales)
    partner_client.post(
        reverse("deals:help", args=[deal.pk]), {"kind": "sales_engineer", "note": "Demo on Friday"}
    )
    help_request = VendorHelpRequest.objects.for_tenant(deal.tenant).get()
    assert help_request.note == "Demo on Friday"
    staff = portal_client(admin)
    url = reverse("deals:help_update", args=[deal.pk, help_request.pk])
    refused = staff.post(url, {"status": "assigned"})
    assert refused.status_code == 400
    assert "Choose an active member of the vendor&#x27;s staff." in text(refused)
    staff.post(url, {"status": "assigned", "assignee": channel_manager.pk})
    help_request.refresh_from_db()
    assert (help_request.status, help_request.assigned_to) == ("assigned", channel_manager)
    assert "Sales engineer" in text(partner_client.get(reverse("deals:detail", args=[deal.pk])))


def test_help_on_a_closed_deal_is_refused(admin, partner_sales, register, portal_client):
    deal = register(partner_sales)
    services.close_deal(tenant=deal.tenant, actor=admin, deal_id=deal.pk, outcome="lost")
    response = portal_client(partner_sales).post(
        reverse("deals:help", args=[deal.pk]), {"kind": "specialist"}
    )
    assert response.status_code == 409
    assert "Help can be requested on open deals only." in text(response)


# --- home and navigation --------------------------------------------------------------------


def test_partner_home_has_a_deals_card(partner_sales, register, portal_client):
    register(partner_sales)
    body = text(portal_client(partner_sales).get(reverse("home")))
    assert 'id="deals-heading"' in body
    assert "Approved and protected" in body
    assert f'href="{reverse("deals:list")}"' in body


@pytest.mark.parametrize("role", ["admin", "finance", "partner_marketing"])
def test_navigation_has_deals(role, tenant, partner, make_member, portal_client):
    member = make_member(tenant, Role(role), partner if role.startswith("partner") else None)
    body = text(portal_client(member).get(reverse("home")))
    assert f'<a href="{reverse("deals:list")}"' in body
