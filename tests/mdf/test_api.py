"""The mdf/ API for funds, allocations and requests: happy paths, 400s naming the field, 409s,
roles, partner isolation, idempotent creates, bounded queries, and approvals racing for one
allocation over HTTP."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from ecosystem.tenancy.roles import Role
from mdf import selectors
from mdf.models import EntryKind, Fund, FundRequest, LedgerEntry
from tests.concurrency import run_together
from tests.mdf.api_helpers import allocate, make_fund, period, request_data, submit
from tests.partners.factories import PartnerOrganisationFactory

pytestmark = pytest.mark.django_db

FUNDS = "/api/v1/mdf/funds/"
ALLOCATIONS = "/api/v1/mdf/allocations/"
REQUESTS = "/api/v1/mdf/requests/"


@pytest.fixture
def finance(tenant, make_member):
    return make_member(tenant, Role.FINANCE, email="finance@acme.example")


@pytest.fixture
def fund(tenant, finance):
    return make_fund(tenant, finance)


@pytest.fixture
def allocation(tenant, finance, fund, partner):
    return allocate(tenant, finance, fund, partner)


def fund_body(tenant, **extra):
    start, end = period(tenant)
    return {"name": "FY MDF", "currency": "eur", "amount": "25000.00",
            "start_date": start.isoformat(), "end_date": end.isoformat(), **extra}  # fmt: skip


def request_body(tenant, target, **extra):
    data = request_data(tenant, "1500.00", allocation=target.pk, description="Joint webinar")
    data.update(start_date=data["start_date"].isoformat(), end_date=data["end_date"].isoformat())
    return {**data, **extra}


# --- funds --------------------------------------------------------------------------------------


def test_finance_creates_a_fund_and_lists_it_with_what_is_allocated(
    tenant, finance, partner, api_client
):
    client = api_client(finance)
    response = client.post(FUNDS, fund_body(tenant, region="emea", accrues=True), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["currency"] == "EUR"
    assert (body["amount"], body["allocated"], body["remaining_to_allocate"]) == (
        "25000.00",
        "0.00",
        "25000.00",
    )
    assert (body["region"], body["accrues"], body["owner"]) == ("emea", True, finance.user_id)
    assert Fund.objects.for_tenant(tenant).get(pk=body["id"]).accrues is True

    fund = Fund.objects.for_tenant(tenant).get(pk=body["id"])
    partner.regions = ["emea"]
    partner.save(update_fields=["regions"])
    allocate(tenant, finance, fund, partner, "4000.00")
    listed = client.get(FUNDS).json()["results"]
    assert [(f["id"], f["allocated"], f["remaining_to_allocate"]) for f in listed] == [
        (fund.pk, "4000.00", "21000.00")
    ]
    detail = client.get(f"{FUNDS}{fund.pk}/").json()
    assert detail["allocated"] == "4000.00"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"amount": "12.345"}, "amount"),
        ({"amount": "-100.00"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"amount": ["1"]}, "amount"),
        ({"currency": "dollars"}, "currency"),
        ({"start_date": "2026-13-01"}, "start_date"),
        ({"end_date": "2000-01-01"}, "end_date"),
        ({"region": "mars"}, "region"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_fund_input_is_a_400_naming_the_field(tenant, finance, api_client, extra, field):
    response = api_client(finance).post(FUNDS, fund_body(tenant, **extra), format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Fund.objects.for_tenant(tenant).exists()


def test_malformed_json_is_a_400_not_a_500(tenant, finance, api_client):
    response = api_client(finance).post(FUNDS, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_only_admins_and_finance_create_funds_and_partners_do_not_read_them(
    tenant, fund, channel_manager, partner_admin, api_client
):
    reviewer = api_client(channel_manager)
    assert reviewer.post(FUNDS, fund_body(tenant), format="json").status_code == 403
    assert reviewer.get(FUNDS).status_code == 200
    partner_client = api_client(partner_admin)
    assert partner_client.get(FUNDS).status_code == 403
    assert partner_client.get(f"{FUNDS}{fund.pk}/").status_code == 403
    assert partner_client.post(FUNDS, fund_body(tenant), format="json").status_code == 403


def test_creating_a_fund_with_an_idempotency_key_creates_it_once(tenant, finance, api_client):
    client = api_client(finance)
    first = client.post(FUNDS, fund_body(tenant), format="json", HTTP_IDEMPOTENCY_KEY="fund-1")
    again = client.post(FUNDS, fund_body(tenant), format="json", HTTP_IDEMPOTENCY_KEY="fund-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Fund.objects.for_tenant(tenant).count() == 1
    changed = client.post(
        FUNDS, fund_body(tenant, amount="1.00"), format="json", HTTP_IDEMPOTENCY_KEY="fund-1"
    )
    assert changed.status_code == 422


def test_fund_list_queries_are_bounded(tenant, finance, api_client, django_assert_max_num_queries):
    partners = [PartnerOrganisationFactory(tenant=tenant) for _ in range(3)]
    for index in range(12):
        fund = make_fund(tenant, finance, name=f"Fund {index}")
        for partner in partners:
            allocate(tenant, finance, fund, partner, "100.00")
    client = api_client(finance)
    with django_assert_max_num_queries(10):
        response = client.get(FUNDS)
    results = response.json()["results"]
    assert len(results) == 12
    assert {f["allocated"] for f in results} == {"300.00"}


# --- allocations --------------------------------------------------------------------------------


def test_allocating_adds_to_the_partners_allocation_and_shows_ledger_balances(
    tenant, finance, fund, partner, api_client
):
    client = api_client(finance)
    body = {"partner": partner.pk, "fund": fund.pk, "amount": "6000.00", "note": "Q1"}
    first = client.post(ALLOCATIONS, body, format="json")
    second = client.post(ALLOCATIONS, {**body, "amount": "1500.50"}, format="json")

    assert (first.status_code, second.status_code) == (201, 201), second.json()
    assert first.json()["id"] == second.json()["id"]
    shown = second.json()
    assert (shown["partner"], shown["fund"], shown["currency"], shown["source"]) == (
        partner.pk,
        fund.pk,
        "USD",
        "manual",
    )
    assert (shown["allocated"], shown["committed"], shown["remaining"]) == (
        "7500.50",
        "0.00",
        "7500.50",
    )
    balance = selectors.balances(tenant=tenant, allocation_ids=[shown["id"]])[shown["id"]]
    assert balance.allocated == Decimal("7500.50")


def test_allocating_more_than_the_fund_has_left_is_a_409(
    tenant, finance, partner, other_partner, api_client
):
    fund = make_fund(tenant, finance, amount="1000.00")
    client = api_client(finance)
    assert client.post(ALLOCATIONS, {"partner": partner.pk, "fund": fund.pk, "amount": "800"},
                       format="json").status_code == 201  # fmt: skip
    response = client.post(
        ALLOCATIONS, {"partner": other_partner.pk, "fund": fund.pk, "amount": "200.01"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 409
    assert "amount" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "10.001"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"fund": 999_999}, "fund"),
        ({"partner": 999_999}, "partner"),
        ({"partner": "abc"}, "partner"),
    ],
)
def test_bad_allocation_input_names_the_field(
    tenant, finance, fund, partner, api_client, body, field
):
    data = {"partner": partner.pk, "fund": fund.pk, "amount": "100.00", **body}
    response = api_client(finance).post(ALLOCATIONS, data, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()


def test_another_tenants_fund_or_partner_cannot_be_allocated(
    tenant, other_tenant, finance, fund, partner, make_member, api_client
):
    foreign_finance = make_member(other_tenant, Role.FINANCE)
    foreign_fund = make_fund(other_tenant, foreign_finance)
    foreign_partner = PartnerOrganisationFactory(tenant=other_tenant)
    client = api_client(finance)
    response = client.post(
        ALLOCATIONS, {"partner": partner.pk, "fund": foreign_fund.pk, "amount": "1"}, format="json"
    )
    assert (response.status_code, list(response.json())) == (400, ["fund"])
    response = client.post(
        ALLOCATIONS, {"partner": foreign_partner.pk, "fund": fund.pk, "amount": "1"}, format="json"
    )
    assert (response.status_code, list(response.json())) == (400, ["partner"])
    assert not LedgerEntry.objects.for_tenant(other_tenant).filter(kind=EntryKind.CREDIT).exists()


def test_partner_users_see_only_their_own_allocations(
    tenant, finance, fund, partner, other_partner, partner_sales, allocation, api_client
):
    theirs = allocate(tenant, finance, fund, other_partner)
    client = api_client(partner_sales)

    listed = client.get(ALLOCATIONS).json()["results"]
    assert [a["id"] for a in listed] == [allocation.pk]
    assert client.get(f"{ALLOCATIONS}{allocation.pk}/").json()["remaining"] == "10000.00"
    assert client.get(f"{ALLOCATIONS}{theirs.pk}/").status_code == 404
    assert client.get(f"{ALLOCATIONS}?partner={other_partner.pk}").json()["results"] == []
    create = {"partner": partner.pk, "fund": fund.pk, "amount": "1"}
    assert client.post(ALLOCATIONS, create, format="json").status_code == 403


def test_allocation_list_balances_come_from_one_ledger_query(
    tenant, finance, channel_manager, make_member, api_client, django_assert_max_num_queries
):
    fund = make_fund(tenant, finance, amount="900000")
    for index in range(12):
        partner = PartnerOrganisationFactory(tenant=tenant)
        member = make_member(tenant, Role.PARTNER_ADMIN, partner, email=f"p{index}@x.example")
        allocation = allocate(tenant, finance, fund, partner, "5000")
        request = submit(tenant, member, allocation, "1000")
        from mdf import services

        services.approve_request(tenant=tenant, actor=channel_manager, request_id=request.pk)
    client = api_client(finance)
    with django_assert_max_num_queries(9):
        response = client.get(f"{ALLOCATIONS}?fund={fund.pk}")
    results = response.json()["results"]
    assert len(results) == 12
    assert {(a["committed"], a["remaining"]) for a in results} == {("1000.00", "4000.00")}


# --- requests -----------------------------------------------------------------------------------


def test_a_partner_requests_and_a_reviewer_approves_less_with_a_reason(
    tenant, allocation, partner_admin, channel_manager, api_client
):
    response = api_client(partner_admin).post(
        REQUESTS, request_body(tenant, allocation, expected_leads=30,
                               expected_pipeline="90000.00"), format="json"
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["status"], created["requested_amount"], created["approved_amount"]) == (
        "submitted",
        "1500.00",
        None,
    )
    assert (created["currency"], created["partner"], created["allocation"]) == (
        "USD",
        allocation.partner_id,
        allocation.pk,
    )

    reviewer = api_client(channel_manager)
    url = f"{REQUESTS}{created['id']}/approve/"
    assert list(reviewer.post(url, {"amount": "1000.00"}, format="json").json()) == ["reason"]
    response = reviewer.post(url, {"amount": "1000.00", "reason": "Venue is ours"}, format="json")

    assert response.status_code == 200, response.json()
    decided = response.json()
    assert (decided["status"], decided["approved_amount"], decided["decision_reason"]) == (
        "approved",
        "1000.00",
        "Venue is ours",
    )
    assert decided["claim_deadline"] is not None
    shown = reviewer.get(f"{ALLOCATIONS}{allocation.pk}/").json()
    assert (shown["committed"], shown["remaining"]) == ("1000.00", "9000.00")

    again = reviewer.post(url, {}, format="json")
    assert again.status_code == 409
    assert LedgerEntry.objects.for_tenant(tenant).filter(kind=EntryKind.COMMITMENT).count() == 1


def test_reject_and_request_changes_need_their_text_and_decide_once(
    tenant, allocation, partner_admin, channel_manager, api_client
):
    client = api_client(channel_manager)
    first = submit(tenant, partner_admin, allocation)
    second = submit(tenant, partner_admin, allocation)

    response = client.post(f"{REQUESTS}{first.pk}/reject/", {}, format="json")
    assert (response.status_code, list(response.json())) == (400, ["reason"])
    response = client.post(f"{REQUESTS}{first.pk}/reject/", {"reason": "Off-brand"}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "rejected")
    again = client.post(f"{REQUESTS}{first.pk}/reject/", {"reason": "x"}, format="json")
    assert again.status_code == 409

    url = f"{REQUESTS}{second.pk}/request-changes/"
    assert list(client.post(url, {"message": "  "}, format="json").json()) == ["message"]
    response = client.post(url, {"message": "Add the agenda"}, format="json")
    assert (response.json()["status"], response.json()["decision_reason"]) == (
        "changes_requested",
        "Add the agenda",
    )
    assert client.post(f"{REQUESTS}{first.pk}/approve/", {}, format="json").status_code == 409


def _shifted(tenant, days):
    return (request_data(tenant)["start_date"] + datetime.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"activity_type": "party"}, "activity_type"),
        ({"requested_amount": "100.999"}, "requested_amount"),
        ({"requested_amount": "-100"}, "requested_amount"),
        ({"requested_amount": "NaN"}, "requested_amount"),
        ({"requested_amount": {"value": 1}}, "requested_amount"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "__end_before_start__"}, "end_date"),
        ({"start_date": "2001-01-01", "end_date": "2001-01-02"}, "start_date"),
        ({"expected_leads": "many"}, "expected_leads"),
        ({"expected_leads": -1}, "expected_leads"),
        ({"expected_pipeline": "1.001"}, "expected_pipeline"),
        ({"title": ""}, "title"),
        ({"allocation": "abc"}, "allocation"),
    ],
)
def test_bad_request_input_is_a_400_naming_the_field(
    tenant, allocation, partner_admin, api_client, extra, field
):
    if extra.get("end_date") == "__end_before_start__":
        extra = {"end_date": _shifted(tenant, -1)}
    response = api_client(partner_admin).post(
        REQUESTS, request_body(tenant, allocation, **extra), format="json"
    )
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not FundRequest.objects.for_tenant(tenant).exists()


def test_requests_are_made_only_by_partner_admins_and_marketers_on_their_own_allocation(
    tenant, finance, fund, allocation, other_partner, partner_sales, channel_manager,
    other_partner_admin, api_client,
):  # fmt: skip
    body = request_body(tenant, allocation)
    assert api_client(partner_sales).post(REQUESTS, body, format="json").status_code == 403
    assert api_client(channel_manager).post(REQUESTS, body, format="json").status_code == 403
    allocate(tenant, finance, fund, other_partner)
    response = api_client(other_partner_admin).post(REQUESTS, body, format="json")
    assert (response.status_code, list(response.json())) == (400, ["allocation"])


def test_partner_users_see_only_their_own_requests_and_cannot_decide(
    tenant, finance, fund, allocation, partner_admin, partner_sales, other_partner,
    other_partner_admin, api_client,
):  # fmt: skip
    own = submit(tenant, partner_admin, allocation)
    theirs = submit(tenant, other_partner_admin, allocate(tenant, finance, fund, other_partner))
    client = api_client(partner_sales)

    assert [r["id"] for r in client.get(REQUESTS).json()["results"]] == [own.pk]
    assert client.get(f"{REQUESTS}{own.pk}/").status_code == 200
    assert client.get(f"{REQUESTS}{theirs.pk}/").status_code == 404
    assert api_client(partner_admin).post(f"{REQUESTS}{own.pk}/approve/", {}).status_code == 403


def test_request_filters(tenant, allocation, partner_admin, channel_manager, api_client):
    first = submit(tenant, partner_admin, allocation)
    submit(tenant, partner_admin, allocation, activity_type="event")
    client = api_client(channel_manager)
    client.post(f"{REQUESTS}{first.pk}/approve/", {}, format="json")

    def ids(query):
        return {r["id"] for r in client.get(f"{REQUESTS}?{query}").json()["results"]}

    assert ids("status=approved") == {first.pk}
    assert len(ids(f"partner={allocation.partner_id}&fund={allocation.fund_id}")) == 2
    assert len(ids("activity_type=event")) == 1
    assert client.get(f"{REQUESTS}?status=bogus").status_code == 400


def test_creating_a_request_with_an_idempotency_key_creates_it_once(
    tenant, allocation, partner_admin, api_client
):
    client = api_client(partner_admin)
    body = request_body(tenant, allocation)
    first = client.post(REQUESTS, body, format="json", HTTP_IDEMPOTENCY_KEY="req-1")
    again = client.post(REQUESTS, body, format="json", HTTP_IDEMPOTENCY_KEY="req-1")
    assert again.json() == first.json()
    assert FundRequest.objects.for_tenant(tenant).count() == 1


def test_request_list_queries_are_bounded(
    tenant, allocation, partner_admin, channel_manager, api_client, django_assert_max_num_queries
):
    for _ in range(12):
        submit(tenant, partner_admin, allocation, "100")
    for member in (channel_manager, partner_admin):
        client = api_client(member)
        with django_assert_max_num_queries(8):
            response = client.get(REQUESTS)
        assert len(response.json()["results"]) == 12


# --- concurrency --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_concurrent_approvals_over_http_never_overspend_the_allocation(
    tenant, partner, partner_admin, make_member, api_client
):
    finance = make_member(tenant, Role.FINANCE, email="finance@acme.example")
    allocation = allocate(tenant, finance, make_fund(tenant, finance), partner, "10000.00")
    requests = [submit(tenant, partner_admin, allocation, "4000.00") for _ in range(5)]
    clients = [
        api_client(make_member(tenant, Role.CHANNEL_MANAGER, email=f"cm{i}@acme.example"))
        for i in range(len(requests))
    ]

    def approval(client, request):
        return lambda: client.post(f"{REQUESTS}{request.pk}/approve/", {}, format="json")

    responses = run_together([approval(c, r) for c, r in zip(clients, requests, strict=True)])

    codes = sorted(getattr(response, "status_code", response) for response in responses)
    assert codes == [200, 200, 409, 409, 409], responses
    committed = selectors.balances(tenant=tenant, allocation_ids=[allocation.pk])[allocation.pk]
    assert committed.committed == Decimal("8000.00")
    assert committed.committed <= committed.allocated
    statuses = list(FundRequest.objects.for_tenant(tenant).values_list("status", flat=True))
    assert sorted(statuses) == ["approved", "approved", "submitted", "submitted", "submitted"]
