"""Timed tier work, run by the due-work processor (ecosystem.scheduling)."""

from ecosystem.scheduling.registry import due_handler

from . import commitment_services, tiers


@due_handler("partners.tier_reevaluation")
def reevaluate_partner(work) -> None:
    partner_id = int(work.key.split(":", 1)[1])
    tiers.evaluate_partners(tenant=work.tenant, partner_ids=[partner_id])


@due_handler("partners.tier_full_reevaluation")
def reevaluate_everyone(work) -> None:
    """After the rules changed: every partner's tier, then what each tier now promises (a
    tier's benefits may be what changed)."""
    tiers.evaluate_partners(tenant=work.tenant)
    commitment_services.evaluate_commitments(tenant=work.tenant)


@due_handler("partners.tier_nightly_evaluation")
def nightly_evaluation(work) -> None:
    """Every partner, every night (expired overrides end, grace periods run out, the
    vendor's commitments are checked again); then the next night is booked."""
    tiers.evaluate_partners(tenant=work.tenant)
    commitment_services.evaluate_commitments(tenant=work.tenant)
    tiers.schedule_nightly_evaluation(tenant=work.tenant, now=work.due_at)
