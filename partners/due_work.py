"""Timed tier work, run by the due-work processor (ecosystem.scheduling)."""

from ecosystem.scheduling.registry import due_handler

from . import tiers


@due_handler("partners.tier_reevaluation")
def reevaluate_partner(work) -> None:
    partner_id = int(work.key.split(":", 1)[1])
    tiers.evaluate_partners(tenant=work.tenant, partner_ids=[partner_id])


@due_handler("partners.tier_full_reevaluation")
def reevaluate_everyone(work) -> None:
    tiers.evaluate_partners(tenant=work.tenant)


@due_handler("partners.tier_nightly_evaluation")
def nightly_evaluation(work) -> None:
    """Every partner, every night (expired overrides end, grace periods run out); then the
    next night is booked."""
    tiers.evaluate_partners(tenant=work.tenant)
    tiers.schedule_nightly_evaluation(tenant=work.tenant, now=work.due_at)
