"""dealreg's reactions to domain events."""

from ecosystem.outbox.registry import listener


@listener("deal.won")
def reevaluate_influencers(event) -> None:
    """The registering partner is re-evaluated by partners' own listener; the other
    participants' influenced revenue changed too."""
    from partners import tiers

    sourced = event.payload.get("partner_id")
    for partner_id in event.payload.get("participant_ids") or []:
        if partner_id != sourced:
            tiers.request_reevaluation(tenant=event.tenant, partner_id=int(partner_id))


@listener("lead.offered")
def check_lead_priority_after_override(event) -> None:
    """An override can break the lead-priority promise to the partner the router chose:
    check that partner's commitments at once rather than at the nightly evaluation."""
    if not event.payload.get("is_override") or not event.payload.get("offer_id"):
        return
    from partners import commitment_services

    from .commitments import bypassed_partner_id
    from .models import LeadOffer

    offer = LeadOffer.objects.for_tenant(event.tenant).filter(pk=event.payload["offer_id"]).first()
    passed_over = bypassed_partner_id(offer) if offer else None
    if passed_over:
        commitment_services.evaluate_commitments(tenant=event.tenant, partner_ids=[passed_over])
