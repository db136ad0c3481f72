"""MDF's timed work, run by the due-work processor (ecosystem.scheduling)."""

from ecosystem.scheduling.registry import due_handler

from . import claim_services


@due_handler(claim_services.REMINDER_WORK)
def claim_reminder(work) -> None:
    claim_services.send_claim_reminder(
        tenant=work.tenant, request_id=work.payload["request_id"], days=work.payload["days"]
    )


@due_handler(claim_services.DEADLINE_WORK)
def claim_deadline(work) -> None:
    claim_services.lapse_request(tenant=work.tenant, request_id=work.payload["request_id"])
