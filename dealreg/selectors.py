"""Reads of deals, applying the reader's visibility.

Staff see every deal of the tenant. A partner member sees the deals its organisation
registered or takes part in (an active participant) and nothing else: another partner's
deal is a 404, and a duplicate pointing at it shows only kind, id, score and reasons.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import Role

from .models import (
    OPEN_STATUSES,
    Deal,
    DealAppeal,
    DealEvent,
    DealMatch,
    DealMessage,
    DealParticipant,
    DealStatus,
    ProtectionExtension,
    RequestStatus,
    VendorHelpRequest,
)
from .services import WARN_BEFORE_EXPIRY


def deals_visible_to(*, tenant, membership):
    deals = Deal.objects.for_tenant(tenant).select_related("partner", "assigned_to__user")
    if membership is None:
        return deals.none()
    if membership.is_partner_member:
        participating = DealParticipant.objects.for_tenant(tenant).filter(
            deal=OuterRef("pk"),
            partner_id=membership.partner_organisation_id,
            status=DealParticipant.Status.ACTIVE,
        )
        return deals.filter(
            Q(partner_id=membership.partner_organisation_id) | Exists(participating)
        )
    return deals


# "Expiring" on deal lists and the partner's home card: the partner has been warned.
EXPIRING_WINDOW = WARN_BEFORE_EXPIRY

SORTS = {
    "newest": ["-created_at", "-id"],
    "oldest": ["created_at", "id"],
    "amount": ["-amount", "-id"],
    "close": ["expected_close_date", "id"],
    "sla": ["review_due_at", "id"],
}


def _as_id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def deal_list(*, tenant, membership, filters: dict | None = None):
    """Deals the member may see, filtered: status, partner, assigned (me|none|<id>),
    overdue (1), expiring (1: approved, protection ends within EXPIRING_WINDOW), country,
    q (title or customer), sort (newest|oldest|amount|close|sla)."""
    filters = filters or {}
    deals = deals_visible_to(tenant=tenant, membership=membership).annotate(
        match_count=Count("matches", distinct=True)
    )
    status = filters.get("status")
    if status in DealStatus.values:
        deals = deals.filter(status=status)
    elif status == "open":
        deals = deals.filter(status__in=OPEN_STATUSES)
    partner_id = _as_id(filters.get("partner"))
    if partner_id:
        deals = deals.filter(partner_id=partner_id)
    assigned = filters.get("assigned")
    if assigned == "me":
        deals = deals.filter(assigned_to=membership)
    elif assigned == "none":
        deals = deals.filter(assigned_to__isnull=True)
    elif _as_id(assigned):
        deals = deals.filter(assigned_to_id=_as_id(assigned))
    if filters.get("overdue") in ("1", "true", True):
        deals = deals.filter(status=DealStatus.PENDING_REVIEW, review_due_at__lt=timezone.now())
    if filters.get("expiring") in ("1", "true", True):
        deals = deals.filter(
            status=DealStatus.APPROVED,
            protection_expires_at__lt=timezone.now() + EXPIRING_WINDOW,
        )
    if filters.get("duplicates") in ("1", "true", True):
        deals = deals.filter(match_count__gt=0)
    country = (filters.get("country") or "").upper()
    if len(country) == 2:
        deals = deals.filter(customer_country=country)
    query = (filters.get("q") or "").strip()
    if query:
        deals = deals.filter(Q(title__icontains=query) | Q(customer_name__icontains=query))
    return deals.order_by(*SORTS.get(filters.get("sort") or "", SORTS["newest"]))


def review_queue(*, tenant, membership, filters: dict | None = None):
    """Pending registrations, longest waiting first unless sorted otherwise, with their
    duplicate matches and the records they match loaded for a side-by-side view."""
    filters = {**(filters or {}), "status": DealStatus.PENDING_REVIEW}
    filters["sort"] = filters.get("sort") or "sla"
    matches = DealMatch.objects.for_tenant(tenant).select_related(
        "matched_deal__partner", "matched_opportunity"
    )
    return deal_list(tenant=tenant, membership=membership, filters=filters).prefetch_related(
        Prefetch("matches", queryset=matches)
    )


def deal_detail(*, tenant, membership, pk):
    """One deal with everything its page shows, or None when the member may not see it."""
    messages = DealMessage.objects.for_tenant(tenant).select_related("author")
    events = DealEvent.objects.for_tenant(tenant).select_related("actor")
    participants = DealParticipant.objects.for_tenant(tenant).select_related("partner__tier")
    matches = DealMatch.objects.for_tenant(tenant).select_related(
        "matched_deal__partner", "matched_opportunity"
    )
    help_requests = VendorHelpRequest.objects.for_tenant(tenant).select_related(
        "assigned_to__user", "requested_by"
    )
    return (
        deals_visible_to(tenant=tenant, membership=membership)
        .select_related(
            "registered_by", "decided_by", "partner__tier", "partner__channel_manager__user"
        )
        .prefetch_related(
            Prefetch("messages", queryset=messages),
            Prefetch("events", queryset=events),
            Prefetch("participants", queryset=participants),
            Prefetch("matches", queryset=matches),
            Prefetch("help_requests", queryset=help_requests),
            Prefetch(
                "appeals",
                queryset=DealAppeal.objects.for_tenant(tenant).select_related(
                    "reviewer__user", "decided_by"
                ),
            ),
            Prefetch(
                "extensions",
                queryset=ProtectionExtension.objects.for_tenant(tenant).select_related(
                    "requested_by", "decided_by"
                ),
            ),
        )
        .filter(pk=_as_id(pk) or 0)
        .first()
    )


def match_view(match: DealMatch, *, membership) -> dict:
    """A stored duplicate as the member may see it: staff see both records; a partner sees
    another partner's deal only as kind, id, score and reasons."""
    record = match.matched_deal if match.kind == "deal" else match.matched_opportunity
    visible = membership.is_staff_member or (
        isinstance(record, Deal) and record.partner_id == membership.partner_organisation_id
    )
    view = {
        "kind": match.kind,
        "id": record.pk if record is not None else None,
        "score": float(match.score),
        "reasons": match.reasons,
    }
    if visible and record is not None:
        view["record"] = record
    return view


def reviewers(*, tenant):
    return (
        Membership.objects.for_tenant(tenant)
        .filter(role__in=[Role.ADMIN, Role.CHANNEL_MANAGER], is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def queue_counts(*, tenant) -> dict:
    """Headline numbers for the review queue."""
    now = timezone.now()
    pending = Deal.objects.for_tenant(tenant).filter(status=DealStatus.PENDING_REVIEW)
    counts = pending.aggregate(
        pending=Count("pk"),
        overdue=Count("pk", filter=Q(review_due_at__lt=now)),
        due_soon=Count(
            "pk", filter=Q(review_due_at__gte=now, review_due_at__lt=now + timedelta(hours=12))
        ),
        unassigned=Count("pk", filter=Q(assigned_to__isnull=True)),
    )
    # Extensions are asked for on approved deals, so they are counted on their own.
    counts["extensions"] = pending_extensions(tenant=tenant).count()
    return counts


def pending_extensions(*, tenant):
    """Protection extension requests awaiting a decision, oldest first."""
    return (
        ProtectionExtension.objects.for_tenant(tenant)
        .filter(status=RequestStatus.PENDING)
        .select_related("deal__partner", "requested_by")
        .order_by("created_at", "id")
    )


def pending_appeals(*, tenant, membership):
    return (
        DealAppeal.objects.for_tenant(tenant)
        .filter(outcome="")
        .filter(
            Q(reviewer=membership)
            # An unassigned appeal goes to anyone but the person whose decision it contests.
            | (Q(reviewer__isnull=True) & ~Q(original_decider=membership.user))
        )
        .select_related("deal__partner")
    )


def deal_counts_for_partner(*, tenant, partner_id) -> dict:
    deals = Deal.objects.for_tenant(tenant).filter(partner_id=partner_id)
    return deals.aggregate(
        pending=Count("pk", filter=Q(status=DealStatus.PENDING_REVIEW)),
        approved=Count("pk", filter=Q(status=DealStatus.APPROVED)),
        won=Count("pk", filter=Q(status=DealStatus.WON)),
        expiring=Count(
            "pk",
            filter=Q(
                status=DealStatus.APPROVED,
                protection_expires_at__lt=timezone.now() + EXPIRING_WINDOW,
            ),
        ),
    )
