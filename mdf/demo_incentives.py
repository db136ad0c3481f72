"""Demo incentives for `seed_demo`: a rebate by tier with a quarterly threshold and an
accelerator, a referral fee and a SPIFF, earnings from the demo's won deals (through the
services, as the deal.won listener would), one approved and one paid statement."""

from __future__ import annotations

import datetime
import random

from dealreg.models import Deal, DealStatus
from ecosystem.outbox.models import OutboxEvent
from ecosystem.tenancy.roles import Role
from partners.models import Tier

from . import incentives_services as services
from .models import Statement

# Rebate % by tier, and the accelerator % beyond the quarterly threshold.
REBATES = {"Silver": ("3", "4"), "Gold": ("5", "7"), "Platinum": ("7", "10")}
THRESHOLD = "250000.00"


def seed(*, tenant, staff, rng: random.Random) -> None:
    finance = staff[Role.FINANCE]
    currency = tenant.default_currency
    start = datetime.date(datetime.date.today().year - 1, 1, 1)
    common = {"currency": currency, "start_date": start, "is_active": True}
    rebate = services.create_program(
        tenant=tenant,
        actor=finance,
        data={
            "name": "Partner rebate",
            "kind": "rebate",
            "description": "A share of the revenue you win, higher at higher tiers, and "
            "higher again beyond 250,000 won in a quarter.",
            **common,
        },
    )
    tiers = {tier.name: tier for tier in Tier.objects.for_tenant(tenant)}
    services.add_rule(tenant=tenant, actor=finance, program_id=rebate.pk, data={"percent": "2"})
    for name, (percent, accelerator) in REBATES.items():
        if name in tiers:
            services.add_rule(
                tenant=tenant,
                actor=finance,
                program_id=rebate.pk,
                data={
                    "tier": tiers[name].pk,
                    "percent": percent,
                    "threshold_amount": THRESHOLD,
                    "accelerator_percent": accelerator,
                },
            )
    referral = services.create_program(
        tenant=tenant,
        actor=finance,
        data={"name": "Referral fee", "kind": "referral_fee",
              "description": "For customers you introduce and we sell to.", **common},
    )  # fmt: skip
    services.add_rule(tenant=tenant, actor=finance, program_id=referral.pk, data={"percent": "8"})
    spiff = services.create_program(
        tenant=tenant,
        actor=finance,
        data={"name": "Edge launch SPIFF", "kind": "spiff",
              "description": "A bonus for your first Edge deal each quarter.", **common},
    )  # fmt: skip
    services.add_rule(
        tenant=tenant,
        actor=finance,
        program_id=spiff.pk,
        data={"fixed_amount": "500.00", "qualifier": "first_deal_with_product", "product": "Edge"},
    )
    won = {
        event.object_id: event
        for event in OutboxEvent.objects.for_tenant(tenant).filter(name="deal.won").order_by("id")
    }
    deals = (
        Deal.objects.for_tenant(tenant).filter(status=DealStatus.WON).order_by("closed_on", "id")
    )
    for deal in deals:
        event = won.get(str(deal.pk))
        if event is not None:
            services.accrue_for_won_deal(tenant=tenant, deal_id=deal.pk, event_id=event.pk)
    # Finance approved one statement and paid another (oldest first).
    statements = list(Statement.objects.for_tenant(tenant).order_by("period_start", "id"))
    payable = [
        statement
        for statement in statements
        if statement.period_end < datetime.date.today()
        and sum(line.amount for line in statement.lines.all()) > 0
    ]
    if payable:
        paid = payable[0]
        services.approve_statement(tenant=tenant, actor=finance, statement_id=paid.pk,
                                   note="Checked against the CRM.")  # fmt: skip
        services.pay_statements(
            tenant=tenant,
            actor=finance,
            statement_ids=[paid.pk],
            reference=f"AP-{rng.randrange(10000, 99999)}",
            method="bank_transfer",
        )
    if len(payable) > 1:
        services.approve_statement(tenant=tenant, actor=finance, statement_id=payable[1].pk)
