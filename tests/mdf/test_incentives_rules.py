"""The incentive arithmetic (mdf.incentives_rules), exact to the cent, without a database."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from mdf.incentives_rules import DealFacts, PeriodFacts, calculate, proportional, quarter_of

D = Decimal
GOLD = SimpleNamespace(pk=2, name="Gold")


def program(pk, kind, currency="USD", start=datetime.date(2025, 1, 1), end=None, active=True):
    return SimpleNamespace(
        pk=pk, name=f"{kind} {pk}", kind=kind, currency=currency, start_date=start,
        end_date=end, is_active=active,
    )  # fmt: skip


def rule(pk, tier=None, **values):
    defaults = {
        "percent": None,
        "fixed_amount": None,
        "threshold_amount": D("0.00"),
        "accelerator_percent": None,
        "qualifier": "",
        "product": "",
        "is_active": True,
    }
    return SimpleNamespace(pk=pk, tier=tier, tier_id=tier.pk if tier else None,
                           **(defaults | values))  # fmt: skip


def deal(amount="40000.00", route="resale", products=(), closed=datetime.date(2025, 5, 10)):
    return DealFacts(
        deal_id=7, title="Acme rollout", amount=D(amount), currency="USD", closed_on=closed,
        route_to_market=route, products=products,
    )  # fmt: skip


def run(programs, facts=None, period=None, tier=GOLD):
    return calculate(
        deal=facts or deal(),
        tier_id=tier.pk if tier else None,
        tier_name=tier.name if tier else None,
        programs=programs,
        period=period or PeriodFacts(),
        event=("deal.won", 99),
    )


def test_quarters():
    assert quarter_of(datetime.date(2025, 5, 10)) == (
        datetime.date(2025, 4, 1),
        datetime.date(2025, 6, 30),
    )
    assert quarter_of(datetime.date(2025, 12, 31)) == (
        datetime.date(2025, 10, 1),
        datetime.date(2025, 12, 31),
    )


def test_flat_rebate_by_tier_with_the_sentence_partners_read():
    rebate = program(1, "rebate")
    rules = [rule(1, percent=D("5")), rule(2, tier=GOLD, percent=D("12"))]
    [line] = run([(rebate, rules)])
    assert line.amount == D("4800.00")
    assert line.rule.pk == 2  # the tier's rule wins over the any-tier one
    assert line.trace["sentence"] == (
        "12% of 40,000.00 USD won on 'Acme rollout' at Gold = 4,800.00 USD"
    )
    assert line.trace["tier"] == "Gold"
    assert line.trace["event"] == {"name": "deal.won", "id": 99}
    assert line.trace["base_amount"] == "40000.00"
    assert (line.period_start, line.period_end) == (
        datetime.date(2025, 4, 1),
        datetime.date(2025, 6, 30),
    )
    # Another tier gets the any-tier rule.
    [silver] = run([(rebate, rules)], tier=SimpleNamespace(pk=1, name="Silver"))
    assert silver.amount == D("2000.00")


def test_threshold_and_accelerator_split_the_deal_at_the_quarterly_threshold():
    rebate = program(1, "rebate")
    rules = [rule(1, percent=D("12"), threshold_amount=D("100000.00"), accelerator_percent=D("15"))]
    below = PeriodFacts(revenue_by_program={1: D("70000.00")})
    [line] = run([(rebate, rules)], period=below)
    # 30,000 at 12% = 3,600 and 10,000 at 15% = 1,500
    assert line.amount == D("5100.00")
    assert line.trace["below_threshold"] == "30000.00"
    assert line.trace["above_threshold"] == "10000.00"
    assert (
        "15% of 10,000.00 USD beyond the 100,000.00 USD quarterly threshold"
        in (line.trace["sentence"])
    )
    # Entirely below, and entirely above.
    assert run([(rebate, rules)])[0].amount == D("4800.00")
    beyond = PeriodFacts(revenue_by_program={1: D("100000.00")})
    assert run([(rebate, rules)], period=beyond)[0].amount == D("6000.00")


def test_rebate_rounds_half_up_to_the_cent():
    [line] = run([(program(1, "rebate"), [rule(1, percent=D("3.33"))])], facts=deal("100.15"))
    assert line.amount == D("3.33")  # 3.334995
    [line] = run([(program(1, "rebate"), [rule(1, percent=D("12.5"))])], facts=deal("0.20"))
    assert line.amount == D("0.03")  # 0.025 half up


def test_referral_fee_percent_or_fixed_only_on_referrals():
    percent = program(1, "referral_fee")
    fixed = program(2, "referral_fee")
    programs = [(percent, [rule(1, percent=D("10"))]), (fixed, [rule(2, fixed_amount=D("500"))])]
    assert run(programs) == []  # a resale deal
    lines = run(programs, facts=deal(route="referral"))
    assert [line.amount for line in lines] == [D("4000.00"), D("500")]
    assert lines[1].trace["sentence"] == (
        "Fixed referral fee of 500.00 USD won on 'Acme rollout' at Gold = 500.00 USD"
    )


def test_spiff_once_per_period_and_by_product():
    spiff = program(1, "spiff")
    rules = [
        rule(1, fixed_amount=D("250.00"), qualifier="first_deal_in_period"),
        rule(2, fixed_amount=D("400.00"), qualifier="first_deal_with_product", product="Vault"),
    ]
    lines = run([(spiff, rules)], facts=deal(products=("vault ", "Edge")))
    assert [line.amount for line in lines] == [D("250.00"), D("400.00")]
    assert lines[1].trace["sentence"].startswith("SPIFF of 400.00 USD for the first Vault deal")
    # Already paid this quarter: nothing again.
    paid = PeriodFacts(paid_spiff_rule_ids=frozenset({1, 2}))
    assert run([(spiff, rules)], facts=deal(products=("Vault",)), period=paid) == []
    # Without the product only the first-deal bonus.
    assert [line.rule.pk for line in run([(spiff, rules)])] == [1]


def test_programs_pay_only_in_their_currency_dates_and_while_active():
    rules = [rule(1, percent=D("5"))]
    assert run([(program(1, "rebate", currency="EUR"), rules)]) == []
    assert run([(program(1, "rebate", start=datetime.date(2025, 6, 1)), rules)]) == []
    assert run([(program(1, "rebate", end=datetime.date(2025, 5, 9)), rules)]) == []
    assert run([(program(1, "rebate", active=False), rules)]) == []
    assert run([(program(1, "rebate"), [rule(1, percent=D("5"), is_active=False)])]) == []


def test_proportional_clawback_is_exact_and_never_exceeds_the_line():
    assert proportional(D("4800.00"), D("10000.00"), D("40000.00")) == D("1200.00")
    assert proportional(D("100.00"), D("1.00"), D("3.00")) == D("33.33")
    assert proportional(D("100.00"), D("3.00"), D("3.00")) == D("100.00")
