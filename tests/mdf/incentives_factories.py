"""Helpers for incentive tests: programs and rules written through the services, and deals
won through dealreg's services so the real deal.won event is emitted."""

import datetime
from decimal import Decimal

from django.utils import timezone

from dealreg import services as deal_services
from ecosystem.outbox.services import dispatch_pending
from mdf import incentives_services
from tests.dealreg.factories import DealFactory


def program(tenant, actor, kind, *, rules, currency="USD", name=None, start=None, end=None):
    """A program of `kind` with `rules` (dicts for add_rule)."""
    created = incentives_services.create_program(
        tenant=tenant,
        actor=actor,
        data={
            "name": name or f"{kind} program",
            "kind": kind,
            "currency": currency,
            "start_date": start or datetime.date(2020, 1, 1),
            "end_date": end,
        },
    )
    for rule in rules:
        incentives_services.add_rule(tenant=tenant, actor=actor, program_id=created.pk, data=rule)
    return created


def approved_deal(tenant, partner, **fields):
    fields.setdefault("amount", Decimal("40000.00"))
    return DealFactory(
        tenant=tenant,
        partner=partner,
        status="approved",
        protection_expires_at=timezone.now() + datetime.timedelta(days=90),
        **fields,
    )


def win(tenant, reviewer, deal, *, amount=None, closed_on=None, dispatch=True):
    """Close `deal` as won through dealreg and run the outbox listeners."""
    deal_services.close_deal(
        tenant=tenant,
        actor=reviewer,
        deal_id=deal.pk,
        outcome="won",
        amount=amount,
        closed_on=closed_on,
    )
    if dispatch:
        dispatch_pending()
    deal.refresh_from_db()
    return deal
