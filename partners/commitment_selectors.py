"""Reads of tier commitments: one partner's, the program's totals, partners owed something."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext as _

from . import commitments
from .models import (
    CommitmentAttestation,
    CommitmentStatus,
    PartnerCommitment,
    PartnerOrganisation,
    Tier,
)

UNMET_STATUSES = (CommitmentStatus.NOT_MET, CommitmentStatus.UNVERIFIED)


@dataclass
class CommitmentLine:
    """One promised benefit of one partner, as pages and the API show it."""

    benefit: str
    label: str
    status: str
    detail: str
    tier: Tier | None
    checked_at: datetime | None
    since: datetime | None
    is_attestable: bool
    expected_value: Decimal | None = None
    value_label: str = ""
    last_attestation: CommitmentAttestation | None = None

    @property
    def status_label(self) -> str:
        return str(CommitmentStatus(self.status).label)


def commitments_for(*, tenant, partner) -> list[CommitmentLine]:
    """What the partner's tier promises, each with its stored verdict (in the registry's
    order). A benefit not evaluated yet (a new partner, a tier changed a moment ago) shows as
    unverified. Two queries at most."""
    promised = commitments.promised_by(partner.tier)
    if not promised:
        return []
    stored = {
        row.benefit: row
        for row in PartnerCommitment.objects.for_tenant(tenant)
        .filter(partner=partner)
        .select_related("tier")
    }
    attestable = [item.code for item in promised if item.is_attestable]
    latest: dict[str, CommitmentAttestation] = {}
    if attestable:
        for attestation in (
            CommitmentAttestation.objects.for_tenant(tenant)
            .filter(partner=partner, benefit__in=attestable)
            .select_related("attested_by")
            .order_by("-attested_on", "-id")
        ):
            latest.setdefault(attestation.benefit, attestation)
    lines = []
    for item in promised:
        row = stored.get(item.code)
        lines.append(
            CommitmentLine(
                benefit=item.code,
                label=item.label,
                status=row.status if row else CommitmentStatus.UNVERIFIED,
                detail=row.detail if row else _("Not checked yet; checked every night."),
                tier=row.tier if row else partner.tier,
                checked_at=row.checked_at if row else None,
                since=row.since if row else None,
                is_attestable=item.is_attestable,
                expected_value=item.attestation.expected(partner.tier)
                if item.attestation
                else None,
                value_label=str(item.attestation.value_label) if item.attestation else "",
                last_attestation=latest.get(item.code),
            )
        )
    return lines


def commitment_totals(*, tenant) -> list[dict]:
    """Per benefit: how many partners' commitments are met, not met or unverified, with bar
    widths in percent of the benefit's total (one query)."""
    counts: dict[str, dict[str, int]] = {}
    rows = (
        PartnerCommitment.objects.for_tenant(tenant)
        .values("benefit", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["benefit"], {})[row["status"]] = row["n"]
    known = [item.code for item in commitments.all_commitments()]
    totals = []
    for code in known + sorted(set(counts) - set(known)):
        by_status = counts.get(code, {})
        total = sum(by_status.values())
        found = commitments.get_commitment(code)
        totals.append(
            {
                "benefit": code,
                "label": found.label if found else code,
                "total": total,
                "counts": {status: by_status.get(status, 0) for status in CommitmentStatus.values},
                "bars": [
                    {
                        "key": status,
                        "label": label,
                        "value": by_status.get(status, 0),
                        "percent": round(100 * by_status.get(status, 0) / total) if total else 0,
                    }
                    for status, label in CommitmentStatus.choices
                ],
            }
        )
    return totals


def _as_id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def partners_with_unmet_commitments(
    *, tenant, search: str = "", benefit: str = "", status: str = "", tier: str = ""
):
    """Partners with at least one commitment not met or unverified (or only `status`), each
    with those commitments prefetched as `unmet_commitments`: three queries per page.

    Not-met first, then by name. Filter values that cannot match give no rows."""
    statuses: list[str] = list(UNMET_STATUSES)
    if status:
        statuses = [status] if status in UNMET_STATUSES else []
    wanted = PartnerCommitment.objects.for_tenant(tenant).filter(status__in=statuses)
    if benefit:
        wanted = wanted.filter(benefit=benefit)
    partners = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(Exists(wanted.filter(partner=OuterRef("pk"))))
        .select_related("tier", "channel_manager__user")
        .annotate(
            not_met_count=Count(
                "commitments",
                filter=Q(commitments__tenant=tenant, commitments__status=CommitmentStatus.NOT_MET),
            )
        )
        .prefetch_related(
            Prefetch(
                "commitments",
                queryset=wanted.order_by("status", "benefit"),
                to_attr="unmet_commitments",
            )
        )
    )
    if search:
        partners = partners.filter(name__icontains=search)
    if tier:
        partners = partners.filter(tier_id=_as_id(tier))
    return partners.order_by("-not_met_count", "name", "id")
