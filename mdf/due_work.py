"""MDF's timed work, run by the due-work processor (ecosystem.scheduling)."""

import contextlib

from ecosystem.errors import Conflict
from ecosystem.scheduling.registry import due_handler

from . import claim_services, period_services


@due_handler(claim_services.REMINDER_WORK)
def claim_reminder(work) -> None:
    claim_services.send_claim_reminder(
        tenant=work.tenant, request_id=work.payload["request_id"], days=work.payload["days"]
    )


@due_handler(claim_services.DEADLINE_WORK)
def claim_deadline(work) -> None:
    claim_services.lapse_request(tenant=work.tenant, request_id=work.payload["request_id"])


@due_handler(period_services.ACCRUAL_WORK)
def fund_accrual(work) -> None:
    # Conflict: it already ran (by hand), or the fund stopped accruing; nothing to do.
    with contextlib.suppress(Conflict):
        period_services.run_accrual(tenant=work.tenant, actor=None, fund_id=work.payload["fund_id"])


@due_handler(period_services.EXPIRY_WORK)
def fund_expiry(work) -> None:
    period_services.expire_fund(tenant=work.tenant, fund_id=work.payload["fund_id"])
