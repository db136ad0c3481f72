"""Incentive pages and API: partners see their own earnings and statements only, finance
approves and pays (409 on a second try), CSV and PDF downloads, the calculator, and
bounded queries on every list."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from ecosystem.tenancy.roles import Role
from mdf.models import Statement
from tests.mdf.incentives_factories import approved_deal, program, win
from tests.partners.factories import TierFactory

CLOSED = datetime.date(2025, 5, 10)


@pytest.fixture
def finance(tenant, make_member):
    return make_member(tenant, Role.FINANCE, email="finance@acme.example")


@pytest.fixture
def earned(tenant, partner, other_partner, channel_manager, finance):
    gold = TierFactory(tenant=tenant, name="Gold", rank=3)
    partner.tier = gold
    partner.save(update_fields=["tier"])
    program(tenant, finance, "rebate", name="Rebate",
            rules=[{"percent": "5"}, {"tier": gold.pk, "percent": "12"}])  # fmt: skip
    program(tenant, finance, "spiff", name="First deal bonus",
            rules=[{"fixed_amount": "250", "qualifier": "first_deal_in_period"}])  # fmt: skip
    own = win(tenant, channel_manager, approved_deal(tenant, partner, title="Acme rollout"),
              closed_on=CLOSED)  # fmt: skip
    theirs = win(tenant, channel_manager, approved_deal(tenant, other_partner, title="Secret"),
                 closed_on=CLOSED)  # fmt: skip
    statements = Statement.objects.for_tenant(tenant)
    return {
        "own_deal": own,
        "other_deal": theirs,
        "own": statements.get(partner=partner),
        "other": statements.get(partner=other_partner),
    }


def test_partner_sees_own_statement_with_traces_only(earned, partner_admin, portal_client):
    client = portal_client(partner_admin)
    page = client.get(reverse("incentives:statements"))
    assert page.status_code == 200
    assert [s.pk for s in page.context["page"].object_list] == [earned["own"].pk]
    detail = client.get(reverse("incentives:statement", args=[earned["own"].pk]))
    body = detail.content.decode()
    assert "12% of 40,000.00 USD won on &#x27;Acme rollout&#x27; at Gold = 4,800.00 USD" in body
    assert "Secret" not in body
    assert client.get(reverse("incentives:statement", args=[earned["other"].pk])).status_code == 404
    for name in ("incentives:statement_pdf", "incentives:statement_csv"):
        assert client.get(reverse(name, args=[earned["other"].pk])).status_code == 404


def test_statement_csv_has_decimal_strings(earned, partner_admin, portal_client):
    response = portal_client(partner_admin).get(
        reverse("incentives:statement_csv", args=[earned["own"].pk])
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(row["amount"] for row in rows) == ["250.00", "4800.00"]
    assert all(row["currency"] == "USD" for row in rows)


def test_statement_pdf_renders(earned, partner_admin, portal_client):
    response = portal_client(partner_admin).get(
        reverse("incentives:statement_pdf", args=[earned["own"].pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_finance_approves_then_pays_in_a_batch_and_exports(earned, finance, portal_client):
    client = portal_client(finance)
    for key in ("own", "other"):
        response = client.post(reverse("incentives:statement_approve", args=[earned[key].pk]))
        assert response.status_code == 302
    response = client.post(
        reverse("incentives:statements_pay"),
        {
            "statements": [earned["own"].pk, earned["other"].pk],
            "reference": "AP-77",
            "method": "bank_transfer",
            "paid_on": "2025-08-01",
        },
    )
    assert response.status_code == 302
    assert set(
        Statement.objects.for_tenant(earned["own"].tenant).values_list(
            "status", "payment_reference"
        )
    ) == {("paid", "AP-77")}
    export = client.get(reverse("incentives:statements_export"))
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert sorted(row["amount"] for row in rows) == ["2250.00", "5050.00"]


def test_partner_cannot_approve_or_pay(earned, partner_admin, portal_client):
    client = portal_client(partner_admin)
    response = client.post(reverse("incentives:statement_approve", args=[earned["own"].pk]))
    assert response.status_code == 403
    earned["own"].refresh_from_db()
    assert earned["own"].status == "draft"


def test_api_lists_own_earnings_and_statements(earned, partner_admin, api_client):
    client = api_client(partner_admin)
    earnings = client.get("/api/v1/incentives/earnings/").json()
    assert {line["deal"] for line in earnings["results"]} == {earned["own_deal"].pk}
    assert earnings["results"][0]["sentence"]
    statements = client.get("/api/v1/incentives/statements/").json()["results"]
    assert [(s["id"], s["total"]) for s in statements] == [(earned["own"].pk, "5050.00")]
    assert client.get(f"/api/v1/incentives/statements/{earned['other'].pk}/").status_code == 404
    programs = client.get("/api/v1/incentives/programs/").json()["results"]
    assert {p["name"] for p in programs} == {"Rebate", "First deal bonus"}


def test_api_approve_and_pay_once(earned, finance, api_client):
    client = api_client(finance)
    url = f"/api/v1/incentives/statements/{earned['own'].pk}/"
    assert (
        client.post(url + "pay/", {"reference": "X", "method": "check"}, format="json").status_code
        == 409
    )
    approved = client.post(url + "approve/", {"note": "ok"}, format="json")
    assert approved.status_code == 200
    assert approved.json()["approved_amount"] == "5050.00"
    assert client.post(url + "approve/", {}, format="json").status_code == 409
    paid = client.post(url + "pay/", {"reference": "AP-1", "method": "check"}, format="json")
    assert paid.status_code == 200
    assert paid.json()["statements"][0]["status"] == "paid"
    again = client.post(url + "pay/", {"reference": "AP-2", "method": "check"}, format="json")
    assert again.status_code == 409
    bad = client.post(url + "pay/", {"reference": "AP-2", "method": "cash"}, format="json")
    assert bad.status_code == 400 and "method" in bad.json()


def test_api_batch_pay_of_another_tenants_statement_is_404(earned, other_tenant, make_member,
                                                           api_client):  # fmt: skip
    foreign = make_member(other_tenant, Role.FINANCE, email="cfo@globex.example")
    response = api_client(foreign).post(
        "/api/v1/incentives/statements/pay/",
        {"statements": [earned["own"].pk], "reference": "X", "method": "check"},
        format="json",
    )
    assert response.status_code == 404


def test_api_programs_create_and_rules(finance, partner_admin, api_client):
    client = api_client(finance)
    created = client.post(
        "/api/v1/incentives/programs/",
        {"name": "Referral", "kind": "referral_fee", "currency": "usd",
         "start_date": "2025-01-01"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    program_id = created.json()["id"]
    bad = client.post(f"/api/v1/incentives/programs/{program_id}/rules/", {}, format="json")
    assert bad.status_code == 400 and "percent" in bad.json()
    ok = client.post(f"/api/v1/incentives/programs/{program_id}/rules/", {"percent": "10"},
                     format="json")  # fmt: skip
    assert ok.status_code == 201
    assert ok.json()["rules"][0]["text"] == "Any tier: 10% of each won referral"
    refused = api_client(partner_admin).post(
        "/api/v1/incentives/programs/", {"name": "x"}, format="json"
    )
    assert refused.status_code == 403


def test_calculator_api_and_pages_match(earned, partner, partner_admin, channel_manager,
                                        api_client, portal_client):  # fmt: skip
    deal = approved_deal(partner.tenant, partner, title="Next one", amount=Decimal("10000"))
    client = api_client(partner_admin)
    by_id = client.post("/api/v1/incentives/calculate/", {"deal": deal.pk}, format="json")
    assert by_id.status_code == 200
    assert by_id.json()["total"] == "1450.00"  # the rebate and, today, the first-deal SPIFF
    described = client.post(
        "/api/v1/incentives/calculate/",
        {"amount": "10000", "currency": "USD", "title": "Next one"},
        format="json",
    )
    assert described.json()["lines"][0]["sentence"] == by_id.json()["lines"][0]["sentence"]
    missing = client.post("/api/v1/incentives/calculate/", {"currency": "USD"}, format="json")
    assert missing.status_code == 400 and "amount" in missing.json()
    other = client.post("/api/v1/incentives/calculate/", {"deal": earned["other_deal"].pk},
                        format="json")  # fmt: skip
    assert other.status_code == 404
    page = portal_client(partner_admin).get(reverse("incentives:deal_calculator", args=[deal.pk]))
    assert "1,200.00 USD" in page.content.decode()
    form = portal_client(partner_admin).get(
        reverse("incentives:calculator"), {"amount": "10000", "currency": "usd"}
    )
    assert "1,200.00 USD" in form.content.decode()
    staff = api_client(channel_manager).post(
        "/api/v1/incentives/calculate/", {"amount": "1", "currency": "USD"}, format="json"
    )
    assert staff.status_code == 400 and "partner" in staff.json()


def test_program_pages(finance, partner_admin, tenant, portal_client):
    client = portal_client(finance)
    response = client.post(
        reverse("incentives:program_create"),
        {"name": "Rebate", "kind": "rebate", "currency": "USD", "start_date": "2025-01-01",
         "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    program_url = response["Location"]
    added = client.post(
        program_url + "rules/",
        {"percent": "5", "threshold_amount": "1000", "accelerator_percent": "8", "is_active": "on"},
    )
    assert added.status_code == 302
    listing = portal_client(partner_admin).get(reverse("incentives:programs"))
    assert "Any tier: 5% of won revenue; 8% on revenue won in a quarter beyond 1,000.00 USD" in (
        listing.content.decode()
    )
    assert portal_client(partner_admin).get(program_url).status_code == 403


def test_empty_states(partner_admin, finance, portal_client):
    assert "No earnings yet" in portal_client(partner_admin).get("/incentives/").content.decode()
    assert "No statements yet" in portal_client(finance).get("/incentives/").content.decode()
    assert "No incentive programs yet" in (
        portal_client(finance).get("/incentives/programs/").content.decode()
    )


def test_lists_are_query_bounded(
    earned, tenant, finance, channel_manager, portal_client, api_client,
    django_assert_max_num_queries,
):  # fmt: skip
    from tests.partners.factories import PartnerOrganisationFactory

    for index in range(6):
        extra = PartnerOrganisationFactory(tenant=tenant, name=f"Extra {index}")
        win(tenant, channel_manager, approved_deal(tenant, extra), closed_on=CLOSED)
    page_client, rest = portal_client(finance), api_client(finance)
    with django_assert_max_num_queries(16):
        assert page_client.get("/incentives/").status_code == 200
    with django_assert_max_num_queries(14):
        assert page_client.get("/incentives/programs/").status_code == 200
    for path in ("statements", "earnings", "programs"):
        with django_assert_max_num_queries(12):
            assert rest.get(f"/api/v1/incentives/{path}/").status_code == 200
    with django_assert_max_num_queries(16):
        assert page_client.get(f"/incentives/statements/{earned['own'].pk}/").status_code == 200


def test_api_rule_with_another_tenants_tier_is_the_same_400_as_an_unknown_one(
    tenant, finance, other_tenant, api_client
):
    foreign_tier = TierFactory(tenant=other_tenant, name="Globex Gold", rank=3)
    client = api_client(finance)
    program_id = client.post(
        "/api/v1/incentives/programs/",
        {"name": "R", "kind": "rebate", "currency": "USD", "start_date": "2025-01-01"},
        format="json",
    ).json()["id"]
    answers = [
        client.post(
            f"/api/v1/incentives/programs/{program_id}/rules/",
            {"tier": tier_id, "percent": "5"},
            format="json",
        )
        for tier_id in (foreign_tier.pk, 999999)
    ]
    assert [answer.status_code for answer in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()
