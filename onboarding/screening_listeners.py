"""Screening's reactions to domain events."""

from ecosystem.outbox.registry import listener

from .screening_tasks import screen_application_task


@listener("application.submitted")
def screen_submitted_application(event) -> None:
    # Idempotent: the service screens an application once.
    screen_application_task.delay(
        tenant_id=event.tenant_id, application_id=int(event.payload["application_id"])
    )
