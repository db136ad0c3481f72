"""Reads for the offboarding page."""

from __future__ import annotations

from django.db.models import QuerySet

from dealreg.models import OPEN_STATUSES, Deal, Lead, LeadStatus
from ecosystem.tenancy.models import Invitation, Membership
from partners.models import PartnerOrganisation

from .models import Offboarding


def partner_for_offboarding(*, tenant, pk) -> PartnerOrganisation | None:
    return PartnerOrganisation.objects.for_tenant(tenant).filter(pk=pk).first()


def impact(*, tenant, partner) -> dict[str, int]:
    """What offboarding the partner now would touch."""
    pending = Invitation.objects.for_tenant(tenant).filter(partner_organisation=partner)
    return {
        "open_deals": Deal.objects.for_tenant(tenant)
        .filter(partner=partner, status__in=OPEN_STATUSES)
        .count(),
        "held_leads": Lead.objects.for_tenant(tenant)
        .filter(partner=partner, status__in=[LeadStatus.OFFERED, LeadStatus.ACCEPTED])
        .count(),
        "people": Membership.objects.for_tenant(tenant)
        .filter(partner_organisation=partner, is_active=True)
        .count(),
        "invitations": sum(1 for i in pending if i.status == Invitation.Status.PENDING),
    }


def history(*, tenant, partner) -> QuerySet[Offboarding]:
    return (
        Offboarding.objects.for_tenant(tenant)
        .filter(partner=partner)
        .select_related("offboarded_by", "reactivated_by", "reassigned_to")
    )
