"""Deal registration and its decisions: register, approve, reject, close, reopen, refund,
expire, extend.

Every write takes the tenant and the acting member (a Membership) explicitly, runs in one
transaction, keeps the deal's history (DealEvent), writes the audit entry and emits the
outbox event. Status changes go through one transition table; anything else is a Conflict
(409). Decisions about one customer are serialised (lock_customer), so two partners can
never both be approved first-in for the same customer by a race.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.audit.services import record
from ecosystem.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ecosystem.notifications.services import notify
from ecosystem.outbox.services import emit
from ecosystem.scheduling.services import cancel, schedule
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import Role, has_capability
from partners.models import PartnerOrganisation, PartnerStatus

from . import matching
from .due_work import ESCALATION_WORK, EXPIRY_WORK, WARNING_WORK
from .duplicates import find_duplicates, named_account_for
from .models import (
    OPEN_STATUSES,
    CrmOpportunity,
    Deal,
    DealEvent,
    DealMatch,
    DealParticipant,
    DealStage,
    DealStatus,
    DecisionBy,
    ParticipantRole,
    ProtectionExtension,
    RequestStatus,
    RouteToMarket,
)
from .rules import auto_approval, check_registration, rules_for

WARN_BEFORE_EXPIRY = timedelta(days=14)

# (from, to) -> how the change may happen. Anything missing is illegal (Conflict, 409).
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (DealStatus.PENDING_REVIEW, DealStatus.APPROVED): frozenset({"rules", "review"}),
    # A partner leaving the program ends its open registrations (dealreg.offboarding).
    (DealStatus.PENDING_REVIEW, DealStatus.REJECTED): frozenset({"review", "offboarding"}),
    (DealStatus.APPROVED, DealStatus.WON): frozenset({"close"}),
    (DealStatus.APPROVED, DealStatus.LOST): frozenset({"close"}),
    (DealStatus.APPROVED, DealStatus.EXPIRED): frozenset({"expiry", "offboarding"}),
    # Only a reversed appeal turns a rejection into an approval.
    (DealStatus.REJECTED, DealStatus.APPROVED): frozenset({"appeal"}),
    # A win recorded in error (or undone by the customer) is reopened by a reviewer; what
    # the partner earned on it is clawed back (mdf.incentives_listeners). A refund keeps
    # the deal won and is recorded as an event (record_refund), not a status.
    (DealStatus.WON, DealStatus.APPROVED): frozenset({"reopen"}),
}

REGISTER_FIELDS = {
    "customer_name",
    "customer_domain",
    "customer_country",
    "customer_address",
    "customer_industry",
    "title",
    "amount",
    "currency",
    "expected_close_date",
    "products",
    "notes",
    "stage",
    "route_to_market",
    "partner",
}


def can_transition(from_status: str, to_status: str, via: str) -> bool:
    return via in TRANSITIONS.get((from_status, to_status), frozenset())


def _move(
    deal: Deal, to_status: str, *, via: str, actor_user, message: str = "", data=None
) -> DealEvent:
    if not can_transition(deal.status, to_status, via):
        raise Conflict(
            _("A deal that is %(status)s cannot become %(target)s.")
            % {
                "status": deal.get_status_display().lower(),
                "target": DealStatus(to_status).label.lower(),
            }
        )
    from_status = deal.status
    deal.status = to_status
    return DealEvent.objects.create(
        tenant=deal.tenant,
        deal=deal,
        kind=f"status.{to_status}",
        from_status=from_status,
        to_status=to_status,
        actor=actor_user,
        message=message,
        data=data or {},
    )


def log_event(deal: Deal, kind: str, *, actor_user=None, message: str = "", data=None) -> DealEvent:
    """Append a non-status entry to the deal's history."""
    return DealEvent.objects.create(
        tenant=deal.tenant, deal=deal, kind=kind, actor=actor_user, message=message, data=data or {}
    )


def lock_customer(*, tenant, identity: matching.Identity) -> None:
    """Serialise decisions about one customer in this tenant until the transaction ends.

    PostgreSQL: transaction-level advisory locks on the normalised name and the registrable
    domain (sorted, so two registrations never wait on each other in opposite order). SQLite
    (the embedded default) serialises every write transaction anyway."""
    if connection.vendor != "postgresql":
        return
    keys = sorted(
        {f"n:{identity.name_key}", *([f"d:{identity.domain_key}"] if identity.domain_key else [])}
    )
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [tenant.pk, key])


def _user(actor: Membership | None):
    return actor.user if actor is not None else None


def _payload(deal: Deal, **extra) -> dict:
    return {
        "deal_id": deal.pk,
        "partner_id": deal.partner_id,
        "status": deal.status,
        "amount": str(deal.amount),
        "currency": deal.currency,
        **extra,
    }


def _partner_people(tenant, partner_ids, roles=(Role.PARTNER_ADMIN, Role.PARTNER_SALES)):
    return [
        membership.user
        for membership in Membership.objects.for_tenant(tenant)
        .filter(partner_organisation_id__in=list(partner_ids), role__in=roles, is_active=True)
        .select_related("user")
    ]


def _deal_url(deal: Deal) -> str:
    return f"/deals/{deal.pk}/"


def _tell_partner(deal: Deal, *, kind: str, title: str, body: str = "") -> None:
    recipients = _partner_people(deal.tenant, [deal.partner_id])
    if deal.registered_by_id:
        recipients.append(deal.registered_by)
    notify(
        tenant=deal.tenant,
        recipients=recipients,
        kind=kind,
        title=title,
        body=body,
        url=_deal_url(deal),
    )


def _check_partner_for(tenant, actor: Membership, partner_value) -> PartnerOrganisation:
    if actor.is_partner_member:
        if partner_value not in (None, "", actor.partner_organisation_id):
            raise ValidationFailed(
                _("You can register deals only for your own organisation."), field="partner"
            )
        partner = actor.partner_organisation
        assert partner is not None  # a partner role always has its organisation
    else:
        if partner_value in (None, ""):
            raise ValidationFailed(
                _("Choose the partner this deal is registered for."), field="partner"
            )
        partner_id = getattr(partner_value, "pk", partner_value)
        partner = (
            PartnerOrganisation.objects.for_tenant(tenant)
            .select_related("tier")
            .filter(pk=partner_id)
            .first()
        )
        if partner is None:
            raise ValidationFailed(_("No such partner in this program."), field="partner")
    if partner.status in (PartnerStatus.SUSPENDED, PartnerStatus.OFFBOARDED):
        raise ValidationFailed(
            _("%(partner)s is %(status)s and cannot register deals.")
            % {"partner": partner.name, "status": partner.get_status_display().lower()},
            field="partner",
        )
    return partner


def _clean_registration(data: dict) -> dict:
    unknown = sorted(set(data) - REGISTER_FIELDS)
    if unknown:
        raise ValidationFailed(errors={name: [_("Unknown field.")] for name in unknown})
    errors: dict[str, list[str]] = {}
    values = dict(data)
    for required in (
        "customer_name",
        "customer_country",
        "title",
        "amount",
        "currency",
        "expected_close_date",
    ):
        if values.get(required) in (None, ""):
            errors[required] = [_("This field is required.")]
    if errors:
        raise ValidationFailed(errors=errors)
    values["customer_name"] = " ".join(str(values["customer_name"]).split())
    values["title"] = str(values["title"]).strip()
    values["customer_country"] = str(values["customer_country"]).upper()
    values["currency"] = str(values["currency"]).upper()
    amount = values["amount"]
    if not isinstance(amount, Decimal):
        try:
            amount = Decimal(str(amount))
        except ArithmeticError:
            errors["amount"] = [_("Enter an amount such as 12500.00.")]
    if isinstance(amount, Decimal) and (
        not amount.is_finite() or amount < 0 or amount >= Decimal("1e12")
    ):
        errors["amount"] = [_("Enter an amount between 0 and 999,999,999,999.99.")]
    values["amount"] = amount
    close = values["expected_close_date"]
    if not isinstance(close, date):
        errors["expected_close_date"] = [_("Enter a date as YYYY-MM-DD.")]
    elif close < timezone.localdate():
        errors["expected_close_date"] = [_("The expected close date cannot be in the past.")]
    domain = str(values.get("customer_domain") or "").strip()
    if domain and not matching.normalise_domain(domain):
        errors["customer_domain"] = [_("Enter the customer's web domain, such as acme.com.")]
    values["customer_domain"] = domain
    products = values.get("products") or []
    if not isinstance(products, list) or not all(isinstance(item, str) for item in products):
        errors["products"] = [_("Give products as a list of names.")]
    else:
        values["products"] = sorted({item.strip() for item in products if item.strip()})
    if values.get("stage", DealStage.QUALIFICATION) not in DealStage.values:
        errors["stage"] = [_("Choose a valid stage.")]
    if values.get("route_to_market", RouteToMarket.RESALE) not in RouteToMarket.values:
        errors["route_to_market"] = [_("Choose a valid route to market.")]
    if not matching.normalise_name(values["customer_name"]):
        errors["customer_name"] = [_("Enter the customer's company name.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return values


@transaction.atomic
def register_deal(*, tenant, actor: Membership, data: dict) -> Deal:
    """Register a deal for the actor's organisation (or, for staff, `data["partner"]`).

    Hard rules (territory, minimum size) refuse it; otherwise it is stored with its possible
    duplicates and either approved at once by the auto-approval rules (decision by "rules",
    the rules that passed as the reason) or left for review with the reasons it was not."""
    values = _clean_registration(data)
    partner = _check_partner_for(tenant, actor, values.pop("partner", None))
    rules = rules_for(tenant)
    check_registration(
        rules=rules,
        tenant=tenant,
        partner=partner,
        country=values["customer_country"],
        amount=values["amount"],
        currency=values["currency"],
    )
    identity = matching.identity(
        values["customer_name"], values["customer_domain"], values["customer_country"]
    )
    lock_customer(tenant=tenant, identity=identity)

    threshold = float(rules.duplicate_threshold)
    # Stored reasons are read by the registering partner too: seen from its side, so they
    # never quote another partner's customer (staff see that record side by side anyway).
    duplicates = find_duplicates(
        tenant=tenant,
        identity=identity,
        products=values.get("products") or [],
        expected_close=values["expected_close_date"],
        viewer_partner_id=partner.pk,
    )
    named_account = named_account_for(tenant=tenant, identity=identity)
    outcomes = auto_approval(
        rules=rules,
        tenant=tenant,
        partner=partner,
        amount=values["amount"],
        currency=values["currency"],
        named_account=named_account,
        duplicates=duplicates,
        threshold=threshold,
    )
    now = timezone.now()
    review_due = now + timedelta(hours=rules.review_sla_hours)
    deal = Deal(
        tenant=tenant,
        partner=partner,
        registered_by=actor.user,
        **Deal.keys_of(identity),
        review_due_at=review_due,
        assigned_to=partner.channel_manager if partner.channel_manager_id else None,
        **values,
    )
    deal.save()
    DealParticipant.objects.create(
        tenant=tenant,
        deal=deal,
        partner=partner,
        role=ParticipantRole.SOURCED,
        requested_by=actor.user,
    )
    DealMatch.objects.bulk_create(
        [
            DealMatch(
                tenant=tenant,
                deal=deal,
                kind=match.kind,
                matched_deal=match.record if isinstance(match.record, Deal) else None,
                matched_opportunity=match.record
                if isinstance(match.record, CrmOpportunity)
                else None,
                score=Decimal(str(match.score)).quantize(Decimal("0.001")),
                reasons=match.reasons,
            )
            for match in duplicates
        ]
    )
    log_event(
        deal,
        "registered",
        actor_user=actor.user,
        message=_("Registered by %(name)s for %(partner)s.")
        % {"name": actor.user.get_full_name(), "partner": partner.name},
        data={"duplicates": [match.as_dict() for match in duplicates[:10]]},
    )
    record(
        tenant=tenant,
        actor=actor.user,
        action="deal.registered",
        obj=deal,
        changes={"partner": partner.pk, "amount": deal.amount},
    )
    emit(tenant=tenant, name="deal.registered", obj=deal, payload=_payload(deal))

    if all(outcome.passed for outcome in outcomes):
        reason = _("Approved by rules: %(rules)s.") % {"rules": "; ".join(o.text for o in outcomes)}
        _approve(deal, via="rules", actor=None, reason=reason, rules=rules, now=now)
    else:
        deal.review_reasons = [o.text for o in outcomes if not o.passed]
        deal.save(update_fields=["review_reasons", "updated_at"])
        schedule(tenant=tenant, kind=ESCALATION_WORK, key=str(deal.pk), due_at=review_due)
        reviewers = deal_reviewers(deal)
        notify(
            tenant=tenant,
            recipients=reviewers,
            kind="deal.review_needed",
            title=_("Deal to review: %(title)s (%(partner)s)")
            % {"title": deal.title, "partner": partner.name},
            body=_("Not approved automatically because: %(reasons)s.")
            % {"reasons": "; ".join(deal.review_reasons)},
            url=_deal_url(deal),
        )
    return deal


def deal_reviewers(deal: Deal) -> list:
    """Who hears about a deal's review work: its assignee, or every reviewer."""
    if deal.assigned_to is not None:
        return [deal.assigned_to.user]
    return _reviewers(deal.tenant)


def _reviewers(tenant) -> list:
    return [
        membership.user
        for membership in Membership.objects.for_tenant(tenant)
        .filter(role__in=[Role.ADMIN, Role.CHANNEL_MANAGER], is_active=True)
        .select_related("user")
    ]


def _conflicting_protection(deal: Deal, threshold: float) -> Deal | None:
    """Another partner's approved, still protected deal for the same customer, if any."""
    identity = deal.identity
    now = timezone.now()
    for match in find_duplicates(
        tenant=deal.tenant, identity=identity, exclude_deal_id=deal.pk, minimum_score=threshold
    ):
        other = match.record
        if (
            isinstance(other, Deal)
            and other.partner_id != deal.partner_id
            and other.status == DealStatus.APPROVED
            and (other.protection_expires_at is None or other.protection_expires_at > now)
        ):
            return other
    return None


def _approve(
    deal: Deal, *, via: str, actor: Membership | None, reason: str, rules, now: datetime
) -> None:
    _move(deal, DealStatus.APPROVED, via=via, actor_user=_user(actor), message=reason)
    deal.decision_by = DecisionBy.RULES if via == "rules" else DecisionBy.USER
    deal.decision_reason = reason
    deal.decided_by = _user(actor)
    deal.decided_at = now
    deal.review_reasons = [] if via == "rules" else deal.review_reasons
    deal.protection_expires_at = now + timedelta(days=rules.protection_days)
    deal.save()
    _schedule_protection(deal)
    cancel(tenant=deal.tenant, kind=ESCALATION_WORK, key=str(deal.pk))
    record(
        tenant=deal.tenant,
        actor=_user(actor),
        action="deal.approved",
        obj=deal,
        changes={"decision_by": deal.decision_by, "reason": reason},
    )
    emit(
        tenant=deal.tenant,
        name="deal.approved",
        obj=deal,
        payload=_payload(deal, decision_by=deal.decision_by),
    )
    _tell_partner(
        deal,
        kind="deal.approved",
        title=_("Deal approved: %(title)s") % {"title": deal.title},
        body=_("Protected until %(date)s. %(reason)s")
        % {"date": timezone.localdate(deal.protection_expires_at).isoformat(), "reason": reason},
    )


def _schedule_protection(deal: Deal) -> None:
    expires = deal.protection_expires_at
    assert expires is not None  # approved deals always have it
    schedule(tenant=deal.tenant, kind=EXPIRY_WORK, key=str(deal.pk), due_at=expires)
    schedule(
        tenant=deal.tenant,
        kind=WARNING_WORK,
        key=str(deal.pk),
        due_at=max(expires - WARN_BEFORE_EXPIRY, timezone.now()),
    )


def _cancel_protection(deal: Deal) -> None:
    for kind in (EXPIRY_WORK, WARNING_WORK, ESCALATION_WORK):
        cancel(tenant=deal.tenant, kind=kind, key=str(deal.pk))


def _locked(tenant, deal_id) -> Deal:
    deal = (
        Deal.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("partner", "tenant")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise NotFound(_("No such deal."))
    return deal


def _require_reviewer(actor: Membership) -> None:
    if not has_capability(actor.role, "deals.review"):
        raise NotAllowed(_("Only channel managers and administrators decide registrations."))


@transaction.atomic
def approve_deal(*, tenant, actor: Membership, deal_id: int, reason: str = "") -> Deal:
    """Approve a pending registration: first-in protection starts now.

    Refused (409) while another partner holds an approved, protected registration for the
    same customer: first-in wins within the protection window."""
    _require_reviewer(actor)
    deal = _locked(tenant, deal_id)
    if deal.status != DealStatus.PENDING_REVIEW:
        _move(deal, DealStatus.APPROVED, via="review", actor_user=actor.user)  # raises Conflict
    lock_customer(tenant=tenant, identity=deal.identity)
    rules = rules_for(tenant)
    other = _conflicting_protection(deal, float(rules.duplicate_threshold))
    if other is not None:
        raise Conflict(
            _(
                "Deal #%(other)s by another partner already protects this customer until "
                "%(date)s. Reject this registration, or add this partner to that deal."
            )
            % {
                "other": other.pk,
                "date": timezone.localdate(other.protection_expires_at).isoformat(),
            }
        )
    reason = reason.strip() or _("Approved by %(name)s.") % {"name": actor.user.get_full_name()}
    _approve(deal, via="review", actor=actor, reason=reason, rules=rules, now=timezone.now())
    return deal


@transaction.atomic
def reject_deal(*, tenant, actor: Membership, deal_id: int, reason: str) -> Deal:
    """Reject a pending registration with a reason the partner sees (it may appeal once)."""
    _require_reviewer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the registration is rejected."), field="reason")
    deal = _locked(tenant, deal_id)
    _move(deal, DealStatus.REJECTED, via="review", actor_user=actor.user, message=reason)
    deal.decision_by = DecisionBy.USER
    deal.decision_reason = reason
    deal.decided_by = actor.user
    deal.decided_at = timezone.now()
    deal.save()
    _cancel_protection(deal)
    record(
        tenant=tenant,
        actor=actor.user,
        action="deal.rejected",
        obj=deal,
        changes={"reason": reason},
    )
    emit(tenant=tenant, name="deal.rejected", obj=deal, payload=_payload(deal, reason=reason))
    _tell_partner(
        deal,
        kind="deal.rejected",
        title=_("Deal rejected: %(title)s") % {"title": deal.title},
        body=_("%(reason)s You can appeal once from the deal's page.") % {"reason": reason},
    )
    return deal


@transaction.atomic
def close_deal(
    *,
    tenant,
    actor: Membership,
    deal_id: int,
    outcome: str,
    amount=None,
    closed_on: date | None = None,
) -> Deal:
    """Close an approved deal as won or lost, with its final amount and date.

    Staff record wins (they count towards tiers and attribution); a partner may close its
    own deal as lost."""
    if outcome not in (DealStatus.WON, DealStatus.LOST):
        raise ValidationFailed(_("Choose won or lost."), field="outcome")
    deal = _locked(tenant, deal_id)
    if actor.is_partner_member:
        if deal.partner_id != actor.partner_organisation_id:
            raise NotFound(_("No such deal."))
        if outcome == DealStatus.WON:
            raise NotAllowed(_("Your channel manager records wins; tell them in the deal room."))
    elif not has_capability(actor.role, "deals.review"):
        raise NotAllowed(_("Only channel managers and administrators close deals."))
    final = deal.amount if amount in (None, "") else amount
    try:
        final = Decimal(str(final))
    except ArithmeticError:
        raise ValidationFailed(_("Enter an amount such as 12500.00."), field="amount") from None
    if not final.is_finite() or final < 0 or final >= Decimal("1e12"):
        raise ValidationFailed(
            _("Enter an amount between 0 and 999,999,999,999.99."), field="amount"
        )
    closed_on = closed_on or timezone.localdate()
    if closed_on > timezone.localdate():
        raise ValidationFailed(_("The close date cannot be in the future."), field="closed_on")
    _move(
        deal,
        outcome,
        via="close",
        actor_user=actor.user,
        data={"amount": str(final), "closed_on": closed_on.isoformat()},
    )
    deal.final_amount = final.quantize(Decimal("0.01"))
    deal.closed_on = closed_on
    deal.save()
    _cancel_protection(deal)
    record(
        tenant=tenant,
        actor=actor.user,
        action=f"deal.{outcome}",
        obj=deal,
        changes={"final_amount": deal.final_amount, "closed_on": closed_on},
    )
    participants = list(
        deal.participants.filter(status=DealParticipant.Status.ACTIVE).values_list(
            "partner_id", flat=True
        )
    )
    emit(
        tenant=tenant,
        name=f"deal.{outcome}",
        obj=deal,
        payload=_payload(
            deal,
            final_amount=str(deal.final_amount),
            closed_on=closed_on.isoformat(),
            participant_ids=participants,
        ),
    )
    _tell_partner(
        deal,
        kind=f"deal.{outcome}",
        title=(_("Deal won: %(title)s") if outcome == DealStatus.WON else _("Deal lost: %(title)s"))
        % {"title": deal.title},
    )
    return deal


@transaction.atomic
def expire_deal(*, tenant, deal_id: int) -> Deal | None:
    """Protection ran out before the deal closed (due work). Idempotent."""
    deal = _locked(tenant, deal_id)
    if deal.status != DealStatus.APPROVED:
        return None
    if deal.protection_expires_at and deal.protection_expires_at > timezone.now():
        return None  # extended since the work was scheduled; the new time is scheduled
    _move(
        deal,
        DealStatus.EXPIRED,
        via="expiry",
        actor_user=None,
        message=_("Protection expired before the deal closed."),
    )
    deal.save()
    record(tenant=tenant, actor=None, action="deal.expired", obj=deal)
    emit(tenant=tenant, name="deal.expired", obj=deal, payload=_payload(deal))
    _tell_partner(
        deal,
        kind="deal.expired",
        title=_("Deal protection expired: %(title)s") % {"title": deal.title},
    )
    return deal


def warn_expiry(*, tenant, deal_id: int) -> None:
    """Tell the partner protection ends soon (14 days ahead, due work)."""
    deal = Deal.objects.for_tenant(tenant).filter(pk=deal_id, status=DealStatus.APPROVED).first()
    if deal is None or deal.protection_expires_at is None:
        return
    log_event(deal, "protection.warning")
    _tell_partner(
        deal,
        kind="deal.expiring",
        title=_("Protection ends %(date)s: %(title)s")
        % {"date": timezone.localdate(deal.protection_expires_at).isoformat(), "title": deal.title},
        body=_("Close the deal or request an extension from its page before then."),
    )


@transaction.atomic
def escalate_review(*, tenant, deal_id: int) -> None:
    """A review passed its SLA: tell the reviewer's lead (or the escalation contact, or the
    administrators). Idempotent."""
    deal = _locked(tenant, deal_id)
    if deal.status != DealStatus.PENDING_REVIEW or deal.escalated_at is not None:
        return
    deal.escalated_at = timezone.now()
    deal.save(update_fields=["escalated_at", "updated_at"])
    assignee = deal.assigned_to
    lead = assignee.reports_to if assignee is not None and assignee.reports_to_id else None
    rules = rules_for(tenant)
    if lead is None or not lead.is_active:
        lead = rules.escalation_contact
    recipients = (
        [lead.user]
        if lead is not None and lead.is_active
        else [
            membership.user
            for membership in Membership.objects.for_tenant(tenant)
            .filter(role=Role.ADMIN, is_active=True)
            .select_related("user")
        ]
    )
    log_event(deal, "review.escalated", data={"to": [user.pk for user in recipients]})
    record(tenant=tenant, actor=None, action="deal.review_escalated", obj=deal)
    notify(
        tenant=tenant,
        recipients=recipients,
        kind="deal.review_overdue",
        title=_("Overdue deal review: %(title)s (%(partner)s)")
        % {"title": deal.title, "partner": deal.partner.name},
        body=_("Waiting since %(since)s; the review SLA is %(hours)s hours.")
        % {
            "since": timezone.localtime(deal.created_at).strftime("%Y-%m-%d %H:%M"),
            "hours": rules.review_sla_hours,
        },
        url=_deal_url(deal),
    )


@transaction.atomic
def assign_reviewer(*, tenant, actor: Membership, deal_id: int, reviewer_id: int | None) -> Deal:
    """Give a pending registration to a channel manager (or take it back with None)."""
    _require_reviewer(actor)
    deal = _locked(tenant, deal_id)
    if deal.status != DealStatus.PENDING_REVIEW:
        raise Conflict(_("Only registrations waiting for review are assigned."))
    reviewer = None
    if reviewer_id is not None:
        reviewer = (
            Membership.objects.for_tenant(tenant)
            .filter(pk=reviewer_id, is_active=True, role__in=[Role.ADMIN, Role.CHANNEL_MANAGER])
            .select_related("user")
            .first()
        )
        if reviewer is None:
            raise ValidationFailed(
                _("Choose an active channel manager or administrator."), field="reviewer"
            )
    deal.assigned_to = reviewer
    deal.save(update_fields=["assigned_to", "updated_at"])
    log_event(
        deal,
        "review.assigned",
        actor_user=actor.user,
        data={"reviewer": reviewer.pk if reviewer else None},
    )
    record(
        tenant=tenant,
        actor=actor.user,
        action="deal.assigned",
        obj=deal,
        changes={"assigned_to": reviewer.pk if reviewer else None},
    )
    if reviewer is not None and reviewer.pk != actor.pk:
        notify(
            tenant=tenant,
            recipients=[reviewer.user],
            kind="deal.assigned",
            title=_("Deal assigned to you: %(title)s") % {"title": deal.title},
            url=_deal_url(deal),
        )
    return deal


def bulk_decide(
    *, tenant, actor: Membership, deal_ids: list[int], action: str, reason: str = ""
) -> dict:
    """Approve or reject many registrations; each is decided on its own (one failure does
    not undo the others). Returns {"done": [ids], "failed": {id: message}}."""
    if action not in ("approve", "reject"):
        raise ValidationFailed(_("Choose approve or reject."), field="action")
    done, failed = [], {}
    for deal_id in deal_ids:
        try:
            if action == "approve":
                approve_deal(tenant=tenant, actor=actor, deal_id=deal_id, reason=reason)
            else:
                reject_deal(tenant=tenant, actor=actor, deal_id=deal_id, reason=reason)
            done.append(deal_id)
        except (Conflict, NotFound, ValidationFailed, NotAllowed) as error:
            failed[deal_id] = error.message
    return {"done": done, "failed": failed}


@transaction.atomic
def request_extension(
    *, tenant, actor: Membership, deal_id: int, reason: str
) -> ProtectionExtension:
    """The registering partner asks for more protection time (approved deals only)."""
    deal = _locked(tenant, deal_id)
    if actor.is_partner_member and deal.partner_id != actor.partner_organisation_id:
        raise NotFound(_("No such deal."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the deal needs more time."), field="reason")
    rules = rules_for(tenant)
    if deal.status != DealStatus.APPROVED:
        raise Conflict(_("Only approved deals can be extended."))
    if deal.extensions_granted >= rules.max_extensions:
        raise Conflict(
            _("This deal already had the %(count)s extensions allowed.")
            % {"count": rules.max_extensions}
        )
    if deal.extensions.filter(status=RequestStatus.PENDING).exists():
        raise Conflict(_("An extension request for this deal is already waiting."))
    extension = ProtectionExtension.objects.create(
        tenant=tenant, deal=deal, days=rules.extension_days, reason=reason, requested_by=actor.user
    )
    log_event(
        deal,
        "extension.requested",
        actor_user=actor.user,
        message=reason,
        data={"days": extension.days},
    )
    record(
        tenant=tenant,
        actor=actor.user,
        action="deal.extension_requested",
        obj=deal,
        changes={"days": extension.days},
    )
    notify(
        tenant=tenant,
        recipients=deal_reviewers(deal),
        kind="deal.extension_requested",
        title=_("Extension requested: %(title)s") % {"title": deal.title},
        body=reason,
        url=_deal_url(deal),
    )
    return extension


@transaction.atomic
def decide_extension(
    *, tenant, actor: Membership, deal_id: int, approve: bool, reason: str = ""
) -> ProtectionExtension:
    """Approve (protection grows by the request's days) or refuse a pending extension."""
    _require_reviewer(actor)
    deal = _locked(tenant, deal_id)
    extension = deal.extensions.filter(status=RequestStatus.PENDING).first()
    if extension is None:
        raise Conflict(_("There is no extension request waiting for this deal."))
    if approve and deal.status != DealStatus.APPROVED:
        raise Conflict(_("Only approved deals can be extended."))
    if not approve and not reason.strip():
        raise ValidationFailed(_("Say why the extension is refused."), field="reason")
    extension.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    extension.decided_by = actor.user
    extension.decided_at = timezone.now()
    extension.decision_reason = reason.strip()
    extension.save()
    assert deal.protection_expires_at is not None  # approved deals always have it
    if approve:
        deal.protection_expires_at = deal.protection_expires_at + timedelta(days=extension.days)
        deal.extensions_granted += 1
        deal.save()
        _schedule_protection(deal)
    log_event(
        deal,
        "extension.approved" if approve else "extension.refused",
        actor_user=actor.user,
        message=reason,
        data={
            "days": extension.days,
            "protection_expires_at": deal.protection_expires_at.isoformat(),
        },
    )
    record(
        tenant=tenant,
        actor=actor.user,
        action="deal.extension_decided",
        obj=deal,
        changes={"approved": approve},
    )
    _tell_partner(
        deal,
        kind="deal.extension_decided",
        title=(_("Extension approved: %(title)s") if approve else _("Extension refused: %(title)s"))
        % {"title": deal.title},
        body=_("Protected until %(date)s.")
        % {"date": timezone.localdate(deal.protection_expires_at).isoformat()}
        if approve
        else reason,
    )
    return extension


def open_deal_exists(*, tenant, partner_id: int) -> bool:
    return (
        Deal.objects.for_tenant(tenant)
        .filter(partner_id=partner_id, status__in=OPEN_STATUSES)
        .exists()
    )


UPDATABLE_FIELDS = {
    "title",
    "amount",
    "expected_close_date",
    "products",
    "notes",
    "stage",
    "route_to_market",
    "customer_address",
    "customer_industry",
}


@transaction.atomic
def update_deal(*, tenant, actor: Membership, deal_id: int, data: dict) -> Deal:
    """Keep an open deal current (stage, amount, close date, notes…). The customer cannot
    change: that would sidestep the duplicate check, so it takes a new registration."""
    deal = _locked(tenant, deal_id)
    if actor.is_partner_member and deal.partner_id != actor.partner_organisation_id:
        raise NotFound(_("No such deal."))
    refused = sorted(set(data) - UPDATABLE_FIELDS)
    if refused:
        raise ValidationFailed(
            errors={
                name: [
                    _("The customer cannot change after registration; register a new deal.")
                    if name.startswith("customer_")
                    else _("This field cannot be changed here.")
                ]
                for name in refused
            }
        )
    if not deal.is_open:
        raise Conflict(_("Only open deals can be edited."))
    changes = {}
    for name, value in data.items():
        if (
            name == "expected_close_date"
            and value != deal.expected_close_date
            and value < timezone.localdate()
        ):
            raise ValidationFailed(_("The expected close date cannot be in the past."), field=name)
        if name == "products":
            value = sorted({str(item).strip() for item in value if str(item).strip()})
        if getattr(deal, name) != value:
            changes[name] = [getattr(deal, name), value]
            setattr(deal, name, value)
    if changes:
        deal.save()
        log_event(
            deal,
            "updated",
            actor_user=actor.user,
            data={name: [str(a), str(b)] for name, (a, b) in changes.items()},
        )
        record(tenant=tenant, actor=actor.user, action="deal.updated", obj=deal, changes=changes)
    return deal


def refunded_since_won(deal: Deal) -> Decimal:
    """What was refunded on the deal since it was last won (refund events after the last
    status.won event)."""
    last_won = deal.events.filter(kind=f"status.{DealStatus.WON}").order_by("-id").first()
    refunds = deal.events.filter(kind="refund")
    if last_won is not None:
        refunds = refunds.filter(pk__gt=last_won.pk)
    return sum((Decimal(str(event.data.get("amount", "0"))) for event in refunds), Decimal("0.00"))


@transaction.atomic
def reopen_deal(*, tenant, actor: Membership, deal_id: int, reason: str) -> Deal:
    """Reopen a won deal (back to approved, its final amount and close date cleared), with
    a reason. What partners earned on the win is clawed back by the deal.reopened event."""
    _require_reviewer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the deal is reopened."), field="reason")
    deal = _locked(tenant, deal_id)
    final_amount, closed_on = deal.final_amount, deal.closed_on
    _move(
        deal,
        DealStatus.APPROVED,
        via="reopen",
        actor_user=actor.user,
        message=reason,
        data={
            "final_amount": str(final_amount) if final_amount is not None else None,
            "closed_on": closed_on.isoformat() if closed_on else None,
        },
    )
    deal.final_amount = None
    deal.closed_on = None
    deal.save()
    record(
        tenant=tenant,
        actor=actor.user,
        action="deal.reopened",
        obj=deal,
        changes={"final_amount": [final_amount, None], "closed_on": [closed_on, None],
                 "reason": reason},
    )  # fmt: skip
    emit(
        tenant=tenant,
        name="deal.reopened",
        obj=deal,
        payload=_payload(
            deal,
            reason=reason,
            final_amount=str(final_amount) if final_amount is not None else None,
            closed_on=closed_on.isoformat() if closed_on else None,
        ),
    )
    _tell_partner(
        deal,
        kind="deal.reopened",
        title=_("Deal reopened: %(title)s") % {"title": deal.title},
        body=reason,
    )
    return deal


@transaction.atomic
def record_refund(*, tenant, actor: Membership, deal_id: int, amount, reason: str) -> Deal:
    """Record a refund on a won deal: refunds since the win never exceed its final amount.
    The deal.refunded event carries the refunded total, so incentives claw back the same
    share of what was earned."""
    _require_reviewer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the customer was refunded."), field="reason")
    try:
        refund = Decimal(str(amount))
    except ArithmeticError:
        raise ValidationFailed(_("Enter an amount such as 2500.00."), field="amount") from None
    if not refund.is_finite() or refund <= 0 or refund != refund.quantize(Decimal("0.01")):
        raise ValidationFailed(
            _("Enter an amount above zero with at most two decimals."), field="amount"
        )
    deal = _locked(tenant, deal_id)
    if deal.status != DealStatus.WON or deal.final_amount is None:
        raise Conflict(_("Only a won deal can be refunded."))
    already = refunded_since_won(deal)
    if already + refund > deal.final_amount:
        raise ValidationFailed(
            _("At most %(left)s %(currency)s is left to refund on this deal.")
            % {"left": deal.final_amount - already, "currency": deal.currency},
            field="amount",
        )
    total = already + refund
    log_event(
        deal,
        "refund",
        actor_user=actor.user,
        message=reason,
        data={"amount": str(refund), "refunded_total": str(total)},
    )
    record(
        tenant=tenant,
        actor=actor.user,
        action="deal.refunded",
        obj=deal,
        changes={"amount": str(refund), "refunded_total": str(total), "reason": reason},
    )
    emit(
        tenant=tenant,
        name="deal.refunded",
        obj=deal,
        payload=_payload(
            deal,
            refund_amount=str(refund),
            refunded_total=str(total),
            final_amount=str(deal.final_amount),
            reason=reason,
        ),
    )
    return deal
