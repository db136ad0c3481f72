"""Leads and their routing: create (one by one or from a CSV file), offer to the best
eligible partner, accept, decline, expire, override, withdraw, lose, convert to a deal.

Every write takes the tenant and the acting member (a Membership; None for the system, e.g.
the offer timeout) explicitly and runs in one transaction on the lead's row lock. The lead's
status follows its offers:

    new ──route──▶ offered ──accept──▶ accepted ──convert──▶ converted
     ▲               │ decline / no answer in time (SLA pullback): offered to the next partner
     └───────────────┘ none left: `declined` when every eligible partner was offered it,
                       else back to `new` with a note saying why no partner is eligible

Staff may withdraw an offer, override the choice (is_override, recorded in the breakdown)
or mark a lead lost. Scoring and eligibility are dealreg.routing's; each offer keeps the
breakdown that chose it, so "why this partner" can be replayed later.

CSV imports are dealreg.lead_import's; routing rules are edited by dealreg.routing_rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from ecosystem.audit.services import record
from ecosystem.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ecosystem.notifications.services import notify
from ecosystem.outbox.services import emit
from ecosystem.scheduling.services import cancel, schedule
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import Role, has_capability
from partners.models import (
    PartnerOrganisation,
    PartnerStatus,
)

from .crm_cleaning import _Cleaner, text_of
from .due_work import LEAD_OFFER_WORK
from .models import Deal, Lead, LeadOffer, LeadStatus
from .routing import Candidate, Ranking, exclusion_label, rank_partners
from .rules import rules_for

CONVERT_CLOSE_DAYS = 90
LEAD_FIELDS = [
    "company_name",
    "company_domain",
    "contact_name",
    "contact_email",
    "contact_phone",
    "country",
    "interest",
    "products",
    "estimated_amount",
    "currency",
]
RESPONDER_ROLES = (Role.PARTNER_ADMIN, Role.PARTNER_SALES)
LEAD_MANAGER_ROLES = (Role.ADMIN, Role.CHANNEL_MANAGER, Role.MARKETING_MANAGER)


# --- checks ----------------------------------------------------------------------------------


def clean_lead(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(values, errors) of a lead: one set of rules for the API, the form and CSV rows."""
    cleaner = _Cleaner(data, partial=False)
    cleaner.text("company_name", 200, required=True, words=True)
    cleaner.domain("company_domain")
    cleaner.text("contact_name", 200, words=True)
    cleaner.text("contact_email", 254)
    cleaner.text("contact_phone", 40)
    cleaner.country("country")
    cleaner.text("interest", 200, words=True)
    cleaner.products("products")
    cleaner.amount("estimated_amount")
    cleaner.currency("currency")
    values, errors = cleaner.values, cleaner.errors
    if not values.get("country") and "country" not in errors:
        errors["country"] = _("Enter the lead's country as an ISO code such as DE or US.")
    email = values.get("contact_email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["contact_email"] = _("Enter an email address such as name@company.com.")
    return values, errors


def refusal(errors: dict[str, str]) -> ValidationFailed:
    """The 400 for clean_lead-style errors ({field: message})."""
    return ValidationFailed(errors={name: [message] for name, message in errors.items()})


def _require(actor: Membership | None, capability: str, message: str) -> None:
    if actor is not None and not has_capability(actor.role, capability):
        raise NotAllowed(message)


def require_lead_manager(actor: Membership | None) -> None:
    """Refuse (403) an actor without leads.manage; None is the system and may."""
    _require(actor, "leads.manage", _("Only channel, marketing and program managers do this."))


def _user(actor: Membership | None):
    return actor.user if actor is not None else None


def locked_lead(tenant, lead_id) -> Lead:
    """The lead, row-locked until the transaction ends (404 when not the tenant's)."""
    lead = (
        Lead.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("tenant", "created_by")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise NotFound(_("No such lead."))
    return lead


def _open_offer(lead: Lead) -> LeadOffer | None:
    return (
        LeadOffer.objects.for_tenant(lead.tenant)
        .select_for_update(of=("self",))
        .select_related("partner")
        .filter(lead=lead, status=LeadOffer.Status.OFFERED)
        .first()
    )


def _payload(lead: Lead, offer: LeadOffer | None = None, **extra) -> dict[str, Any]:
    return {
        "lead_id": lead.pk,
        "status": lead.status,
        "partner_id": lead.partner_id,
        "offer_id": offer.pk if offer is not None else None,
        "company_name": lead.company_name,
        "country": str(lead.country),
        **extra,
    }


def _lead_url(lead: Lead) -> str:
    return f"/leads/{lead.pk}/"


def _partner_people(tenant, partner_id) -> list:
    return [
        membership.user
        for membership in Membership.objects.for_tenant(tenant)
        .filter(partner_organisation_id=partner_id, role__in=RESPONDER_ROLES, is_active=True)
        .select_related("user")
    ]


def _lead_managers(tenant) -> list:
    return [
        membership.user
        for membership in Membership.objects.for_tenant(tenant)
        .filter(role__in=LEAD_MANAGER_ROLES, is_active=True)
        .select_related("user")
    ]


def _tell_creator(lead: Lead, *, kind: str, title: str, body: str = "") -> None:
    recipients = [lead.created_by] if lead.created_by_id else _lead_managers(lead.tenant)
    notify(
        tenant=lead.tenant,
        recipients=recipients,
        kind=kind,
        title=title,
        body=body,
        url=_lead_url(lead),
    )


# --- creating --------------------------------------------------------------------------------


@transaction.atomic
def create_lead(
    *,
    tenant,
    actor: Membership | None,
    data: Mapping[str, Any],
    source: str = Lead.Source.MANUAL,
    route: bool = True,
) -> Lead:
    """Create a lead (staff, the API, later campaign pages: `actor` None) and, unless told
    not to, offer it to the best eligible partner at once."""
    require_lead_manager(actor)
    if source not in Lead.Source.values:
        raise ValidationFailed(_("Choose a valid source."), field="source")
    unknown = sorted(set(data) - set(LEAD_FIELDS))
    if unknown:
        raise ValidationFailed(errors={name: [_("Unknown field.")] for name in unknown})
    values, errors = clean_lead(data)
    if errors:
        raise refusal(errors)
    lead = build_lead(tenant, actor, values, source)
    lead.save()
    record_created(lead, actor)
    if route:
        offer_to_next_partner(lead, actor=actor, now=timezone.now())
    return lead


def build_lead(tenant, actor: Membership | None, values: dict[str, Any], source: str) -> Lead:
    """An unsaved lead from clean_lead's values; an estimate without a currency is in the
    program's currency."""
    currency = values.get("currency") or ""
    if values.get("estimated_amount") is not None and not currency:
        currency = tenant.default_currency
    return Lead(
        tenant=tenant,
        company_name=values["company_name"],
        company_domain=values.get("company_domain") or "",
        contact_name=values.get("contact_name") or "",
        contact_email=values.get("contact_email") or "",
        contact_phone=values.get("contact_phone") or "",
        country=values["country"],
        interest=values.get("interest") or "",
        products=values.get("products") or [],
        estimated_amount=values.get("estimated_amount"),
        currency=currency,
        source=source,
        created_by=_user(actor),
    )


def record_created(lead: Lead, actor: Membership | None) -> None:
    """The audit entry and the outbox event of a new lead."""
    record(
        tenant=lead.tenant,
        actor=_user(actor),
        action="lead.created",
        obj=lead,
        changes={"source": lead.source, "country": str(lead.country)},
    )
    emit(tenant=lead.tenant, name="lead.created", obj=lead, payload=_payload(lead))


@transaction.atomic
def capture_partner_lead(
    *, tenant, partner, data: Mapping[str, Any], source: str = Lead.Source.CAMPAIGN
) -> Lead:
    """A lead the partner's own marketing brought in (its campaign landing page, an event it
    co-hosted): already the partner's (`accepted`, never routed to anyone else). The
    partner's sellers are told. Validation is `clean_lead`'s, so a bad field is a 400
    naming it."""
    if source not in Lead.Source.values:
        raise ValidationFailed(_("Choose a valid source."), field="source")
    unknown = sorted(set(data) - set(LEAD_FIELDS))
    if unknown:
        raise ValidationFailed(errors={name: [_("Unknown field.")] for name in unknown})
    values, errors = clean_lead(data)
    if errors:
        raise refusal(errors)
    lead = build_lead(tenant, None, values, source)
    lead.partner = partner
    lead.status = LeadStatus.ACCEPTED
    lead.save()
    record_created(lead, None)
    notify(
        tenant=tenant,
        recipients=_partner_people(tenant, partner.pk),
        kind="lead.captured",
        title=_("New lead from your marketing: %(company)s") % {"company": lead.company_name},
        body=lead.interest,
        url=_lead_url(lead),
    )
    return lead


# --- routing ---------------------------------------------------------------------------------


@transaction.atomic
def route_lead(
    *, tenant, actor: Membership | None, lead_id: int, now: datetime | None = None
) -> LeadOffer | None:
    """Offer a new (or declined) lead to the best eligible partner not offered it before.
    With none left the lead is `declined` (every eligible partner had it) or stays `new`
    with a note saying why no partner is eligible (lead_selectors.routing_note)."""
    require_lead_manager(actor)
    lead = locked_lead(tenant, lead_id)
    if lead.status == LeadStatus.OFFERED:
        raise Conflict(
            _("This lead is already offered to a partner; withdraw the offer or override it.")
        )
    if lead.status not in (LeadStatus.NEW, LeadStatus.DECLINED):
        raise Conflict(
            _("A lead that is %(status)s is not routed again.")
            % {"status": lead.get_status_display().lower()}
        )
    return offer_to_next_partner(lead, actor=actor, now=now or timezone.now())


def serialise_routing(tenant) -> None:
    """Take the tenant's routing lock until the transaction ends: routing decisions of one
    tenant happen one at a time, so two leads routed at once never both take a partner's
    last free slot (PostgreSQL advisory lock; SQLite serialises every write anyway)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [tenant.pk, "leads"])


def offer_to_next_partner(
    lead: Lead, *, actor: Membership | None, now: datetime, tell_creator: bool = True
) -> LeadOffer | None:
    """Offer the locked lead to the best eligible partner not offered it yet, or record why
    none can be (and tell the creator when a chain of offers ran out)."""
    serialise_routing(lead.tenant)
    ranking = rank_partners(tenant=lead.tenant, lead=lead, now=now)
    candidate = ranking.next_candidate()
    if candidate is not None:
        return _make_offer(lead, candidate, ranking, actor=actor, now=now)
    had_offers = LeadOffer.objects.for_tenant(lead.tenant).filter(lead=lead).exists()
    note = ranking.why_none()
    lead.status = LeadStatus.DECLINED if ranking.candidates else LeadStatus.NEW
    lead.partner = None
    lead.save(update_fields=["status", "partner", "updated_at"])
    lead.routing_note = note  # type: ignore[attr-defined]
    record(
        tenant=lead.tenant,
        actor=_user(actor),
        action="lead.unrouted",
        obj=lead,
        changes={"status": lead.status, "note": note, "excluded": ranking.exclusion_summary()},
    )
    if tell_creator and (had_offers or actor is None or lead.created_by_id != actor.user_id):
        title = (
            _("No partner took the lead %(company)s")
            if lead.status == LeadStatus.DECLINED
            else _("No partner can be offered the lead %(company)s")
        ) % {"company": lead.company_name}
        _tell_creator(lead, kind="lead.unrouted", title=title, body=note)
    return None


def _make_offer(
    lead: Lead,
    candidate: Candidate,
    ranking: Ranking,
    *,
    actor: Membership | None,
    now: datetime,
    override: dict[str, Any] | None = None,
) -> LeadOffer:
    tenant = lead.tenant
    partner = candidate.partner
    hours = rules_for(tenant).lead_offer_hours
    breakdown = ranking.breakdown_for(candidate)
    if override is not None:
        breakdown["override"] = override
    offer = LeadOffer.objects.create(
        tenant=tenant,
        lead=lead,
        partner=partner,
        rank=candidate.rank or 0,  # 0: chosen by staff outside the eligible ranking
        score=candidate.score,
        breakdown=breakdown,
        is_override=override is not None,
        offered_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    lead.status = LeadStatus.OFFERED
    lead.partner = partner
    lead.save(update_fields=["status", "partner", "updated_at"])
    schedule(tenant=tenant, kind=LEAD_OFFER_WORK, key=str(offer.pk), due_at=offer.expires_at)
    record(
        tenant=tenant,
        actor=_user(actor),
        action="lead.offered",
        obj=lead,
        changes={
            "partner": partner.pk,
            "score": str(offer.score),
            "rank": offer.rank,
            "is_override": offer.is_override,
        },
    )
    emit(
        tenant=tenant,
        name="lead.offered",
        obj=lead,
        payload=_payload(
            lead,
            offer,
            score=str(offer.score),
            rank=offer.rank,
            is_override=offer.is_override,
            expires_at=offer.expires_at.isoformat(),
        ),
    )
    notify(
        tenant=tenant,
        recipients=_partner_people(tenant, partner.pk),
        kind="lead.offered",
        title=_("New lead for you: %(company)s (%(country)s)")
        % {"company": lead.company_name, "country": countries.name(str(lead.country))},
        body=_("Accept or decline it within %(hours)s hours, or it goes to another partner.")
        % {"hours": hours},
        url=_lead_url(lead),
    )
    return offer


# --- the partner's answer --------------------------------------------------------------------


def _offer_for_responder(lead: Lead, actor: Membership, now: datetime) -> LeadOffer:
    """The open offer of this lead to the actor's organisation; another partner's lead is
    not found, a lead no longer on offer is a conflict."""
    _require(actor, "leads.respond", _("Only a partner's administrators and sellers answer."))
    if not actor.is_partner_member or lead.partner_id != actor.partner_organisation_id:
        raise NotFound(_("No such lead."))
    offer = _open_offer(lead)
    if offer is None:
        raise Conflict(
            _("This lead is %(status)s, not waiting for your answer.")
            % {"status": lead.get_status_display().lower()}
        )
    if offer.expires_at <= now:
        raise Conflict(
            _("The offer expired at %(time)s; the lead goes to the next partner.")
            % {"time": timezone.localtime(offer.expires_at).strftime("%Y-%m-%d %H:%M")}
        )
    return offer


@transaction.atomic
def accept_offer(*, tenant, actor: Membership, lead_id: int, now: datetime | None = None) -> Lead:
    """The partner takes the lead: it is theirs to work (and convert to a deal)."""
    now = now or timezone.now()
    lead = locked_lead(tenant, lead_id)
    offer = _offer_for_responder(lead, actor, now)
    offer.status = LeadOffer.Status.ACCEPTED
    offer.responded_at = now
    offer.responded_by = actor.user
    offer.save(update_fields=["status", "responded_at", "responded_by"])
    lead.status = LeadStatus.ACCEPTED
    lead.save(update_fields=["status", "updated_at"])
    cancel(tenant=tenant, kind=LEAD_OFFER_WORK, key=str(offer.pk))
    hours = round((now - offer.offered_at).total_seconds() / 3600, 2)
    record(
        tenant=tenant,
        actor=actor.user,
        action="lead.accepted",
        obj=lead,
        changes={"partner": lead.partner_id, "hours_to_accept": hours},
    )
    emit(
        tenant=tenant,
        name="lead.accepted",
        obj=lead,
        payload=_payload(lead, offer, hours_to_accept=hours),
    )
    _tell_creator(
        lead,
        kind="lead.accepted",
        title=_("%(partner)s accepted the lead %(company)s")
        % {"partner": offer.partner.name, "company": lead.company_name},
    )
    return lead


@transaction.atomic
def decline_offer(
    *, tenant, actor: Membership, lead_id: int, reason: str, now: datetime | None = None
) -> LeadOffer:
    """The partner turns the lead down with a reason (the declined offer is returned); the
    lead goes to the next partner."""
    reason = text_of(reason)
    if not reason:
        raise ValidationFailed(_("Say why you decline the lead."), field="reason")
    now = now or timezone.now()
    lead = locked_lead(tenant, lead_id)
    offer = _offer_for_responder(lead, actor, now)
    offer.status = LeadOffer.Status.DECLINED
    offer.reason = reason[:2000]
    offer.responded_at = now
    offer.responded_by = actor.user
    offer.save(update_fields=["status", "reason", "responded_at", "responded_by"])
    cancel(tenant=tenant, kind=LEAD_OFFER_WORK, key=str(offer.pk))
    lead.status = LeadStatus.NEW
    lead.partner = None
    lead.save(update_fields=["status", "partner", "updated_at"])
    record(
        tenant=tenant,
        actor=actor.user,
        action="lead.declined",
        obj=lead,
        changes={"partner": offer.partner_id, "reason": offer.reason},
    )
    emit(
        tenant=tenant,
        name="lead.declined",
        obj=lead,
        payload=_payload(lead, offer, partner_id=offer.partner_id, reason=offer.reason),
    )
    offer_to_next_partner(lead, actor=actor, now=now)
    return offer


@transaction.atomic
def expire_offer(*, tenant, offer_id: int, now: datetime | None = None) -> LeadOffer | None:
    """Due work at the offer's expiry: an unanswered offer is pulled back (an SLA pullback)
    and the lead goes to the next partner. Running it again does nothing."""
    now = now or timezone.now()
    lead_id = (
        LeadOffer.objects.for_tenant(tenant).filter(pk=offer_id).values_list("lead_id", flat=True)
    ).first()
    if lead_id is None:
        return None
    lead = locked_lead(tenant, lead_id)
    offer = _open_offer(lead)
    if offer is None or offer.pk != offer_id:
        return None
    hours = rules_for(tenant).lead_offer_hours
    offer.status = LeadOffer.Status.EXPIRED
    offer.responded_at = now
    offer.reason = _("No answer within %(hours)s hours: offered to the next partner.") % {
        "hours": hours
    }
    offer.save(update_fields=["status", "responded_at", "reason"])
    lead.status = LeadStatus.NEW
    lead.partner = None
    lead.save(update_fields=["status", "partner", "updated_at"])
    record(
        tenant=tenant,
        actor=None,
        action="lead.sla_pullback",
        obj=lead,
        changes={"partner": offer.partner_id, "offered_at": offer.offered_at, "hours": hours},
    )
    emit(
        tenant=tenant,
        name="lead.offer_expired",
        obj=lead,
        payload=_payload(lead, offer, partner_id=offer.partner_id),
    )
    notify(
        tenant=tenant,
        recipients=_partner_people(tenant, offer.partner_id),
        kind="lead.offer_expired",
        title=_("Lead offer expired: %(company)s") % {"company": lead.company_name},
        body=_("It was not answered within %(hours)s hours and went to another partner.")
        % {"hours": hours},
    )
    offer_to_next_partner(lead, actor=None, now=now)
    return offer


# --- staff decisions -------------------------------------------------------------------------


def _withdraw(lead: Lead, offer: LeadOffer, *, reason: str, now: datetime) -> None:
    offer.status = LeadOffer.Status.WITHDRAWN
    offer.reason = reason[:2000]
    offer.responded_at = offer.responded_at or now
    offer.save(update_fields=["status", "reason", "responded_at"])
    cancel(tenant=lead.tenant, kind=LEAD_OFFER_WORK, key=str(offer.pk))


@transaction.atomic
def override_route(
    *,
    tenant,
    actor: Membership,
    lead_id: int,
    partner_id: int,
    reason: str = "",
    now: datetime | None = None,
) -> LeadOffer:
    """Staff offer the lead to a partner of their choosing, eligible or not (an active one).
    An open offer is withdrawn; the new offer is marked as an override, and its breakdown
    records who overrode, why, and what routing would have chosen."""
    require_lead_manager(actor)
    now = now or timezone.now()
    reason = text_of(reason)[:2000]
    lead = locked_lead(tenant, lead_id)
    if lead.status not in (LeadStatus.NEW, LeadStatus.OFFERED, LeadStatus.DECLINED):
        raise Conflict(
            _("A lead that is %(status)s cannot be offered to another partner.")
            % {"status": lead.get_status_display().lower()}
        )
    partner = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(pk=getattr(partner_id, "pk", partner_id))
        .first()
    )
    if partner is None:
        raise ValidationFailed(_("No such partner in this program."), field="partner")
    if partner.status != PartnerStatus.ACTIVE:
        raise ValidationFailed(
            _("%(partner)s is %(status)s; choose an active partner.")
            % {"partner": partner.name, "status": partner.get_status_display().lower()},
            field="partner",
        )
    offer = _open_offer(lead)
    replaced = None
    if offer is not None:
        replaced = {"partner_id": offer.partner_id, "partner_name": offer.partner.name}
        if offer.partner_id == partner.pk:
            raise Conflict(_("The lead is already offered to %(p)s.") % {"p": partner.name})
        _withdraw(
            lead,
            offer,
            reason=_("Replaced by an override: %(reason)s")
            % {"reason": reason or _("no reason given")},
            now=now,
        )
        lead.status = LeadStatus.NEW
        lead.partner = None
        lead.save(update_fields=["status", "partner", "updated_at"])
    serialise_routing(tenant)
    ranking = rank_partners(tenant=tenant, lead=lead, now=now, include_partner_id=partner.pk)
    candidate = ranking.find(partner.pk)
    assert candidate is not None  # included explicitly
    system_choice = ranking.next_candidate()
    override = {
        "by": actor.user.email,
        "by_name": actor.user.get_full_name(),
        "reason": reason,
        "at": now.isoformat(),
        "eligible": candidate.eligible,
        "failed": [exclusion_label(code) for code in candidate.failed],
        "system_choice": {
            "partner_id": system_choice.partner.pk,
            "partner_name": system_choice.partner.name,
            "score": float(system_choice.score),
        }
        if system_choice is not None
        else None,
        # The partner whose open offer the override took back, if any.
        "replaced": replaced,
    }
    new_offer = _make_offer(lead, candidate, ranking, actor=actor, now=now, override=override)
    record(
        tenant=tenant,
        actor=actor.user,
        action="lead.overridden",
        obj=lead,
        changes={"partner": partner.pk, "reason": reason, "eligible": candidate.eligible},
    )
    return new_offer


@transaction.atomic
def withdraw_offer(
    *, tenant, actor: Membership, lead_id: int, reason: str = "", now: datetime | None = None
) -> Lead:
    """Staff take an offered or accepted lead back from the partner; it is `new` again
    (route it or override)."""
    require_lead_manager(actor)
    now = now or timezone.now()
    reason = text_of(reason)[:2000] or _("Withdrawn by %(name)s.") % {
        "name": actor.user.get_full_name()
    }
    lead = locked_lead(tenant, lead_id)
    if lead.status == LeadStatus.OFFERED:
        offer = _open_offer(lead)
    elif lead.status == LeadStatus.ACCEPTED:
        offer = (
            LeadOffer.objects.for_tenant(tenant)
            .select_for_update(of=("self",))
            .filter(lead=lead, status=LeadOffer.Status.ACCEPTED)
            .order_by("-offered_at")
            .first()
        )
    else:
        raise Conflict(
            _("A lead that is %(status)s has no offer to withdraw.")
            % {"status": lead.get_status_display().lower()}
        )
    partner_id = lead.partner_id
    if offer is not None:
        _withdraw(lead, offer, reason=reason, now=now)
    lead.status = LeadStatus.NEW
    lead.partner = None
    lead.save(update_fields=["status", "partner", "updated_at"])
    record(
        tenant=tenant,
        actor=actor.user,
        action="lead.withdrawn",
        obj=lead,
        changes={"partner": partner_id, "reason": reason},
    )
    emit(
        tenant=tenant,
        name="lead.withdrawn",
        obj=lead,
        payload=_payload(lead, offer, partner_id=partner_id, reason=reason),
    )
    if partner_id:
        notify(
            tenant=tenant,
            recipients=_partner_people(tenant, partner_id),
            kind="lead.withdrawn",
            title=_("Lead withdrawn: %(company)s") % {"company": lead.company_name},
            body=reason,
        )
    return lead


@transaction.atomic
def mark_lost(
    *, tenant, actor: Membership, lead_id: int, reason: str, now: datetime | None = None
) -> Lead:
    """The lead will not become business. Staff may close any open lead; the partner that
    accepted it may close it too."""
    reason = text_of(reason)[:2000]
    if not reason:
        raise ValidationFailed(_("Say why the lead is lost."), field="reason")
    now = now or timezone.now()
    lead = locked_lead(tenant, lead_id)
    if actor.is_partner_member:
        _require(actor, "leads.respond", _("Only a partner's administrators and sellers do this."))
        if lead.partner_id != actor.partner_organisation_id:
            raise NotFound(_("No such lead."))
        if lead.status != LeadStatus.ACCEPTED:
            raise Conflict(_("Accept the lead first, or decline it with a reason."))
    else:
        require_lead_manager(actor)
    if lead.status in (LeadStatus.CONVERTED, LeadStatus.LOST):
        raise Conflict(
            _("A lead that is %(status)s cannot be marked lost.")
            % {"status": lead.get_status_display().lower()}
        )
    offer = _open_offer(lead)
    if offer is not None:
        _withdraw(lead, offer, reason=_("Lead closed as lost: %(r)s") % {"r": reason}, now=now)
        lead.partner = None  # an offer never answered does not make the lead theirs
    lead.status = LeadStatus.LOST
    lead.lost_reason = reason
    lead.save(update_fields=["status", "partner", "lost_reason", "updated_at"])
    record(
        tenant=tenant, actor=actor.user, action="lead.lost", obj=lead, changes={"reason": reason}
    )
    emit(tenant=tenant, name="lead.lost", obj=lead, payload=_payload(lead, reason=reason))
    return lead


# --- converting ------------------------------------------------------------------------------


def deal_data_for(lead: Lead) -> dict[str, Any]:
    """The registration a lead becomes: its customer, amount (or 0) and products, closing in
    CONVERT_CLOSE_DAYS days."""
    contact = ", ".join(
        part for part in (lead.contact_name, lead.contact_email, lead.contact_phone) if part
    )
    notes = _("From lead #%(id)s (%(source)s).") % {
        "id": lead.pk,
        "source": lead.get_source_display().lower(),
    }
    if contact:
        notes += " " + _("Contact: %(contact)s.") % {"contact": contact}
    if lead.interest:
        notes += " " + _("Interest: %(interest)s.") % {"interest": lead.interest}
    title = f"{lead.company_name}: {lead.interest}" if lead.interest else lead.company_name
    return {
        "customer_name": lead.company_name,
        "customer_domain": lead.company_domain,
        "customer_country": str(lead.country),
        "title": title[:200],
        "amount": lead.estimated_amount if lead.estimated_amount is not None else Decimal("0"),
        "currency": lead.currency or lead.tenant.default_currency,
        "expected_close_date": timezone.localdate() + timedelta(days=CONVERT_CLOSE_DAYS),
        "products": list(lead.products or []),
        "notes": notes,
    }


@transaction.atomic
def convert_to_deal(*, tenant, actor: Membership, lead_id: int) -> Deal:
    """One click: the accepting partner registers the lead as a deal (the usual rules of
    engagement apply) and the lead is converted."""
    from . import services

    _require(actor, "leads.respond", _("Only a partner's administrators and sellers do this."))
    lead = locked_lead(tenant, lead_id)
    if not actor.is_partner_member or lead.partner_id != actor.partner_organisation_id:
        raise NotFound(_("No such lead."))
    if lead.status == LeadStatus.CONVERTED:
        raise Conflict(
            _("This lead is already deal #%(deal)s.") % {"deal": lead.deal_id}, field="deal"
        )
    if lead.status != LeadStatus.ACCEPTED:
        raise Conflict(_("Accept the lead before converting it to a deal."))
    deal = services.register_deal(tenant=tenant, actor=actor, data=deal_data_for(lead))
    lead.deal = deal
    lead.status = LeadStatus.CONVERTED
    lead.save(update_fields=["deal", "status", "updated_at"])
    record(
        tenant=tenant,
        actor=actor.user,
        action="lead.converted",
        obj=lead,
        changes={"deal": deal.pk},
    )
    emit(tenant=tenant, name="lead.converted", obj=lead, payload=_payload(lead, deal_id=deal.pk))
    return deal
