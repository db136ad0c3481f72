"""Reads for the MDF portal pages: the partner's fund page, the staff overview, request and
claim pages and the review queue. Each starts from `for_tenant(tenant)`, narrows to the
member's own organisation for partner people, and loads what its page shows in a bounded
number of queries (balances always come from mdf.selectors.balances)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import (
    CharField,
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from dealreg.models import Deal, Lead
from ecosystem.audit.models import AuditEntry
from ecosystem.tenancy.models import Membership

from . import selectors
from .models import (
    Allocation,
    Claim,
    ClaimStatus,
    Fund,
    FundRequest,
    RequestStatus,
)
from .selectors import Balance

ZERO = Decimal("0.00")
APPROVED_CLAIM_STATUSES = (ClaimStatus.APPROVED, ClaimStatus.PAID)
DECIDED_CLAIM_STATUSES = (ClaimStatus.APPROVED, ClaimStatus.PAID, ClaimStatus.REJECTED)
REQUEST_TYPE = "mdf.fundrequest"
CLAIM_TYPE = "mdf.claim"


def _own(membership: Membership) -> int | None:
    """The partner organisation a partner member is limited to (None for staff)."""
    return None if membership.is_staff_member else membership.partner_organisation_id or -1


# --- what a member may open ------------------------------------------------------------------


def visible_requests(*, tenant, membership: Membership) -> QuerySet[FundRequest]:
    """Every request for staff; the own organisation's for partner people."""
    requests = FundRequest.objects.for_tenant(tenant).select_related(
        "allocation__fund", "allocation__partner__tier", "created_by", "decided_by"
    )
    partner_id = _own(membership)
    if partner_id is not None:
        requests = requests.filter(allocation__partner_id=partner_id)
    return requests


def visible_claims(*, tenant, membership: Membership) -> QuerySet[Claim]:
    """Every claim for staff; the own organisation's for partner people."""
    claims = Claim.objects.for_tenant(tenant).select_related(
        "request__allocation__fund",
        "request__allocation__partner__tier",
        "submitted_by",
        "decided_by",
        "payout_batch",
    )
    partner_id = _own(membership)
    if partner_id is not None:
        claims = claims.filter(request__allocation__partner_id=partner_id)
    return claims


def claim_detail(*, tenant, membership: Membership, pk) -> Claim | None:
    """One claim with its proofs and linked leads and deals (None when not visible)."""
    return (
        visible_claims(tenant=tenant, membership=membership)
        .prefetch_related(
            Prefetch("proofs", queryset=_proofs(tenant)),
            Prefetch("linked_leads", queryset=Lead.objects.for_tenant(tenant)),
            Prefetch("linked_deals", queryset=Deal.objects.for_tenant(tenant)),
        )
        .filter(pk=pk)
        .first()
    )


def _proofs(tenant):
    from .models import ProofFile

    return ProofFile.objects.for_tenant(tenant).select_related("uploaded_by")


def proof_of(*, tenant, claim: Claim, proof_id):
    """A proof file of this claim, or None (another claim's proof is never served here)."""
    return _proofs(tenant).filter(claim=claim, pk=proof_id).first()


def claims_of_request(*, tenant, request: FundRequest) -> list[Claim]:
    """The request's claims, newest first (a rejected claim may be followed by another)."""
    return list(
        Claim.objects.for_tenant(tenant).filter(request=request).order_by("-submitted_at", "-id")
    )


def history(*, tenant, request: FundRequest, claims: list[Claim]) -> list[AuditEntry]:
    """The request's and its claims' audit entries, oldest first."""
    return list(
        AuditEntry.objects.for_tenant(tenant)
        .filter(
            Q(object_type=REQUEST_TYPE, object_id=str(request.pk))
            | Q(object_type=CLAIM_TYPE, object_id__in=[str(claim.pk) for claim in claims])
        )
        .order_by("created_at", "id")
    )


def allocation_balance(*, tenant, allocation_id: int) -> Balance:
    return selectors.balances(tenant=tenant, allocation_ids=[allocation_id])[allocation_id]


# --- the partner's fund page -----------------------------------------------------------------


def partner_allocations(*, tenant, partner_id: int) -> list[tuple[Allocation, Balance]]:
    """The organisation's allocations, newest fund first, each with its balance."""
    allocations = list(
        Allocation.objects.for_tenant(tenant)
        .filter(partner_id=partner_id)
        .select_related("fund")
        .order_by("-fund__start_date", "fund__name", "pk")
    )
    found = selectors.balances(tenant=tenant, allocation_ids=[item.pk for item in allocations])
    return [(allocation, found[allocation.pk]) for allocation in allocations]


def partner_requests(*, tenant, partner_id: int) -> QuerySet[FundRequest]:
    """The organisation's requests, newest first, with their claims (newest first)."""
    return (
        FundRequest.objects.for_tenant(tenant)
        .filter(allocation__partner_id=partner_id)
        .select_related("allocation__fund")
        .prefetch_related(
            Prefetch(
                "claims",
                queryset=Claim.objects.for_tenant(tenant).order_by("-submitted_at", "-id"),
            )
        )
        .order_by("-created_at", "-id")
    )


def linkable_leads(*, tenant, partner_id: int, limit: int = 100) -> QuerySet[Lead]:
    """The organisation's own leads a claim may name, newest first."""
    return (
        Lead.objects.for_tenant(tenant)
        .filter(partner_id=partner_id)
        .order_by("-created_at", "-id")[:limit]
    )


def linkable_deals(*, tenant, partner_id: int, limit: int = 100) -> QuerySet[Deal]:
    """The organisation's own deals a claim may name, newest first."""
    return (
        Deal.objects.for_tenant(tenant)
        .filter(partner_id=partner_id)
        .order_by("-created_at", "-id")[:limit]
    )


# --- the staff overview ----------------------------------------------------------------------


@dataclass(frozen=True)
class FundTotals:
    fund: Fund
    allocated: Decimal
    committed: Decimal
    claimed: Decimal
    paid: Decimal
    expired: Decimal
    remaining: Decimal  # in the allocations, not yet committed
    partners: int

    @property
    def unallocated(self) -> Decimal:
        return self.fund.amount - self.allocated


def funds(*, tenant) -> QuerySet[Fund]:
    return Fund.objects.for_tenant(tenant).order_by("-start_date", "name", "pk")


def fund_totals(*, tenant, funds_shown) -> list[FundTotals]:
    """The listed funds with their allocations' balances added up (two queries)."""
    funds_shown = list(funds_shown)
    by_fund: dict[int, list[int]] = defaultdict(list)
    for allocation_id, fund_id in (
        Allocation.objects.for_tenant(tenant)
        .filter(fund__in=funds_shown)
        .values_list("pk", "fund_id")
    ):
        by_fund[fund_id].append(allocation_id)
    found = selectors.balances(
        tenant=tenant, allocation_ids=[pk for ids in by_fund.values() for pk in ids]
    )
    rows = []
    for fund in funds_shown:
        parts = [found[pk] for pk in by_fund.get(fund.pk, [])]
        rows.append(
            FundTotals(
                fund=fund,
                allocated=sum((part.allocated for part in parts), ZERO),
                committed=sum((part.committed for part in parts), ZERO),
                claimed=sum((part.claimed for part in parts), ZERO),
                paid=sum((part.paid for part in parts), ZERO),
                expired=sum((part.expired for part in parts), ZERO),
                remaining=sum((part.remaining for part in parts), ZERO),
                partners=len(parts),
            )
        )
    return rows


# --- the review queue ------------------------------------------------------------------------


def waiting_requests(*, tenant) -> QuerySet[FundRequest]:
    """Requests waiting for a decision, oldest first. A resubmitted request waits from its
    resubmission (`updated_at`: nothing else saves a submitted request)."""
    return (
        FundRequest.objects.for_tenant(tenant)
        .filter(status=RequestStatus.SUBMITTED)
        .select_related("allocation__fund", "allocation__partner__tier")
        .annotate(waiting_since=F("updated_at"))
        .order_by("waiting_since", "pk")
    )


def waiting_claims(*, tenant) -> QuerySet[Claim]:
    """Claims waiting for a decision, oldest first; an updated claim waits from its latest
    resubmission (from the audit log), otherwise from its submission."""
    resubmitted = (
        AuditEntry.objects.for_tenant(tenant)
        .filter(
            action="mdf.claim_resubmitted",
            object_type=CLAIM_TYPE,
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return (
        Claim.objects.for_tenant(tenant)
        .filter(status=ClaimStatus.SUBMITTED)
        .select_related("request__allocation__fund", "request__allocation__partner__tier")
        .annotate(waiting_since=Coalesce(Subquery(resubmitted), F("submitted_at")))
        .order_by("waiting_since", "pk")
    )


def filter_requests(requests: QuerySet[FundRequest], filters: dict) -> QuerySet[FundRequest]:
    if filters.get("partner"):
        requests = requests.filter(allocation__partner_id=filters["partner"])
    if filters.get("activity_type"):
        requests = requests.filter(activity_type=filters["activity_type"])
    if filters.get("fund"):
        requests = requests.filter(allocation__fund_id=filters["fund"])
    return requests


def filter_claims(claims: QuerySet[Claim], filters: dict) -> QuerySet[Claim]:
    if filters.get("partner"):
        claims = claims.filter(request__allocation__partner_id=filters["partner"])
    if filters.get("activity_type"):
        claims = claims.filter(request__activity_type=filters["activity_type"])
    if filters.get("fund"):
        claims = claims.filter(request__allocation__fund_id=filters["fund"])
    return claims


def overdue_count(queryset, *, now: datetime, sla_days: int) -> int:
    return queryset.filter(waiting_since__lt=now - timedelta(days=sla_days)).count()


@dataclass(frozen=True)
class ClaimQuality:
    approved: int = 0
    rejected: int = 0
    changes_asked: int = 0
    approved_amount: Decimal = ZERO
    claimed_amount: Decimal = ZERO  # of decided claims

    @property
    def approved_percent(self) -> int | None:
        """Approved ÷ claimed over the partner's decided claims, or None before any."""
        if not self.claimed_amount:
            return None
        return round(self.approved_amount * 100 / self.claimed_amount)


def _money_sum(field: str, statuses) -> Coalesce:
    return Coalesce(
        Sum(field, filter=Q(status__in=statuses)),
        Value(ZERO),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )


def claim_quality(*, tenant, partner_ids) -> dict[int, ClaimQuality]:
    """Each partner's claim history: claims approved and rejected, times changes were asked
    (from the audit log, so a claim later approved still counts), approved ÷ claimed
    (two queries, whatever the number of partners)."""
    partner_ids = sorted(set(partner_ids))
    if not partner_ids:
        return {}
    totals = {
        row["request__allocation__partner_id"]: row
        for row in Claim.objects.for_tenant(tenant)
        .filter(request__allocation__partner_id__in=partner_ids)
        .values("request__allocation__partner_id")
        .annotate(
            approved=Count("pk", filter=Q(status__in=APPROVED_CLAIM_STATUSES)),
            rejected=Count("pk", filter=Q(status=ClaimStatus.REJECTED)),
            approved_total=_money_sum("approved_amount", APPROVED_CLAIM_STATUSES),
            claimed_total=_money_sum("claimed_amount", DECIDED_CLAIM_STATUSES),
        )
        .order_by()
    }
    claim_partner = Claim.objects.for_tenant(tenant).filter(
        pk=Cast(OuterRef("object_id"), output_field=IntegerField())
    )
    asked = dict(
        AuditEntry.objects.for_tenant(tenant)
        .filter(action="mdf.claim_changes_requested", object_type=CLAIM_TYPE)
        .annotate(partner_id=Subquery(claim_partner.values("request__allocation__partner_id")[:1]))
        .filter(partner_id__in=partner_ids)
        .values("partner_id")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("partner_id", "count")
    )
    result = {}
    for partner_id in partner_ids:
        row = totals.get(partner_id, {})
        result[partner_id] = ClaimQuality(
            approved=row.get("approved", 0),
            rejected=row.get("rejected", 0),
            changes_asked=asked.get(partner_id, 0),
            approved_amount=row.get("approved_total", ZERO),
            claimed_amount=row.get("claimed_total", ZERO),
        )
    return result


def queue_partner_options(*, tenant) -> list[tuple[int, str]]:
    """Partners with a request or claim waiting, for the filter."""
    requests = set(
        waiting_requests(tenant=tenant)
        .order_by()
        .values_list("allocation__partner_id", "allocation__partner__name")
        .distinct()
    )
    claims = set(
        Claim.objects.for_tenant(tenant)
        .filter(status=ClaimStatus.SUBMITTED)
        .order_by()
        .values_list("request__allocation__partner_id", "request__allocation__partner__name")
        .distinct()
    )
    return sorted(requests | claims, key=lambda item: (item[1].lower(), item[0]))


def fund_options(*, tenant) -> list[tuple[int, str]]:
    return list(funds(tenant=tenant).values_list("pk", "name"))


def payable_count(*, tenant) -> int:
    """Approved claims finance has still to pay (the payouts page lists the same)."""
    return selectors.payable_claims(tenant=tenant).order_by().count()
