"""Onboarding checklists' reactions to domain events: an approved application starts the
partner's checklist; signatures and completed courses tick agreement and training tasks."""

from ecosystem.outbox.registry import listener

from . import checklists_services


@listener("application.approved")
def start_checklist(event) -> None:
    # Idempotent: the service returns the partner's existing checklist on a second event.
    checklists_services.start_checklist(
        tenant=event.tenant,
        actor=None,
        partner_id=int(event.payload["partner_id"]),
        required=False,
    )


@listener("contract.signed", "contract.countersigned", "course.completed", "certification.earned")
def refresh_checklist(event) -> None:
    partner_id = event.payload.get("partner_id")
    if partner_id:
        checklists_services.refresh_checklist(tenant=event.tenant, partner_id=int(partner_id))
