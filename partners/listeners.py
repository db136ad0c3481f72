"""The partners app's reactions to domain events."""

from ecosystem.outbox.registry import listener

from . import tiers

# Events that change a tier metric carry the partner's id; later apps add theirs here by
# emitting these names (deal.won, certification.earned, survey.answered).
METRIC_EVENTS = (
    "membership.created",
    "membership.deactivated",
    "partner.specialisations_changed",
    "deal.won",
    "deal.registered",
    "certification.earned",
    "survey.answered",
)


@listener(*METRIC_EVENTS)
def reevaluate_tier(event) -> None:
    partner_id = event.payload.get("partner_id")
    if partner_id:
        tiers.request_reevaluation(tenant=event.tenant, partner_id=int(partner_id))


@listener("tier.rules_changed")
def reevaluate_everyone(event) -> None:
    tiers.request_reevaluation(tenant=event.tenant)


@listener("tenant.created")
def book_nightly_evaluation(event) -> None:
    tiers.schedule_nightly_evaluation(tenant=event.tenant)

