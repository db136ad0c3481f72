"""Reads for market development funds. Balances are derived from the ledger, in one
query for any number of allocations, so every page, export and API agrees."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce

from .models import (
    AccrualLine,
    AccrualRun,
    Claim,
    ClaimStatus,
    EntryKind,
    Fund,
    LedgerEntry,
    PayoutBatch,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Balance:
    allocated: Decimal = ZERO
    committed: Decimal = ZERO
    claimed: Decimal = ZERO
    paid: Decimal = ZERO
    expired: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        """What can still be committed to new requests."""
        return self.allocated - self.committed - self.expired


def _total(*kinds: str):
    return Coalesce(
        Sum("amount", filter=Q(kind__in=kinds)),
        Value(ZERO),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )


def balances(*, tenant, allocation_ids) -> dict[int, Balance]:
    """{allocation id: Balance}: credits less reversals allocated, commitments less
    releases committed, claims, payouts and expiries (one query)."""
    rows = (
        LedgerEntry.objects.for_tenant(tenant)
        .filter(allocation_id__in=list(allocation_ids))
        .values("allocation_id")
        .annotate(
            credits=_total(EntryKind.CREDIT),
            reversals=_total(EntryKind.REVERSAL),
            commitments=_total(EntryKind.COMMITMENT),
            releases=_total(EntryKind.RELEASE),
            claims=_total(EntryKind.CLAIM),
            payouts=_total(EntryKind.PAYOUT),
            expiries=_total(EntryKind.EXPIRY),
        )
        .order_by()
    )
    found = {
        row["allocation_id"]: Balance(
            allocated=row["credits"] - row["reversals"],
            committed=row["commitments"] - row["releases"],
            claimed=row["claims"],
            paid=row["payouts"],
            expired=row["expiries"],
        )
        for row in rows
    }
    return {allocation_id: found.get(allocation_id, Balance()) for allocation_id in allocation_ids}


def fund_allocated(fund: Fund) -> Decimal:
    """How much of the fund is allocated to partners (credits less reversals)."""
    totals = (
        LedgerEntry.objects.for_tenant(fund.tenant)
        .filter(fund=fund)
        .aggregate(credits=_total(EntryKind.CREDIT), reversals=_total(EntryKind.REVERSAL))
    )
    return totals["credits"] - totals["reversals"]


def allocated_by_partner(fund: Fund) -> dict[int, Decimal]:
    """{partner id: credits less reversals} in the fund (one query)."""
    rows = (
        LedgerEntry.objects.for_tenant(fund.tenant)
        .filter(fund=fund, allocation__isnull=False)
        .values("allocation__partner_id")
        .annotate(credits=_total(EntryKind.CREDIT), reversals=_total(EntryKind.REVERSAL))
        .order_by()
    )
    return {row["allocation__partner_id"]: row["credits"] - row["reversals"] for row in rows}


def payable_claims(*, tenant):
    """Approved claims waiting for payment, oldest decision first, with what finance shows."""
    return (
        Claim.objects.for_tenant(tenant)
        .filter(status=ClaimStatus.APPROVED)
        .select_related("request__allocation__partner", "request__allocation__fund")
        .order_by("decided_at", "pk")
    )


def payout_batches(*, tenant):
    """Batches of MDF claims, newest first, with their claim count and total."""
    return (
        PayoutBatch.objects.for_tenant(tenant)
        .select_related("created_by")
        .annotate(
            claim_count=Count("claims"),
            total=Coalesce(
                Sum("claims__approved_amount"),
                Value(ZERO),
                output_field=DecimalField(max_digits=16, decimal_places=2),
            ),
        )
        .filter(claim_count__gt=0)  # incentive statements' batches are listed with them
        .order_by("-created_at", "-pk")
    )


PAYOUT_CSV_HEADER = [
    "claim_id", "partner_id", "partner", "fund", "activity", "amount", "currency",
    "payment_reference", "payment_method", "paid_on", "status",
]  # fmt: skip


def payout_rows(claims) -> list[list[str]]:
    """Rows for accounts payable: one per claim, money as decimal strings (never floats)."""
    return [
        [
            str(claim.pk),
            str(claim.request.allocation.partner_id),
            claim.request.allocation.partner.name,
            claim.request.allocation.fund.name,
            claim.request.title,
            str(claim.approved_amount),
            claim.currency,
            claim.payment_reference,
            claim.payment_method,
            claim.paid_on.isoformat() if claim.paid_on else "",
            claim.status,
        ]
        for claim in claims
    ]


def batch_claims(*, tenant, batch_id: int):
    return (
        Claim.objects.for_tenant(tenant)
        .filter(payout_batch_id=batch_id)
        .select_related("request__allocation__partner", "request__allocation__fund")
        .order_by("pk")
    )


def accrual_report(*, tenant, fund_id: int) -> AccrualRun | None:
    """The fund's accrual run with its lines (partner, tier, revenue, % and outcome)."""
    return (
        AccrualRun.objects.for_tenant(tenant)
        .filter(fund_id=fund_id)
        .select_related("fund", "ran_by")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=AccrualLine.objects.for_tenant(tenant)
                .select_related("partner")
                .order_by("-allocated", "-earned", "partner__name"),
            )
        )
        .first()
    )
