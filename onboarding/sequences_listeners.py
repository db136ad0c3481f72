"""Onboarding's reactions to domain events for the welcome sequence, the first-deal nudge
and surveys. Each is idempotent: a re-delivered event changes nothing."""

from ecosystem.outbox.registry import listener

from . import sequences_services, surveys_services
from .models.sequences import SequenceEnrolment, SurveyOccasion


@listener("application.approved")
def start_welcome_sequence(event) -> None:
    partner_id = event.payload.get("partner_id")
    if partner_id:
        sequences_services.start_sequence(
            tenant=event.tenant,
            actor=None,
            partner_id=int(partner_id),
            source=SequenceEnrolment.Source.APPLICATION,
        )


@listener("partner.status_changed")
def stop_welcome_sequence(event) -> None:
    partner_id = event.payload.get("partner_id")
    if partner_id and event.payload.get("to") in sequences_services.STOPPING_STATUSES:
        sequences_services.stop_sequence(
            tenant=event.tenant,
            actor=None,
            partner_id=int(partner_id),
            reason=f"Partner {event.payload['to']}",
        )


@listener("deal.registered")
def send_coselling_guide(event) -> None:
    partner_id, deal_id = event.payload.get("partner_id"), event.payload.get("deal_id")
    if partner_id and deal_id:
        sequences_services.send_first_deal_nudge(
            tenant=event.tenant, partner_id=int(partner_id), deal_id=int(deal_id)
        )


@listener("onboarding.completed")
def survey_after_onboarding(event) -> None:
    partner_id = event.payload.get("partner_id")
    if partner_id:
        surveys_services.send_surveys(
            tenant=event.tenant,
            partner_id=int(partner_id),
            occasion=SurveyOccasion.ONBOARDING,
            occasion_key="onboarding",
        )
