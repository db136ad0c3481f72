"""Offboarding a partner, and reactivating it.

Offboarding (staff, with a reason): the partner's open deals and leads are released or
reassigned (dealreg.offboarding), its people lose access and its pending invitations are
withdrawn, its status becomes `offboarded` (the welcome sequence stops on that event), and
an Offboarding record keeps what was done. Nothing is deleted. A partner moved to
offboarded by a plain status change gets the same clean-up (release) from a listener, so
no path leaves an offboarded partner with access or open work.

Reactivation gives the people removed by the offboarding their access back and returns the
partner to `active` (or `onboarding`); released deals and leads stay where they went.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealreg import offboarding as dealreg_offboarding
from ecosystem.audit.services import record
from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.outbox.registry import listener
from ecosystem.outbox.services import emit
from ecosystem.tenancy import services as tenancy_services
from ecosystem.tenancy.models import Invitation, Membership
from partners import services as partner_services
from partners.models import PartnerOrganisation, PartnerStatus

from .models import Offboarding

REACTIVATION_STATUSES = (PartnerStatus.ACTIVE, PartnerStatus.ONBOARDING)


def _locked_partner(tenant, partner_id) -> PartnerOrganisation:
    partner = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .select_for_update()
        .filter(pk=partner_id)
        .first()
    )
    if partner is None:
        raise NotFound(_("No such partner."))
    return partner


def _close_out(tenant, actor_user, partner: PartnerOrganisation) -> list[int]:
    """Remove the partner's people's access and withdraw its pending invitations; the ids of
    the memberships removed (to give back on reactivation)."""
    removed = []
    for membership in Membership.objects.for_tenant(tenant).filter(
        partner_organisation=partner, is_active=True
    ):
        tenancy_services.deactivate_membership(
            tenant=tenant, actor=actor_user, membership_id=membership.pk
        )
        removed.append(membership.pk)
    for invitation in Invitation.objects.for_tenant(tenant).filter(partner_organisation=partner):
        if invitation.status == Invitation.Status.PENDING:
            tenancy_services.revoke_invitation(
                tenant=tenant, actor=actor_user, invitation=invitation
            )
    return removed


def _finish(tenant, actor_user, partner, offboarding: Offboarding) -> Offboarding:
    record(
        tenant=tenant,
        actor=actor_user,
        action="partner.offboarded",
        obj=partner,
        changes={"reason": offboarding.reason, **offboarding.outcome},
    )
    emit(
        tenant=tenant,
        name="partner.offboarded",
        obj=partner,
        payload={
            "partner_id": partner.pk,
            "offboarding_id": offboarding.pk,
            "reason": offboarding.reason,
            **offboarding.outcome,
        },
    )
    return offboarding


@transaction.atomic
def offboard_partner(
    *,
    tenant,
    actor: Membership,
    partner_id: int,
    reason: str,
    reassign_to: int | None = None,
) -> Offboarding:
    """Offboard a partner (staff): release its open work, or reassign it to `reassign_to`,
    remove its people's access, and archive it as `offboarded` with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the partner leaves the program."), field="reason")
    partner = _locked_partner(tenant, partner_id)
    if partner.status == PartnerStatus.OFFBOARDED:
        raise Conflict(_("%(partner)s is already offboarded.") % {"partner": partner.name})
    offboarding = Offboarding.objects.create(
        tenant=tenant,
        partner=partner,
        reason=reason,
        work_handling=Offboarding.WorkHandling.REASSIGN
        if reassign_to
        else Offboarding.WorkHandling.RELEASE,
        reassigned_to_id=reassign_to or None,
        offboarded_by=actor.user,
    )
    # Offboarded first, so routing no longer offers the partner its own leads back.
    partner_services.change_partner_status(
        tenant=tenant,
        actor=actor.user,
        partner_id=partner.pk,
        to_status=PartnerStatus.OFFBOARDED,
        reason=reason,
    )
    work_reason = _("%(partner)s left the program: %(reason)s") % {
        "partner": partner.name,
        "reason": reason,
    }
    if reassign_to:
        outcome = dealreg_offboarding.reassign_partner_work(
            tenant=tenant,
            actor=actor,
            from_partner_id=partner.pk,
            to_partner_id=reassign_to,
            reason=work_reason,
        )
    else:
        outcome = dealreg_offboarding.release_partner_work(
            tenant=tenant, actor=actor, partner_id=partner.pk, reason=work_reason
        )
    offboarding.deactivated_memberships = _close_out(tenant, actor.user, partner)
    offboarding.outcome = {**outcome, "people_removed": len(offboarding.deactivated_memberships)}
    offboarding.save(update_fields=["deactivated_memberships", "outcome"])
    return _finish(tenant, actor.user, partner, offboarding)


@transaction.atomic
def reactivate_partner(
    *, tenant, actor: Membership, partner_id: int, reason: str, to_status: str = "active"
) -> PartnerOrganisation:
    """Bring an offboarded partner back (staff): its people removed by the offboarding get
    their access back and it returns to `active` (or `onboarding`)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the partner comes back."), field="reason")
    if to_status not in REACTIVATION_STATUSES:
        raise ValidationFailed(_("Reactivate as active or onboarding."), field="to_status")
    partner = _locked_partner(tenant, partner_id)
    if partner.status != PartnerStatus.OFFBOARDED:
        raise Conflict(_("%(partner)s is not offboarded.") % {"partner": partner.name})
    offboarding = (
        Offboarding.objects.for_tenant(tenant)
        .filter(partner=partner, reactivated_at__isnull=True)
        .order_by("-offboarded_at", "-id")
        .first()
    )
    partner_services.change_partner_status(
        tenant=tenant, actor=actor.user, partner_id=partner.pk, to_status=to_status, reason=reason
    )
    if offboarding is not None:
        for membership_id in offboarding.deactivated_memberships:
            tenancy_services.reactivate_membership(
                tenant=tenant, actor=actor.user, membership_id=membership_id
            )
        offboarding.reactivated_at = timezone.now()
        offboarding.reactivated_by = actor.user
        offboarding.reactivation_reason = reason
        offboarding.save(update_fields=["reactivated_at", "reactivated_by", "reactivation_reason"])
    record(
        tenant=tenant,
        actor=actor.user,
        action="partner.reactivated",
        obj=partner,
        changes={"reason": reason, "status": to_status},
    )
    emit(
        tenant=tenant,
        name="partner.reactivated",
        obj=partner,
        payload={"partner_id": partner.pk, "status": to_status, "reason": reason},
    )
    return partner


@listener("partner.status_changed")
def clean_up_after_plain_offboarding(event) -> None:
    """A partner set to offboarded without the offboarding flow (the status form, the API,
    a rejected application) still loses access and releases its work. Idempotent: a
    partner with an open Offboarding record was already handled."""
    if event.payload.get("to") != PartnerStatus.OFFBOARDED:
        return
    tenant = event.tenant
    with transaction.atomic():
        partner = (
            PartnerOrganisation.objects.for_tenant(tenant)
            .select_for_update()
            .filter(pk=event.payload.get("partner_id"))
            .first()
        )
        if partner is None or partner.status != PartnerStatus.OFFBOARDED:
            return
        if (
            Offboarding.objects.for_tenant(tenant)
            .filter(partner=partner, reactivated_at__isnull=True)
            .exists()
        ):
            return
        reason = event.payload.get("reason") or _("Status changed to offboarded")
        outcome = dealreg_offboarding.release_partner_work(
            tenant=tenant,
            actor=None,
            partner_id=partner.pk,
            reason=_("%(partner)s left the program: %(reason)s")
            % {"partner": partner.name, "reason": reason},
        )
        removed = _close_out(tenant, None, partner)
        offboarding = Offboarding.objects.create(
            tenant=tenant,
            partner=partner,
            reason=reason,
            work_handling=Offboarding.WorkHandling.RELEASE,
            outcome={**outcome, "people_removed": len(removed)},
            deactivated_memberships=removed,
        )
        _finish(tenant, None, partner, offboarding)
