"""Incentives' reactions to deal events: a won deal earns, a reopened deal gives all of it
back, a refund gives back the refunded share. Each is idempotent per event."""

from decimal import Decimal

from ecosystem.outbox.registry import listener


@listener("deal.won")
def accrue_incentives(event) -> None:
    from . import incentives_services

    incentives_services.accrue_for_won_deal(
        tenant=event.tenant,
        deal_id=int(event.payload["deal_id"]),
        event_id=event.pk,
        event_name=event.name,
    )


@listener("deal.reopened", "deal.refunded")
def claw_back_incentives(event) -> None:
    from . import incentives_services

    payload = event.payload
    refunded = payload.get("refunded_total") if event.name == "deal.refunded" else None
    incentives_services.claw_back(
        tenant=event.tenant,
        deal_id=int(payload["deal_id"]),
        event_id=event.pk,
        event_name=event.name,
        reason=str(payload.get("reason") or ""),
        refunded_total=Decimal(refunded) if refunded is not None else None,
        final_amount=Decimal(payload["final_amount"]) if refunded is not None else None,
    )
