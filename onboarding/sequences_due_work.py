"""Timed welcome-sequence and survey work, run by the due-work processor
(ecosystem.scheduling)."""

from django.utils import timezone

from ecosystem.scheduling.registry import due_handler

from . import sequences_services, surveys_services


@due_handler(sequences_services.STEP_WORK)
def welcome_step(work) -> None:
    # Never earlier than the due time, so a processor run with an explicit `now` agrees.
    sequences_services.run_step(
        tenant=work.tenant,
        step_run_id=work.payload["step_run_id"],
        now=max(timezone.now(), work.due_at),
    )


@due_handler(sequences_services.QUARTERLY_SURVEY_WORK)
def quarterly_survey(work) -> None:
    surveys_services.send_quarterly_survey(
        tenant=work.tenant, partner_id=work.payload["partner_id"], due_at=work.due_at
    )
