"""Reads for market development funds. Balances are derived from the ledger, in one
query for any number of allocations, so every page, export and API agrees."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from .models import EntryKind, Fund, LedgerEntry

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
