"""Incentives end to end through the services: accrual from a real deal.won event through
the outbox, idempotency, clawback on reopen and refund, statements approved and paid once."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from dealreg import services as deal_services
from ecosystem.audit.models import AuditEntry
from ecosystem.errors import Conflict, NotAllowed, ValidationFailed
from ecosystem.outbox.models import OutboxEvent
from ecosystem.outbox.services import dispatch_pending
from ecosystem.tenancy.roles import Role
from mdf import incentives_selectors, incentives_services
from mdf.models import Earning, Statement
from tests.concurrency import run_together
from tests.mdf.incentives_factories import approved_deal, program, win
from tests.partners.factories import TierFactory

D = Decimal
CLOSED = datetime.date(2025, 5, 10)


@pytest.fixture
def finance(tenant, make_member):
    return make_member(tenant, Role.FINANCE, email="finance@acme.example")


@pytest.fixture
def gold(tenant, partner):
    tier = TierFactory(tenant=tenant, name="Gold", rank=3)
    partner.tier = tier
    partner.save(update_fields=["tier"])
    return tier


@pytest.fixture
def rebate(tenant, finance, gold):
    return program(
        tenant, finance, "rebate", name="Quarterly rebate",
        rules=[
            {"percent": "5"},
            {"tier": gold.pk, "percent": "12", "threshold_amount": "100000",
             "accelerator_percent": "15"},
        ],
    )  # fmt: skip


def lines_of(tenant, deal):
    return list(Earning.objects.for_tenant(tenant).filter(deal=deal).order_by("id"))


def test_won_deal_accrues_through_the_outbox_with_its_trace(
    tenant, partner, channel_manager, rebate
):
    deal = approved_deal(tenant, partner, title="Acme rollout")
    win(tenant, channel_manager, deal, closed_on=CLOSED)
    [line] = lines_of(tenant, deal)
    assert (line.kind, line.amount, line.currency) == ("earning", D("4800.00"), "USD")
    assert line.trace["sentence"] == (
        "12% of 40,000.00 USD won on 'Acme rollout' at Gold = 4,800.00 USD"
    )
    event = OutboxEvent.objects.for_tenant(tenant).get(name="deal.won")
    assert line.source_event_id == event.pk
    assert (line.period_start, line.statement.period_start) == (datetime.date(2025, 4, 1),) * 2
    assert line.statement.status == "draft"
    assert AuditEntry.objects.for_tenant(tenant).filter(action="incentives.earned").count() == 1


def test_the_same_event_twice_creates_nothing_new(tenant, partner, channel_manager, rebate):
    deal = approved_deal(tenant, partner)
    win(tenant, channel_manager, deal, closed_on=CLOSED)
    event = OutboxEvent.objects.for_tenant(tenant).get(name="deal.won")
    for _ in range(2):
        incentives_services.accrue_for_won_deal(tenant=tenant, deal_id=deal.pk, event_id=event.pk)
    # A different event for the same won deal does not pay the rule twice either.
    incentives_services.accrue_for_won_deal(tenant=tenant, deal_id=deal.pk, event_id=10**9)
    assert len(lines_of(tenant, deal)) == 1


def test_threshold_counts_the_quarter_deal_by_deal(tenant, partner, channel_manager, rebate):
    first = win(tenant, channel_manager, approved_deal(tenant, partner, amount=D("90000")),
                closed_on=CLOSED)  # fmt: skip
    second = win(tenant, channel_manager, approved_deal(tenant, partner, amount=D("40000")),
                 closed_on=CLOSED)  # fmt: skip
    assert lines_of(tenant, first)[0].amount == D("10800.00")
    # 10,000 at 12% + 30,000 at 15%
    assert lines_of(tenant, second)[0].amount == D("5700.00")
    # Another quarter starts again below the threshold.
    third = win(tenant, channel_manager, approved_deal(tenant, partner, amount=D("40000")),
                closed_on=datetime.date(2025, 7, 2))  # fmt: skip
    assert lines_of(tenant, third)[0].amount == D("4800.00")


def test_referral_fee_and_spiff_once_per_quarter(tenant, partner, channel_manager, finance):
    program(tenant, finance, "referral_fee", rules=[{"fixed_amount": "500"}])
    program(tenant, finance, "spiff", rules=[
        {"fixed_amount": "250", "qualifier": "first_deal_with_product", "product": "Vault"},
    ])  # fmt: skip
    referral = approved_deal(tenant, partner, route_to_market="referral", products=["Vault"])
    win(tenant, channel_manager, referral, closed_on=CLOSED)
    assert sorted(line.amount for line in lines_of(tenant, referral)) == [D("250"), D("500")]
    again = approved_deal(tenant, partner, products=["Vault"])
    win(tenant, channel_manager, again, closed_on=CLOSED)
    assert lines_of(tenant, again) == []  # the SPIFF was paid this quarter already


def test_reopen_claws_back_everything_with_a_reversal_line(
    tenant, partner, channel_manager, rebate
):
    deal = win(tenant, channel_manager, approved_deal(tenant, partner), closed_on=CLOSED)
    deal_services.reopen_deal(
        tenant=tenant, actor=channel_manager, deal_id=deal.pk, reason="Booked twice"
    )
    dispatch_pending()
    original, clawback = lines_of(tenant, deal)
    assert (clawback.kind, clawback.amount, clawback.reverses_id) == (
        "clawback",
        D("-4800.00"),
        original.pk,
    )
    assert clawback.reason == "Booked twice"
    assert "reopened" in clawback.trace["sentence"]
    assert original.amount == D("4800.00")  # never edited
    totals = incentives_selectors.statements(tenant=tenant).get()
    assert totals.total == D("0.00")
    # Won again later: a new line, and the quarter's revenue was given back first.
    deal_services.close_deal(tenant=tenant, actor=channel_manager, deal_id=deal.pk,
                             outcome="won", closed_on=CLOSED)  # fmt: skip
    dispatch_pending()
    assert [line.amount for line in lines_of(tenant, deal)] == [
        D("4800.00"),
        D("-4800.00"),
        D("4800.00"),
    ]


def test_partial_refunds_claw_back_the_refunded_share_exactly(
    tenant, partner, channel_manager, rebate
):
    deal = win(tenant, channel_manager, approved_deal(tenant, partner), closed_on=CLOSED)
    deal_services.record_refund(tenant=tenant, actor=channel_manager, deal_id=deal.pk,
                                amount="10000", reason="Seats returned")  # fmt: skip
    dispatch_pending()
    assert [line.amount for line in lines_of(tenant, deal)] == [D("4800.00"), D("-1200.00")]
    deal_services.record_refund(tenant=tenant, actor=channel_manager, deal_id=deal.pk,
                                amount="30000", reason="Cancelled")  # fmt: skip
    dispatch_pending()
    lines = lines_of(tenant, deal)
    assert [line.amount for line in lines] == [D("4800.00"), D("-1200.00"), D("-3600.00")]
    assert sum(line.amount for line in lines) == 0
    with pytest.raises(ValidationFailed) as refused:
        deal_services.record_refund(tenant=tenant, actor=channel_manager, deal_id=deal.pk,
                                    amount="0.01", reason="More")  # fmt: skip
    assert refused.value.field == "amount"


def _statement(tenant, deal):
    return lines_of(tenant, deal)[0].statement


def test_statement_is_approved_once_then_paid_once(tenant, partner, channel_manager, finance,
                                                    rebate):  # fmt: skip
    deal = win(tenant, channel_manager, approved_deal(tenant, partner), closed_on=CLOSED)
    statement = _statement(tenant, deal)
    with pytest.raises(NotAllowed):
        incentives_services.approve_statement(
            tenant=tenant, actor=channel_manager, statement_id=statement.pk
        )
    with pytest.raises(Conflict):  # not approved yet
        incentives_services.pay_statements(tenant=tenant, actor=finance,
            statement_ids=[statement.pk], reference="AP-1", method="bank_transfer")  # fmt: skip
    approved = incentives_services.approve_statement(
        tenant=tenant, actor=finance, statement_id=statement.pk, note="Checked"
    )
    assert (approved.status, approved.approved_amount) == ("approved", D("4800.00"))
    with pytest.raises(Conflict):
        incentives_services.approve_statement(
            tenant=tenant, actor=finance, statement_id=statement.pk
        )
    batch = incentives_services.pay_statements(
        tenant=tenant, actor=finance, statement_ids=[statement.pk], reference="AP-1",
        method="bank_transfer", paid_on=datetime.date(2025, 8, 1),
    )  # fmt: skip
    statement.refresh_from_db()
    assert (statement.status, statement.payout_batch_id, statement.payment_reference) == (
        "paid",
        batch.pk,
        "AP-1",
    )
    with pytest.raises(Conflict):
        incentives_services.pay_statements(tenant=tenant, actor=finance,
            statement_ids=[statement.pk], reference="AP-2", method="check")  # fmt: skip
    actions = set(AuditEntry.objects.for_tenant(tenant).values_list("action", flat=True))
    assert {"incentives.statement_approved", "incentives.statement_paid"} <= actions


def test_lines_after_approval_go_to_the_next_open_statement(
    tenant, partner, channel_manager, finance, rebate
):
    deal = win(tenant, channel_manager, approved_deal(tenant, partner), closed_on=CLOSED)
    statement = _statement(tenant, deal)
    incentives_services.approve_statement(tenant=tenant, actor=finance, statement_id=statement.pk)
    deal_services.reopen_deal(tenant=tenant, actor=channel_manager, deal_id=deal.pk, reason="x")
    dispatch_pending()
    original, clawback = lines_of(tenant, deal)
    assert clawback.statement_id != statement.pk
    assert clawback.statement.status == "draft"
    assert clawback.period_start == original.period_start  # counts against the won quarter
    statement.refresh_from_db()
    assert statement.approved_amount == D("4800.00")


def test_a_statement_with_nothing_to_pay_is_not_approved(
    tenant, partner, channel_manager, finance, rebate
):
    deal = win(tenant, channel_manager, approved_deal(tenant, partner), closed_on=CLOSED)
    deal_services.reopen_deal(tenant=tenant, actor=channel_manager, deal_id=deal.pk, reason="x")
    dispatch_pending()
    with pytest.raises(Conflict):
        incentives_services.approve_statement(
            tenant=tenant, actor=finance, statement_id=_statement(tenant, deal).pk
        )


def test_calculator_equals_what_accrual_later_produces(tenant, partner, channel_manager, finance,
                                                       rebate):  # fmt: skip
    program(tenant, finance, "spiff", rules=[{"fixed_amount": "250",
                                              "qualifier": "first_deal_in_period"}])  # fmt: skip
    win(tenant, channel_manager, approved_deal(tenant, partner, amount=D("80000")))
    deal = approved_deal(tenant, partner, title="Next", amount=D("45000"))
    partner.refresh_from_db()
    predicted = incentives_services.calculate(
        tenant=tenant, partner=partner, facts=incentives_services.deal_facts(deal)
    )
    win(tenant, channel_manager, deal)
    produced = lines_of(tenant, deal)
    assert [(p.rule.pk, p.amount, p.trace["sentence"]) for p in predicted] == [
        (line.rule_id, line.amount, line.trace["sentence"]) for line in produced
    ]
    assert produced[0].amount == D("6150.00")  # 20,000 at 12% + 25,000 at 15%


def test_rule_validation_names_the_field(tenant, finance):
    created = program(tenant, finance, "referral_fee", rules=[])
    with pytest.raises(ValidationFailed) as refused:
        incentives_services.add_rule(tenant=tenant, actor=finance, program_id=created.pk,
                                     data={"percent": "10", "fixed_amount": "5"})  # fmt: skip
    assert "percent" in refused.value.errors
    spiff = program(tenant, finance, "spiff", rules=[])
    with pytest.raises(ValidationFailed) as refused:
        incentives_services.add_rule(tenant=tenant, actor=finance, program_id=spiff.pk,
            data={"fixed_amount": "5", "qualifier": "first_deal_with_product"})  # fmt: skip
    assert "product" in refused.value.errors


def test_reopen_needs_a_reviewer_and_a_reason(tenant, partner, channel_manager, partner_admin):
    deal = win(tenant, channel_manager, approved_deal(tenant, partner), closed_on=CLOSED)
    with pytest.raises(NotAllowed):
        deal_services.reopen_deal(tenant=tenant, actor=partner_admin, deal_id=deal.pk, reason="x")
    with pytest.raises(ValidationFailed):
        deal_services.reopen_deal(tenant=tenant, actor=channel_manager, deal_id=deal.pk, reason="")


@pytest.mark.django_db(transaction=True)
def test_paying_at_once_pays_once_and_the_loser_gets_409(tenant, partner, channel_manager,
                                                         finance, rebate):  # fmt: skip
    deal = win(tenant, channel_manager, approved_deal(tenant, partner), closed_on=CLOSED)
    statement = _statement(tenant, deal)
    incentives_services.approve_statement(tenant=tenant, actor=finance, statement_id=statement.pk)

    def pay(reference):
        def call():
            return incentives_services.pay_statements(
                tenant=tenant, actor=finance, statement_ids=[statement.pk],
                reference=reference, method="bank_transfer",
            )  # fmt: skip

        return call

    results = run_together([pay("AP-A"), pay("AP-B"), pay("AP-C")])
    conflicts = [result for result in results if isinstance(result, Conflict)]
    assert len(conflicts) == 2, results
    statement.refresh_from_db()
    assert statement.status == "paid"
    assert connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_approving_at_once_approves_once(tenant, partner, channel_manager, finance, rebate):
    deal = win(tenant, channel_manager, approved_deal(tenant, partner), closed_on=CLOSED)
    statement = _statement(tenant, deal)

    def approve():
        return incentives_services.approve_statement(
            tenant=tenant, actor=finance, statement_id=statement.pk
        )

    results = run_together([approve, approve])
    assert sorted(type(result).__name__ for result in results) == ["Conflict", "Statement"]
    assert Statement.objects.for_tenant(tenant).get().status == "approved"
