"""Timed contract work, run by the due-work processor (ecosystem.scheduling)."""

from django.utils import timezone

from ecosystem.scheduling.registry import due_handler

from . import contracts_services


@due_handler(contracts_services.RENEWAL_NOTICE_WORK)
def renewal_notice(work) -> None:
    contracts_services.send_renewal_notice(
        tenant=work.tenant,
        contract_id=work.payload["contract_id"],
        days=work.payload["days"],
    )


@due_handler(contracts_services.EXPIRY_WORK)
def expiry(work) -> None:
    # Never earlier than the due time, so a processor run with an explicit `now` agrees.
    contracts_services.expire_contract(
        tenant=work.tenant,
        contract_id=int(work.key.split(":", 1)[1]),
        now=max(timezone.now(), work.due_at),
    )
