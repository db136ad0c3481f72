"""Working a deal together: participants, appeals, the deal room and vendor help requests.

Same rules as dealreg.services: the tenant and the acting Membership are explicit, one
transaction each, history in DealEvent, audit entries and outbox events written here.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.audit.services import record
from ecosystem.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ecosystem.notifications.services import notify
from ecosystem.outbox.services import emit
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import Role, has_capability
from ecosystem.uploads import validate_attachment
from partners.models import PartnerOrganisation

from .models import (
    AppealOutcome,
    AppealSubject,
    Deal,
    DealAppeal,
    DealMatch,
    DealMessage,
    DealParticipant,
    DealStatus,
    DecisionBy,
    ParticipantRole,
    VendorHelpRequest,
)
from .rules import rules_for
from .services import (
    _approve,
    _conflicting_protection,
    _deal_url,
    _locked,
    _partner_people,
    _payload,
    _tell_partner,
    deal_reviewers,
    log_event,
)

MENTION = re.compile(r"@([\w.+-]+@[\w-]+(?:\.[\w-]+)+)")


def _is_participant(deal: Deal, actor: Membership) -> bool:
    return deal.participants.filter(
        partner_id=actor.partner_organisation_id, status=DealParticipant.Status.ACTIVE
    ).exists()


def _require_audience(deal: Deal, actor: Membership) -> None:
    """Staff, the registering partner and the deal's active participants; anyone else gets
    a plain 404."""
    if actor.is_staff_member or deal.partner_id == actor.partner_organisation_id:
        return
    if not _is_participant(deal, actor):
        raise NotFound(_("No such deal."))


# --- participants --------------------------------------------------------------------------


@transaction.atomic
def add_participant(
    *, tenant, actor: Membership, deal_id: int, partner_id, role: str, note: str = ""
) -> DealParticipant:
    """Staff add a partner to a deal with a role (the registering partner is `sourced`)."""
    if not has_capability(actor.role, "deals.review"):
        raise NotAllowed(_("Only channel managers and administrators add participants."))
    if role not in ParticipantRole.values or role == ParticipantRole.SOURCED:
        raise ValidationFailed(
            _("Choose influence, fulfillment, referral or co-sell."), field="role"
        )
    deal = _locked(tenant, deal_id)
    partner = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(pk=getattr(partner_id, "pk", partner_id))
        .first()
    )
    if partner is None:
        raise ValidationFailed(_("No such partner in this program."), field="partner")
    participant = deal.participants.filter(partner=partner).first()
    if participant is not None and participant.status == DealParticipant.Status.ACTIVE:
        raise Conflict(
            _("%(partner)s already takes part in this deal.") % {"partner": partner.name}
        )
    if participant is None:
        participant = DealParticipant(
            tenant=tenant, deal=deal, partner=partner, requested_by=actor.user
        )
    participant.role = role
    participant.status = DealParticipant.Status.ACTIVE
    participant.decided_by = actor.user
    participant.note = note.strip()
    participant.save()
    _participant_changed(deal, participant, actor, "participant.added")
    return participant


@transaction.atomic
def request_to_join(*, tenant, actor: Membership, deal_id: int, note: str = "") -> DealParticipant:
    """A partner asks to co-sell on a deal it was recommended for or told about (by id).

    The deal's details stay hidden until staff accept the request."""
    deal = _locked(tenant, deal_id)
    if not actor.is_partner_member:
        raise NotAllowed(_("Only partners ask to join deals."))
    if deal.status not in (DealStatus.PENDING_REVIEW, DealStatus.APPROVED):
        raise Conflict(_("Only open deals take new participants."))
    try:
        with transaction.atomic():
            participant = DealParticipant.objects.create(
                tenant=tenant,
                deal=deal,
                partner_id=actor.partner_organisation_id,
                role=ParticipantRole.CO_SELL,
                status=DealParticipant.Status.REQUESTED,
                requested_by=actor.user,
                note=note.strip(),
            )
    except IntegrityError:
        raise Conflict(
            _("Your organisation already takes part in or asked to join this deal.")
        ) from None
    log_event(
        deal,
        "participant.requested",
        actor_user=actor.user,
        message=note,
        data={"partner": actor.partner_organisation_id},
    )
    record(tenant=tenant, actor=actor.user, action="deal.join_requested", obj=deal)
    notify(
        tenant=tenant,
        recipients=deal_reviewers(deal),
        kind="deal.join_requested",
        title=_("%(partner)s asks to co-sell on %(title)s")
        % {"partner": participant.partner.name, "title": deal.title},
        body=note,
        url=_deal_url(deal),
    )
    return participant


@transaction.atomic
def decide_participant(
    *, tenant, actor: Membership, deal_id: int, participant_id: int, accept: bool, role: str = ""
) -> DealParticipant:
    """Staff accept (optionally with another role) or decline a request to join."""
    if not has_capability(actor.role, "deals.review"):
        raise NotAllowed(_("Only channel managers and administrators decide participants."))
    deal = _locked(tenant, deal_id)
    participant = deal.participants.select_related("partner").filter(pk=participant_id).first()
    if participant is None:
        raise NotFound(_("No such participant."))
    if participant.status != DealParticipant.Status.REQUESTED:
        raise Conflict(_("This request was already decided."))
    if role:
        if role not in ParticipantRole.values or role == ParticipantRole.SOURCED:
            raise ValidationFailed(
                _("Choose influence, fulfillment, referral or co-sell."), field="role"
            )
        participant.role = role
    participant.status = (
        DealParticipant.Status.ACTIVE if accept else DealParticipant.Status.DECLINED
    )
    participant.decided_by = actor.user
    participant.save()
    _participant_changed(
        deal, participant, actor, "participant.accepted" if accept else "participant.declined"
    )
    return participant


def _participant_changed(
    deal: Deal, participant: DealParticipant, actor: Membership, kind: str
) -> None:
    data = {
        "partner": participant.partner_id,
        "role": participant.role,
        "status": participant.status,
    }
    log_event(deal, kind, actor_user=actor.user, data=data)
    record(tenant=deal.tenant, actor=actor.user, action=f"deal.{kind}", obj=deal, changes=data)
    emit(
        tenant=deal.tenant,
        name="deal.participants_changed",
        obj=deal,
        payload=_payload(deal, participant=data),
    )
    notify(
        tenant=deal.tenant,
        recipients=_partner_people(deal.tenant, [participant.partner_id]),
        kind=f"deal.{kind}",
        title=_("%(partner)s on %(title)s: %(status)s as %(role)s")
        % {
            "partner": participant.partner.name,
            "title": deal.title,
            "status": participant.get_status_display().lower(),
            "role": participant.get_role_display().lower(),
        },
        url=_deal_url(deal),
    )


# --- appeals -------------------------------------------------------------------------------


def _staff(tenant, exclude_user_id=None) -> list:
    members = Membership.objects.for_tenant(tenant).filter(
        role__in=[Role.ADMIN, Role.CHANNEL_MANAGER], is_active=True
    )
    if exclude_user_id is not None:
        members = members.exclude(user_id=exclude_user_id)
    return [member.user for member in members.select_related("user")]


def _appeal_reviewer(deal: Deal) -> Membership | None:
    """Someone other than the person who decided: their lead, the escalation contact, or
    the first other administrator or channel manager."""
    tenant = deal.tenant
    decider = (
        Membership.objects.for_tenant(tenant)
        .filter(user_id=deal.decided_by_id)
        .select_related("reports_to")
        .first()
        if deal.decided_by_id
        else None
    )
    candidates = []
    if decider is not None and decider.reports_to_id:
        candidates.append(decider.reports_to)
    contact = rules_for(tenant).escalation_contact
    if contact is not None:
        candidates.append(contact)
    candidates += list(
        Membership.objects.for_tenant(tenant)
        .filter(role__in=[Role.ADMIN, Role.CHANNEL_MANAGER], is_active=True)
        .order_by("role", "id")
    )
    for candidate in candidates:
        if (
            candidate.is_active
            and candidate.is_staff_member
            and candidate.user_id != deal.decided_by_id
        ):
            return candidate
    return None


@transaction.atomic
def file_appeal(*, tenant, actor: Membership, deal_id: int, note: str) -> DealAppeal:
    """The registering partner appeals a rejection (or the duplicate ruling behind it) once;
    a different reviewer decides."""
    deal = _locked(tenant, deal_id)
    if not actor.is_partner_member or deal.partner_id != actor.partner_organisation_id:
        raise NotFound(_("No such deal."))
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("Explain why the decision should change."), field="note")
    if deal.status != DealStatus.REJECTED:
        raise Conflict(_("Only a rejected registration can be appealed."))
    if deal.appeals.exists():
        raise Conflict(_("This deal was already appealed; an appeal can be made once."))
    threshold = rules_for(tenant).duplicate_threshold
    subject = (
        AppealSubject.DUPLICATE
        if DealMatch.objects.for_tenant(tenant).filter(deal=deal, score__gte=threshold).exists()
        else AppealSubject.REJECTION
    )
    reviewer = _appeal_reviewer(deal)
    if reviewer is None:
        raise Conflict(
            _("No other reviewer is available to hear the appeal; contact your channel manager.")
        )
    appeal = DealAppeal.objects.create(
        tenant=tenant,
        deal=deal,
        subject=subject,
        note=note,
        filed_by=actor.user,
        original_decider_id=deal.decided_by_id,
        reviewer=reviewer,
    )
    log_event(
        deal,
        "appeal.filed",
        actor_user=actor.user,
        message=note,
        data={"subject": subject, "reviewer": reviewer.pk},
    )
    record(
        tenant=tenant,
        actor=actor.user,
        action="deal.appealed",
        obj=deal,
        changes={"subject": subject},
    )
    emit(tenant=tenant, name="deal.appealed", obj=deal, payload=_payload(deal, subject=subject))
    notify(
        tenant=tenant,
        recipients=[reviewer.user],
        kind="deal.appeal_filed",
        title=_("Appeal to decide: %(title)s") % {"title": deal.title},
        body=note,
        url=_deal_url(deal),
    )
    return appeal


@transaction.atomic
def decide_appeal(
    *, tenant, actor: Membership, deal_id: int, outcome: str, reason: str
) -> DealAppeal:
    """Uphold (the rejection stands) or reverse (the deal is approved now) an appeal, with a
    reason. The person who made the original decision cannot decide its appeal."""
    if not has_capability(actor.role, "deals.review"):
        raise NotAllowed(_("Only channel managers and administrators decide appeals."))
    if outcome not in AppealOutcome.values:
        raise ValidationFailed(_("Choose upheld or reversed."), field="outcome")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why."), field="reason")
    deal = _locked(tenant, deal_id)
    appeal = deal.appeals.first()
    if appeal is None:
        raise Conflict(_("This deal has no appeal to decide."))
    if appeal.outcome:
        raise Conflict(_("This appeal was already decided."))
    if appeal.original_decider_id == actor.user_id:
        raise NotAllowed(
            _("You made the original decision; a different reviewer decides the appeal.")
        )
    now = timezone.now()
    if outcome == AppealOutcome.REVERSED:
        rules = rules_for(tenant)
        other = _conflicting_protection(deal, float(rules.duplicate_threshold))
        if other is not None:
            raise Conflict(
                _(
                    "Deal #%(other)s by another partner protects this customer until "
                    "%(date)s; it must be rejected or expire first."
                )
                % {
                    "other": other.pk,
                    "date": timezone.localdate(other.protection_expires_at).isoformat(),
                }
            )
        _approve(
            deal,
            via="appeal",
            actor=actor,
            reason=_("Appeal reversed: %(reason)s") % {"reason": reason},
            rules=rules,
            now=now,
        )
    appeal.outcome = outcome
    appeal.outcome_reason = reason
    appeal.decided_by = actor.user
    appeal.decided_at = now
    appeal.save()
    log_event(deal, f"appeal.{outcome}", actor_user=actor.user, message=reason)
    record(
        tenant=tenant,
        actor=actor.user,
        action=f"deal.appeal_{outcome}",
        obj=deal,
        changes={"reason": reason},
    )
    if outcome == AppealOutcome.UPHELD:
        deal.decision_by = DecisionBy.USER
        _tell_partner(
            deal,
            kind="deal.appeal_upheld",
            title=_("Appeal upheld: %(title)s stays rejected") % {"title": deal.title},
            body=reason,
        )
    return appeal


# --- the deal room -------------------------------------------------------------------------


@transaction.atomic
def post_message(
    *, tenant, actor: Membership, deal_id: int, body: str = "", upload=None
) -> DealMessage:
    """A comment and/or file in the deal room. `@email` mentions notify those people when
    they can see the deal (staff or an active participant's member)."""
    deal = _locked(tenant, deal_id)
    _require_audience(deal, actor)
    body = (body or "").strip()
    if not body and upload is None:
        raise ValidationFailed(_("Write a message or attach a file."), field="body")
    if len(body) > 10000:
        raise ValidationFailed(_("Keep messages under 10,000 characters."), field="body")
    message = DealMessage(tenant=tenant, deal=deal, author=actor.user, body=body)
    if upload is not None:
        validate_attachment(upload, field="file")
        message.file = upload
        message.file_name = upload.name[:200]
    mentioned = _audience_by_email(deal, {email.lower() for email in MENTION.findall(body)})
    message.mentions = [user.pk for user in mentioned]
    message.save()
    log_event(
        deal,
        "room.message",
        actor_user=actor.user,
        data={"message": message.pk, "file": bool(message.file)},
    )
    if mentioned:
        notify(
            tenant=tenant,
            recipients=[user for user in mentioned if user.pk != actor.user_id],
            kind="deal.mention",
            title=_("%(name)s mentioned you on %(title)s")
            % {"name": actor.user.get_full_name(), "title": deal.title},
            body=body[:500],
            url=_deal_url(deal) + "#room",
        )
    return message


def _audience_by_email(deal: Deal, emails: set[str]) -> list:
    if not emails:
        return []
    partner_ids = list(
        deal.participants.filter(status=DealParticipant.Status.ACTIVE).values_list(
            "partner_id", flat=True
        )
    )
    from django.db.models import Q

    members = (
        Membership.objects.for_tenant(deal.tenant)
        .filter(is_active=True, user__email__in=sorted(emails))
        .filter(
            Q(
                role__in=[
                    Role.ADMIN,
                    Role.CHANNEL_MANAGER,
                    Role.MARKETING_MANAGER,
                    Role.FINANCE,
                    Role.EXECUTIVE,
                ]
            )
            | Q(partner_organisation_id__in=partner_ids)
        )
        .select_related("user")
    )
    return [member.user for member in members]


# --- vendor help ---------------------------------------------------------------------------


@transaction.atomic
def request_help(
    *, tenant, actor: Membership, deal_id: int, kind: str, note: str = ""
) -> VendorHelpRequest:
    """A participant asks the vendor for a sales engineer, specialist or executive sponsor."""
    deal = _locked(tenant, deal_id)
    _require_audience(deal, actor)
    if kind not in VendorHelpRequest.Kind.values:
        raise ValidationFailed(
            _("Choose a sales engineer, a product specialist or an executive sponsor."),
            field="kind",
        )
    if deal.status not in (DealStatus.PENDING_REVIEW, DealStatus.APPROVED):
        raise Conflict(_("Help can be requested on open deals only."))
    help_request = VendorHelpRequest.objects.create(
        tenant=tenant, deal=deal, kind=kind, note=note.strip(), requested_by=actor.user
    )
    log_event(
        deal,
        "help.requested",
        actor_user=actor.user,
        message=note,
        data={"kind": kind, "request": help_request.pk},
    )
    record(
        tenant=tenant,
        actor=actor.user,
        action="deal.help_requested",
        obj=deal,
        changes={"kind": kind},
    )
    notify(
        tenant=tenant,
        recipients=deal_reviewers(deal),
        kind="deal.help_requested",
        title=_("%(kind)s requested on %(title)s")
        % {"kind": help_request.get_kind_display(), "title": deal.title},
        body=note,
        url=_deal_url(deal),
    )
    return help_request


@transaction.atomic
def update_help_request(
    *,
    tenant,
    actor: Membership,
    deal_id: int,
    request_id: int,
    status: str,
    assignee_id: int | None = None,
) -> VendorHelpRequest:
    """Staff assign a person to a help request, or mark it done or cancelled."""
    if not has_capability(actor.role, "deals.review"):
        raise NotAllowed(_("Only channel managers and administrators assign vendor help."))
    deal = _locked(tenant, deal_id)
    help_request = deal.help_requests.filter(pk=request_id).first()
    if help_request is None:
        raise NotFound(_("No such help request."))
    if status not in VendorHelpRequest.Status.values:
        raise ValidationFailed(_("Choose a valid status."), field="status")
    if help_request.status in (VendorHelpRequest.Status.DONE, VendorHelpRequest.Status.CANCELLED):
        raise Conflict(_("This request is closed."))
    if status == VendorHelpRequest.Status.ASSIGNED:
        assignee = (
            Membership.objects.for_tenant(tenant)
            .filter(pk=assignee_id, is_active=True)
            .select_related("user")
            .first()
            if assignee_id
            else None
        )
        if assignee is None or not assignee.is_staff_member:
            raise ValidationFailed(
                _("Choose an active member of the vendor's staff."), field="assignee"
            )
        help_request.assigned_to = assignee
    help_request.status = status
    help_request.save()
    log_event(
        deal,
        f"help.{status}",
        actor_user=actor.user,
        data={"request": help_request.pk, "assignee": help_request.assigned_to_id},
    )
    record(
        tenant=tenant,
        actor=actor.user,
        action="deal.help_updated",
        obj=deal,
        changes={"status": status},
    )
    recipients = [help_request.requested_by] if help_request.requested_by_id else []
    if status == VendorHelpRequest.Status.ASSIGNED and help_request.assigned_to is not None:
        recipients.append(help_request.assigned_to.user)
    notify(
        tenant=tenant,
        recipients=recipients,
        kind="deal.help_updated",
        title=_("%(kind)s on %(title)s: %(status)s")
        % {
            "kind": help_request.get_kind_display(),
            "title": deal.title,
            "status": help_request.get_status_display().lower(),
        },
        url=_deal_url(deal),
    )
    return help_request
