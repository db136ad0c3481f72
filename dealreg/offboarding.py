"""A partner's open deals and leads when it leaves the program (onboarding's offboarding).

`release_partner_work`: each open registration ends (a pending one is rejected, an approved
one loses its protection and expires) and each lead offered to or accepted by the partner
is taken back and routed to the next eligible partner. `reassign_partner_work`: the open
registrations move to another partner, which becomes their sourced partner, and the leads
are offered to it. Both run as the system when no staff member acts (a partner moved to
offboarded by a plain status change) and say what they did.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.audit.services import record
from ecosystem.errors import ValidationFailed
from ecosystem.outbox.services import emit
from ecosystem.tenancy.models import Membership
from partners.models import PartnerOrganisation, PartnerStatus

from . import leads as lead_services
from .models import (
    OPEN_STATUSES,
    Deal,
    DealParticipant,
    DealStatus,
    Lead,
    LeadOffer,
    LeadStatus,
    ParticipantRole,
)
from .services import _cancel_protection, _locked, _move, _payload, log_event

LEAD_STATUSES_HELD = (LeadStatus.OFFERED, LeadStatus.ACCEPTED)


def _user(actor: Membership | None):
    return actor.user if actor is not None else None


def _open_deal_ids(tenant, partner_id: int) -> list[int]:
    return list(
        Deal.objects.for_tenant(tenant)
        .filter(partner_id=partner_id, status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _held_lead_ids(tenant, partner_id: int) -> list[int]:
    return list(
        Lead.objects.for_tenant(tenant)
        .filter(partner_id=partner_id, status__in=LEAD_STATUSES_HELD)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _take_back(tenant, lead_id: int, reason: str, now):
    """The lead, no longer with its partner: `new` again, its offer withdrawn."""
    lead = lead_services.locked_lead(tenant, lead_id)
    offers = LeadOffer.objects.for_tenant(tenant).select_for_update(of=("self",))
    for offer in offers.filter(
        lead=lead,
        status__in=[LeadOffer.Status.OFFERED, LeadOffer.Status.ACCEPTED],
    ):
        lead_services._withdraw(lead, offer, reason=reason, now=now)
    partner_id = lead.partner_id
    lead.status = LeadStatus.NEW
    lead.partner = None
    lead.save(update_fields=["status", "partner", "updated_at"])
    emit(
        tenant=tenant,
        name="lead.withdrawn",
        obj=lead,
        payload=lead_services._payload(lead, partner_id=partner_id, reason=reason),
    )
    return lead


@transaction.atomic
def release_partner_work(
    *, tenant, actor: Membership | None, partner_id: int, reason: str
) -> dict[str, int]:
    """End the partner's open registrations and route its leads onward."""
    now = timezone.now()
    counts = {"deals_rejected": 0, "deals_expired": 0, "leads_rerouted": 0}
    for deal_id in _open_deal_ids(tenant, partner_id):
        deal = _locked(tenant, deal_id)
        pending = deal.status == DealStatus.PENDING_REVIEW
        target = DealStatus.REJECTED if pending else DealStatus.EXPIRED
        _move(deal, target, via="offboarding", actor_user=_user(actor), message=reason)
        if pending:
            deal.decision_reason = reason
            deal.decided_by = _user(actor)
            deal.decided_at = now
        deal.save()
        _cancel_protection(deal)
        record(
            tenant=tenant,
            actor=_user(actor),
            action=f"deal.{target}",
            obj=deal,
            changes={"reason": reason},
        )
        emit(tenant=tenant, name=f"deal.{target}", obj=deal, payload=_payload(deal, reason=reason))
        counts["deals_rejected" if pending else "deals_expired"] += 1
    for lead_id in _held_lead_ids(tenant, partner_id):
        lead = _take_back(tenant, lead_id, reason, now)
        lead_services.offer_to_next_partner(lead, actor=actor, now=now, tell_creator=False)
        counts["leads_rerouted"] += 1
    return counts


@transaction.atomic
def reassign_partner_work(
    *, tenant, actor: Membership, from_partner_id: int, to_partner_id: int, reason: str
) -> dict[str, int]:
    """Move the partner's open registrations and leads to another, active, partner."""
    target = PartnerOrganisation.objects.for_tenant(tenant).filter(pk=to_partner_id).first()
    if target is None or target.pk == from_partner_id:
        raise ValidationFailed(_("Choose another partner of this program."), field="reassign_to")
    if target.status != PartnerStatus.ACTIVE:
        raise ValidationFailed(
            _("%(partner)s is not active; choose an active partner.") % {"partner": target.name},
            field="reassign_to",
        )
    now = timezone.now()
    counts = {"deals_reassigned": 0, "leads_reassigned": 0}
    participants = DealParticipant.objects.for_tenant(tenant)
    for deal_id in _open_deal_ids(tenant, from_partner_id):
        deal = _locked(tenant, deal_id)
        deal.partner = target
        deal.save(update_fields=["partner", "updated_at"])
        participants.filter(deal=deal, partner=target).delete()
        participants.filter(deal=deal, partner_id=from_partner_id).update(
            partner=target, role=ParticipantRole.SOURCED, status=DealParticipant.Status.ACTIVE
        )
        log_event(
            deal,
            "partner.reassigned",
            actor_user=_user(actor),
            message=reason,
            data={"from": from_partner_id, "to": target.pk},
        )
        record(
            tenant=tenant,
            actor=_user(actor),
            action="deal.reassigned",
            obj=deal,
            changes={"partner": [from_partner_id, target.pk], "reason": reason},
        )
        emit(
            tenant=tenant,
            name="deal.reassigned",
            obj=deal,
            payload=_payload(deal, from_partner_id=from_partner_id, reason=reason),
        )
        counts["deals_reassigned"] += 1
    for lead_id in _held_lead_ids(tenant, from_partner_id):
        _take_back(tenant, lead_id, reason, now)
        lead_services.override_route(
            tenant=tenant,
            actor=actor,
            lead_id=lead_id,
            partner_id=target.pk,
            reason=reason,
            now=now,
        )
        counts["leads_reassigned"] += 1
    return counts
