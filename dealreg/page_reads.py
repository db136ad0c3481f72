"""Reads the deal pages need beyond dealreg.selectors: how a duplicate found while typing
looks to the reader, who can be @mentioned in a deal room, and the history as the reader
may see it. Same visibility rules as the selectors."""

from __future__ import annotations

import ast
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import Role
from partners.models import Industry

from .duplicates import FoundMatch
from .models import Deal, DealMessage, DealParticipant, DealStage, DealStatus, RouteToMarket

MENTIONABLE_LIMIT = 40

EVENT_LABELS = {
    "registered": _("Registered"),
    "updated": _("Details updated"),
    "status.approved": _("Approved"),
    "status.rejected": _("Rejected"),
    "status.won": _("Closed as won"),
    "status.lost": _("Closed as lost"),
    "status.expired": _("Protection expired"),
    "review.assigned": _("Reviewer assigned"),
    "review.escalated": _("Review escalated (past its deadline)"),
    "protection.warning": _("Protection ends soon: partner reminded"),
    "extension.requested": _("Extension requested"),
    "extension.approved": _("Extension approved"),
    "extension.refused": _("Extension refused"),
    "participant.added": _("Partner added"),
    "participant.requested": _("Partner asked to join"),
    "participant.accepted": _("Request to join accepted"),
    "participant.declined": _("Request to join declined"),
    "appeal.filed": _("Appeal filed"),
    "appeal.upheld": _("Appeal decided: rejection upheld"),
    "appeal.reversed": _("Appeal decided: reversed, approved"),
    "room.message": _("Message posted in the deal room"),
    "help.requested": _("Vendor help requested"),
    "help.assigned": _("Vendor help assigned"),
    "help.done": _("Vendor help done"),
    "help.cancelled": _("Vendor help cancelled"),
    "help.open": _("Vendor help reopened"),
}

# Internal to the vendor's review, or about another partner's request: staff only.
STAFF_ONLY_EVENTS = {"review.assigned", "review.escalated"}
PARTICIPANT_EVENTS = {
    "participant.added",
    "participant.requested",
    "participant.accepted",
    "participant.declined",
}


CHOICE_LABELS = {
    "stage": dict(DealStage.choices),
    "route_to_market": dict(RouteToMarket.choices),
    "customer_industry": dict(Industry.choices),
}


def _readable(field: str, value) -> str:
    """A value recorded in an "updated" event (stored as text) as people read it."""
    text = str(value)
    if field in CHOICE_LABELS:
        return str(CHOICE_LABELS[field].get(text, text))
    if field == "amount":
        try:
            return f"{Decimal(text):,.2f}"
        except InvalidOperation:
            return text
    if field == "products" and text.startswith("["):
        try:
            return ", ".join(str(item) for item in ast.literal_eval(text)) or "—"
        except (ValueError, SyntaxError):
            return text
    return text


def readable_changes(data) -> dict:
    """{field: [before, after]} of an "updated" event, with labels instead of codes."""
    if not isinstance(data, dict):
        return {}
    return {
        field: [_readable(field, pair[0]), _readable(field, pair[1])]
        if isinstance(pair, list) and len(pair) == 2
        else pair
        for field, pair in data.items()
    }


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind.replace(".", ": ").replace("_", " ").capitalize()))


def found_match_view(match: FoundMatch, *, membership) -> dict:
    """A duplicate found while registering, as the member may see it: the same shape as
    dealreg.selectors.match_view (another partner's deal only as kind, id, score, reasons)."""
    record = match.record
    visible = membership.is_staff_member or (
        isinstance(record, Deal) and record.partner_id == membership.partner_organisation_id
    )
    view = {
        "kind": match.kind,
        "id": record.pk,
        "score": float(match.score),
        "reasons": match.reasons,
    }
    if visible:
        view["record"] = record
    return view


def mentionable_people(*, tenant, deal: Deal, participants) -> list[Membership]:
    """People worth suggesting for @mentions: the members of the deal's active participants
    and the program's administrators and channel managers (every staff member can be
    mentioned; these are the ones partners work with)."""
    partner_ids = [
        participant.partner_id
        for participant in participants
        if participant.status == DealParticipant.Status.ACTIVE
    ]
    return list(
        Membership.objects.for_tenant(tenant)
        .filter(is_active=True)
        .filter(
            Q(role__in=[Role.ADMIN, Role.CHANNEL_MANAGER])
            | Q(partner_organisation_id__in=partner_ids)
        )
        .select_related("user")
        .order_by("partner_organisation_id", "user__email")[:MENTIONABLE_LIMIT]
    )


def timeline(deal: Deal, *, membership, participants) -> list[dict]:
    """The deal's history as the member may read it. Partners do not see the vendor's
    internal review steps, nor other partners' requests to join that were not accepted."""
    names = {participant.partner_id: participant.partner.name for participant in participants}
    active = {
        participant.partner_id
        for participant in participants
        if participant.status == DealParticipant.Status.ACTIVE
    }
    is_staff = membership.is_staff_member
    rows = []
    for event in deal.events.all():
        partner_id = event.data.get("partner") if isinstance(event.data, dict) else None
        if not is_staff:
            if event.kind in STAFF_ONLY_EVENTS:
                continue
            if (
                event.kind in PARTICIPANT_EVENTS
                and partner_id not in active
                and partner_id != membership.partner_organisation_id
            ):
                continue
        rows.append(
            {
                "event": event,
                "label": event_label(event.kind),
                "to_status_label": DealStatus(event.to_status).label
                if event.to_status in DealStatus.values
                else event.to_status,
                "partner_name": names.get(partner_id, "")
                if event.kind in PARTICIPANT_EVENTS
                else "",
                "changes": readable_changes(event.data) if event.kind == "updated" else None,
                "message": ""
                if (event.kind == "participant.requested" and not is_staff)
                else event.message,
            }
        )
    return rows


def room_file(*, tenant, deal: Deal, message_id) -> DealMessage | None:
    """A deal-room message of this deal that carries a file, or None."""
    return (
        DealMessage.objects.for_tenant(tenant)
        .filter(deal=deal, pk=message_id)
        .exclude(file="")
        .first()
    )
