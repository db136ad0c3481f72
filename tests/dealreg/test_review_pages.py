"""The review queue (/deals/review/): headline counts, filters, the side-by-side view of each
possible duplicate, assigning, deciding one and many, and who may use it."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from dealreg import services
from dealreg.models import (
    Deal,
    DealAppeal,
    DealMatch,
    DealStatus,
    ProtectionExtension,
)
from dealreg.review_views import sla_of
from ecosystem.tenancy.roles import Role
from tests.dealreg.factories import CrmOpportunityFactory, DealFactory
from tests.partners.factories import TierFactory

QUEUE = "/deals/review/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def register(actor, data):
    data = dict(data)
    data["amount"] = Decimal(str(data["amount"]))
    return services.register_deal(tenant=actor.tenant, actor=actor, data=data)


def titles(response) -> list[str]:
    return [row["deal"].title for row in response.context["rows"]]


def shown_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def pending(tenant, **fields):
    """A deal waiting for review, with its time in the queue set explicitly."""
    created_at = fields.pop("created_at", None)
    deal = DealFactory(tenant=tenant, **fields)
    if created_at is not None:
        Deal.objects.for_tenant(tenant).filter(pk=deal.pk).update(created_at=created_at)
        deal.refresh_from_db()
    return deal


def match(deal, other, score="0.910", reasons=("same registrable domain",)):
    return DealMatch.objects.create(
        tenant=deal.tenant,
        deal=deal,
        kind="deal",
        matched_deal=other,
        score=Decimal(score),
        reasons=list(reasons),
    )


@pytest.fixture
def duplicate(partner, partner_sales, other_partner_admin, deal_data):
    """Northwind's registration was approved first; Contoso registers the same customer,
    which also sits in the vendor's CRM pipeline: it waits for review with two matches."""
    tier = TierFactory(tenant=partner.tenant, name="Gold", rank=3)
    other_partner_admin.partner_organisation.tier = tier
    other_partner_admin.partner_organisation.save()
    first = register(partner_sales, deal_data())
    opportunity = CrmOpportunityFactory(
        tenant=partner.tenant,
        name="Initech expansion FY26",
        customer_name="Initech",
        customer_domain="initech.com",
        customer_country="US",
        amount=Decimal("60000.00"),
        currency="USD",
        owner="Dana Direct",
        stage="Proposal",
    )
    second = register(
        other_partner_admin, deal_data(title="Initech for Contoso", customer_name="INITECH, Inc")
    )
    assert first.status == DealStatus.APPROVED
    assert second.status == DealStatus.PENDING_REVIEW
    return {"first": first, "second": second, "opportunity": opportunity}


def test_each_duplicate_is_shown_side_by_side_with_the_score_and_reasons(
    admin, duplicate, portal_client
):
    first, second = duplicate["first"], duplicate["second"]
    response = portal_client(admin).get(QUEUE)
    assert response.status_code == 200
    page = response.content.decode()
    [row] = response.context["rows"]
    assert row["deal"] == second
    comparisons = {item["kind"]: item for item in row["matches"]}
    assert set(comparisons) == {"deal", "opportunity"}

    deal_side = comparisons["deal"]
    assert deal_side["id"] == first.pk and deal_side["url"] == f"/deals/{first.pk}/"
    facts = {fact["label"]: fact for fact in deal_side["rows"]}
    assert facts["Partner / owner"]["ours"] == "Contoso Partners"
    assert facts["Partner / owner"]["theirs"] == "Northwind Systems"
    assert facts["Customer"] == {
        "label": "Customer",
        "ours": "INITECH, Inc",
        "theirs": "Initech Inc.",
        "same": True,  # the same company once legal forms and case are gone
    }
    assert facts["Domain"]["same"] and facts["Country"]["same"]
    assert facts["Status"]["theirs"] == "Approved"
    assert (
        facts["Protected until"]["theirs"]
        == timezone.localdate(first.protection_expires_at).isoformat()
    )
    assert facts["Amount"]["ours"] == "48,000.00 USD"

    crm_side = comparisons["opportunity"]
    crm_facts = {fact["label"]: fact for fact in crm_side["rows"]}
    assert crm_facts["Partner / owner"]["theirs"] == "Direct sales: Dana Direct"
    assert crm_facts["Status"]["theirs"] == "Proposal (open)"
    assert crm_facts["Amount"]["theirs"] == "60,000.00 USD"

    # Both columns, the score and the plain reasons between them, on the page.
    stored = {m.kind: m for m in second.matches.all()}
    assert "This registration" in page
    assert f"Deal #{first.pk}" in page and "CRM opportunity “Initech expansion FY26”" in page
    for item in stored.values():
        assert f"{item.score:.2f}" in page
        for reason in item.reasons:
            assert escape(reason) in page
    # Why the rules did not approve it, and who registered it with which tier.
    for reason in second.review_reasons:
        assert escape(reason) in page
    assert "Gold" in page and "Contoso Partners" in page
    assert 'class="compare-same"' in page


def test_sla_wording_and_colour():
    now = timezone.now()
    deal = Deal(
        created_at=now - datetime.timedelta(hours=31),
        review_due_at=now + datetime.timedelta(hours=17),
    )
    assert sla_of(deal, now) == {"text": "waiting 31 h — 17 h left", "state": "ok"}
    deal.review_due_at = now + datetime.timedelta(hours=5)
    assert sla_of(deal, now)["state"] == "soon"
    deal.review_due_at = now - datetime.timedelta(hours=5)
    late = sla_of(deal, now)
    assert late["text"] == "overdue by 5 h" and late["state"] == "overdue"
    assert late["detail"] == "waiting 31 h"
    deal.created_at = now - datetime.timedelta(minutes=20)
    deal.review_due_at = now + datetime.timedelta(days=4)
    assert sla_of(deal, now)["text"] == "waiting 20 min — 4 d left"


def test_headline_counts(tenant, admin, channel_manager, partner, portal_client):
    now = timezone.now()
    pending(tenant, partner=partner, review_due_at=now - datetime.timedelta(hours=2))
    pending(tenant, partner=partner, review_due_at=now + datetime.timedelta(hours=3))
    pending(
        tenant,
        partner=partner,
        review_due_at=now + datetime.timedelta(hours=40),
        assigned_to=channel_manager,
    )
    approved = DealFactory(
        tenant=tenant,
        partner=partner,
        status=DealStatus.APPROVED,
        protection_expires_at=now + datetime.timedelta(days=5),
    )
    ProtectionExtension.objects.create(tenant=tenant, deal=approved, days=30, reason="Slipped")
    response = portal_client(admin).get(QUEUE)
    counts = response.context["counts"]
    assert {key: counts[key] for key in ("pending", "overdue", "due_soon", "unassigned")} == {
        "pending": 3,
        "overdue": 1,
        "due_soon": 1,
        "unassigned": 2,
    }
    assert counts["extensions"] == 1
    assert [e.deal for e in response.context["extension_requests"]] == [approved]
    assert f"/deals/{approved.pk}/" in response.content.decode()


def test_filters_and_sort(tenant, admin, channel_manager, partner, other_partner, portal_client):
    now = timezone.now()
    mine = pending(tenant, partner=partner, title="Mine", assigned_to=admin, amount=Decimal("10"))
    theirs = pending(
        tenant,
        partner=other_partner,
        title="Theirs",
        assigned_to=channel_manager,
        customer_country="DE",
        amount=Decimal("900"),
    )
    late = pending(
        tenant,
        partner=partner,
        title="Late",
        review_due_at=now - datetime.timedelta(hours=1),
        amount=Decimal("50"),
    )
    match(late, theirs)
    DealFactory(tenant=tenant, partner=partner, title="Decided", status=DealStatus.APPROVED)
    client = portal_client(admin)

    assert sorted(titles(client.get(QUEUE))) == ["Late", "Mine", "Theirs"]
    assert titles(client.get(QUEUE, {"assigned": "me"})) == ["Mine"]
    assert titles(client.get(QUEUE, {"assigned": "none"})) == ["Late"]
    assert titles(client.get(QUEUE, {"assigned": channel_manager.pk})) == ["Theirs"]
    assert sorted(titles(client.get(QUEUE, {"partner": partner.pk}))) == ["Late", "Mine"]
    assert titles(client.get(QUEUE, {"country": "DE"})) == ["Theirs"]
    assert titles(client.get(QUEUE, {"duplicates": "1"})) == ["Late"]
    assert titles(client.get(QUEUE, {"overdue": "1"})) == ["Late"]
    assert titles(client.get(QUEUE, {"sort": "amount"})) == ["Theirs", "Late", "Mine"]
    # Nonsense is ignored, not an error.
    assert client.get(QUEUE, {"partner": "x\x00", "assigned": "-4", "sort": "?"}).status_code == 200
    # The filter choices list only partners and countries with something waiting.
    response = client.get(QUEUE)
    assert {name for _, name in response.context["partners"]} == {
        "Northwind Systems",
        "Contoso Partners",
    }
    assert [code for code, _ in response.context["countries"]] == ["DE", "US"]
    assert mine.pk and theirs.pk


def test_queue_is_paginated(tenant, admin, partner, portal_client):
    for number in range(23):
        pending(tenant, partner=partner, title=f"Deal {number:02d}")
    client = portal_client(admin)
    first = client.get(QUEUE)
    second = client.get(QUEUE, {"page": 2})
    assert len(first.context["rows"]) == 20 and len(second.context["rows"]) == 3
    assert not set(titles(first)) & set(titles(second))


def test_assign_and_unassign(tenant, admin, channel_manager, partner, portal_client):
    deal = pending(tenant, partner=partner)
    client = portal_client(admin)
    url = reverse("deals:review_assign", args=[deal.pk])
    response = client.post(url, {"reviewer": channel_manager.pk, "next": f"{QUEUE}?page=1"})
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?page=1"
    deal.refresh_from_db()
    assert deal.assigned_to == channel_manager

    # HTMX gets the row back, with the new assignee selected.
    response = client.post(url, {"reviewer": admin.pk}, **HTMX)
    assert response.status_code == 200
    assert "Assigned to" in response.content.decode()
    assert f'id="deal-{deal.pk}"' in response.content.decode()
    deal.refresh_from_db()
    assert deal.assigned_to == admin

    client.post(url, {"reviewer": ""})
    deal.refresh_from_db()
    assert deal.assigned_to is None


def test_assigning_to_someone_who_cannot_review_is_refused(
    tenant, admin, partner_admin, partner, portal_client
):
    deal = pending(tenant, partner=partner)
    client = portal_client(admin)
    url = reverse("deals:review_assign", args=[deal.pk])
    response = client.post(url, {"reviewer": partner_admin.pk}, follow=True)
    assert any("Choose an active channel manager" in text for text in shown_messages(response))
    response = client.post(url, {"reviewer": "nonsense"}, **HTMX)
    assert "Choose an active channel manager" in response.content.decode()
    deal.refresh_from_db()
    assert deal.assigned_to is None


def test_approve_with_a_reason(tenant, admin, partner, portal_client):
    deal = pending(tenant, partner=partner, title="Big one")
    response = portal_client(admin).post(
        reverse("deals:review_decide", args=[deal.pk]),
        {"action": "approve", "reason": "Checked with the customer", "next": QUEUE},
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.APPROVED
    assert deal.decision_reason == "Checked with the customer"
    assert deal.decided_by == admin.user


def test_reject_with_a_templated_reason_and_detail(tenant, admin, partner, portal_client):
    deal = pending(tenant, partner=partner)
    response = portal_client(admin).post(
        reverse("deals:review_decide", args=[deal.pk]),
        {
            "action": "reject",
            "template": "Named account reserved for direct sales",
            "reason": "Owned by Dana.",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert "Rejected" in response.content.decode()
    deal.refresh_from_db()
    assert deal.status == DealStatus.REJECTED
    assert deal.decision_reason == "Named account reserved for direct sales Owned by Dana."


def test_reject_without_any_reason_says_what_to_do(tenant, admin, partner, portal_client):
    deal = pending(tenant, partner=partner)
    client = portal_client(admin)
    url = reverse("deals:review_decide", args=[deal.pk])
    response = client.post(url, {"action": "reject", "template": "", "reason": " "}, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Say why the registration is rejected." in page
    assert 'class="card review-row' in page  # the row stays, with its forms
    response = client.post(url, {"action": "maybe"}, follow=True)
    assert "Choose approve or reject." in " ".join(shown_messages(response))
    deal.refresh_from_db()
    assert deal.status == DealStatus.PENDING_REVIEW


def test_approving_against_another_partners_protection_is_refused(admin, duplicate, portal_client):
    second = duplicate["second"]
    response = portal_client(admin).post(
        reverse("deals:review_decide", args=[second.pk]), {"action": "approve"}, **HTMX
    )
    assert f"Deal #{duplicate['first'].pk} by another partner already protects" in (
        response.content.decode()
    )
    second.refresh_from_db()
    assert second.status == DealStatus.PENDING_REVIEW


def test_deciding_a_deal_decided_meanwhile_says_so(tenant, admin, partner, portal_client):
    deal = DealFactory(tenant=tenant, partner=partner, status=DealStatus.APPROVED)
    response = portal_client(admin).post(
        reverse("deals:review_decide", args=[deal.pk]), {"action": "approve"}, **HTMX
    )
    assert response.status_code == 200
    assert "cannot become approved" in response.content.decode()


def test_bulk_decisions_report_each_failure(
    tenant, other_tenant, admin, partner, duplicate, portal_client
):
    ready = [pending(tenant, partner=partner, title=f"Ready {n}") for n in range(2)]
    decided = DealFactory(
        tenant=tenant, partner=partner, title="Already decided", status=DealStatus.REJECTED
    )
    foreign = DealFactory(tenant=other_tenant, title="Foreign")
    blocked = duplicate["second"]
    ids = [deal.pk for deal in [*ready, decided, blocked, foreign]]
    response = portal_client(admin).post(
        reverse("deals:review_bulk"),
        {"deal_ids": ids, "action": "approve", "reason": "Bulk", "next": f"{QUEUE}?sort=amount"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{QUEUE}?sort=amount"
    shown = shown_messages(response)
    assert "2 registrations approved." in shown
    assert "3 registrations could not be decided:" in shown
    assert any(
        text.startswith("Already decided: A deal that is rejected cannot become approved")
        for text in shown
    )
    assert any(text.startswith(f"{blocked.title}: Deal #") for text in shown)
    assert f"Deal #{foreign.pk}: No such deal." in shown
    for deal in ready:
        deal.refresh_from_db()
        assert deal.status == DealStatus.APPROVED and deal.decision_reason == "Bulk"
    assert Deal.objects.for_tenant(other_tenant).get().status == DealStatus.PENDING_REVIEW
    blocked.refresh_from_db()
    assert blocked.status == DealStatus.PENDING_REVIEW


def test_bulk_reject_needs_ticks_and_a_reason(tenant, admin, partner, portal_client):
    deal = pending(tenant, partner=partner)
    client = portal_client(admin)
    response = client.post(reverse("deals:review_bulk"), {"action": "reject"}, follow=True)
    assert "Tick the registrations to decide first." in shown_messages(response)
    response = client.post(
        reverse("deals:review_bulk"),
        {
            "action": "reject",
            "deal_ids": [deal.pk],
            "template": "Not enough information to verify the opportunity",
        },
        follow=True,
    )
    assert "1 registration rejected." in shown_messages(response)
    deal.refresh_from_db()
    assert deal.decision_reason == "Not enough information to verify the opportunity"


def test_pending_appeals_of_the_reviewer_are_listed(
    tenant, admin, channel_manager, partner, portal_client
):
    mine = DealFactory(tenant=tenant, partner=partner, title="Appealed to me", status="rejected")
    other = DealFactory(tenant=tenant, partner=partner, title="Appealed to CM", status="rejected")
    DealAppeal.objects.create(
        tenant=tenant, deal=mine, subject="rejection", note="Please", reviewer=admin
    )
    DealAppeal.objects.create(
        tenant=tenant, deal=other, subject="rejection", note="Please", reviewer=channel_manager
    )
    response = portal_client(admin).get(QUEUE)
    assert [appeal.deal for appeal in response.context["appeals"]] == [mine]
    page = response.content.decode()
    assert f'href="/deals/{mine.pk}/"' in page and "Appealed to CM" not in page


@pytest.mark.parametrize("role", [Role.PARTNER_ADMIN, Role.FINANCE, Role.MARKETING_MANAGER])
def test_only_reviewers_use_the_queue(role, tenant, partner, make_member, portal_client):
    member = make_member(tenant, role, partner if role == Role.PARTNER_ADMIN else None)
    deal = pending(tenant, partner=partner)
    client = portal_client(member)
    assert client.get(QUEUE).status_code == 403
    assert (
        client.post(
            reverse("deals:review_decide", args=[deal.pk]), {"action": "approve"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("deals:review_assign", args=[deal.pk]), {"reviewer": ""}).status_code
        == 403
    )
    assert (
        client.post(
            reverse("deals:review_bulk"), {"deal_ids": [deal.pk], "action": "approve"}
        ).status_code
        == 403
    )
    deal.refresh_from_db()
    assert deal.status == DealStatus.PENDING_REVIEW


def test_another_tenants_deal_is_not_found(admin, other_tenant, portal_client):
    foreign = DealFactory(tenant=other_tenant)
    client = portal_client(admin)
    for name, body in (
        ("deals:review_decide", {"action": "approve"}),
        ("deals:review_assign", {"reviewer": admin.pk}),
    ):
        assert client.post(reverse(name, args=[foreign.pk]), body).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == DealStatus.PENDING_REVIEW and foreign.assigned_to is None


def test_the_queue_is_in_the_navigation_of_reviewers_only(admin, partner_admin, portal_client):
    assert 'href="/deals/review/"' in portal_client(admin).get("/").content.decode()
    assert 'href="/deals/review/"' not in portal_client(partner_admin).get("/").content.decode()


def _queue_with(tenant, partner, count):
    others = [pending(tenant, partner=partner, title=f"Earlier {n}") for n in range(2)]
    for number in range(count):
        deal = pending(tenant, partner=partner, title=f"Queued {number}")
        for other in others:
            match(deal, other)
    opportunity = CrmOpportunityFactory(tenant=tenant)
    DealMatch.objects.create(
        tenant=tenant,
        deal=others[0],
        kind="opportunity",
        matched_opportunity=opportunity,
        score=Decimal("0.850"),
        reasons=["same name"],
    )


@pytest.mark.parametrize("count", [3, 18])
def test_queue_query_count_does_not_grow_with_rows(
    count, tenant, admin, partner, portal_client, django_assert_max_num_queries
):
    partner.tier = TierFactory(tenant=tenant)
    partner.save()
    _queue_with(tenant, partner, count)
    client = portal_client(admin)
    client.get(QUEUE)  # warm the session and the tenant caches
    with django_assert_max_num_queries(18):
        response = client.get(QUEUE)
    assert len(response.context["rows"]) == count + 2
