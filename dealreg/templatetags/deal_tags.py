"""Template helpers for the deal pages: money, the review SLA countdown, protection left,
and the partner home's deal counts."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dealreg import page_reads, selectors
from dealreg.models import DealStatus

register = template.Library()

# Within this many hours of the deadline the countdown is highlighted.
SLA_SOON_HOURS = 12
PROTECTION_SOON_DAYS = 14


@register.filter
def money(amount, currency: str = "") -> str:
    """12500 → "12,500.00 USD"."""
    if amount in (None, ""):
        return "—"
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    return f"{value:,.2f} {currency}".strip()


def _span(hours: float) -> str:
    hours = max(1, round(hours))
    if hours < 72:
        return ngettext("%(count)d h", "%(count)d h", hours) % {"count": hours}
    days = round(hours / 24)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


@register.filter
def sla(deal) -> dict | None:
    """The review countdown of a pending registration: {"text", "state"} where state is
    "overdue", "soon" or "ok"; None once decided."""
    if deal.status != DealStatus.PENDING_REVIEW or deal.review_due_at is None:
        return None
    hours = (deal.review_due_at - timezone.now()).total_seconds() / 3600
    if hours < 0:
        return {
            "text": _("decision overdue by %(span)s") % {"span": _span(-hours)},
            "state": "overdue",
        }
    return {
        "text": _("decision due in %(span)s") % {"span": _span(hours)},
        "state": "soon" if hours <= SLA_SOON_HOURS else "ok",
    }


@register.filter
def protection(deal) -> dict | None:
    """How long an approved registration stays protected: {"expires_at", "days_left",
    "text", "state"}; None when it has no protection running."""
    expires = deal.protection_expires_at
    if deal.status != DealStatus.APPROVED or expires is None:
        return None
    seconds = (expires - timezone.now()).total_seconds()
    days = int(seconds // 86400)
    if seconds <= 0:
        text, state = _("protection ended"), "overdue"
    elif days < 1:
        text, state = _("ends today"), "soon"
    else:
        text = ngettext("%(count)d day left", "%(count)d days left", days) % {"count": days}
        state = "soon" if days <= PROTECTION_SOON_DAYS else "ok"
    return {"expires_at": expires, "days_left": max(days, 0), "text": text, "state": state}


@register.filter
def percent(score) -> str:
    try:
        return f"{round(float(score) * 100)}%"
    except (TypeError, ValueError):
        return ""


@register.filter
def event_label(kind: str) -> str:
    return page_reads.event_label(kind)


@register.simple_tag
def partner_deal_counts(tenant, membership) -> dict:
    """{% partner_deal_counts tenant membership as counts %} for a partner member's home."""
    if membership is None or not membership.is_partner_member:
        return {}
    return selectors.deal_counts_for_partner(
        tenant=tenant, partner_id=membership.partner_organisation_id
    )
