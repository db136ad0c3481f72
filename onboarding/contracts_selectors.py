"""Reads for partner agreements: templates, contracts as each member may see them, the
"has this partner signed?" question other areas ask, and tamper verification."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery

from ecosystem.audit.models import AuditEntry
from ecosystem.tenancy.models import Membership

from .contracts_services import local_today, sha256_of, stored_bytes
from .models.contracts import (
    IN_FORCE_STATUSES,
    AgreementTemplate,
    AgreementTemplateVersion,
    Contract,
    ContractStatus,
)


def templates(*, tenant, active_only: bool = False) -> QuerySet[AgreementTemplate]:
    """The program's templates with their current version number and term, and how many
    contracts were issued from them."""
    latest = (
        AgreementTemplateVersion.objects.for_tenant(tenant)
        .filter(template=OuterRef("pk"))
        .order_by("-version")
    )
    queryset = (
        AgreementTemplate.objects.for_tenant(tenant)
        .annotate(
            current_version=Max("versions__version"),
            current_term_months=Subquery(latest.values("term_months")[:1]),
            current_body=Subquery(latest.values("body")[:1]),
            contract_count=Subquery(
                Contract.objects.for_tenant(tenant)
                .filter(template=OuterRef("pk"))
                .order_by()
                .values("template")
                .annotate(count=Count("pk"))
                .values("count")[:1]
            ),
        )
        .order_by("name")
    )
    return queryset.filter(is_active=True) if active_only else queryset


def template_versions(*, tenant, template) -> QuerySet[AgreementTemplateVersion]:
    return (
        AgreementTemplateVersion.objects.for_tenant(tenant)
        .filter(template=template)
        .select_related("created_by")
        .annotate(contract_count=Count("contracts"))
        .order_by("-version")
    )


def contracts(
    *, tenant, membership: Membership, filters: Mapping[str, Any] | None = None
) -> QuerySet[Contract]:
    """Contracts the member may see: staff every one, partner people their own
    organisation's only. Filters: status, partner, template."""
    queryset = (
        Contract.objects.for_tenant(tenant)
        .select_related("template", "template_version", "partner", "signed_by", "countersigned_by")
        .order_by("-issued_at", "-id")
    )
    if not membership.is_staff_member:
        queryset = queryset.filter(partner_id=membership.partner_organisation_id)
    filters = filters or {}
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("partner"):
        queryset = queryset.filter(partner_id=getattr(filters["partner"], "pk", filters["partner"]))
    if filters.get("template"):
        queryset = queryset.filter(
            template_id=getattr(filters["template"], "pk", filters["template"])
        )
    return queryset


def contract_detail(*, tenant, membership: Membership, pk) -> Contract | None:
    return contracts(tenant=tenant, membership=membership).filter(pk=pk).first()


def status_counts(*, tenant, membership: Membership) -> dict[str, int]:
    rows = (
        contracts(tenant=tenant, membership=membership)
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
    )
    counts = {status: 0 for status in ContractStatus.values}
    for row in rows:
        counts[row["status"]] = row["count"]
    counts["total"] = sum(counts.values())
    return counts


def _in_force(tenant, partner, on: date | None) -> QuerySet[Contract]:
    day = on or local_today(tenant)
    return Contract.objects.for_tenant(tenant).filter(
        partner=partner,
        status__in=IN_FORCE_STATUSES,
        expiry_date__gt=day,
    )


def has_signed_contract(*, tenant, partner, template, on: date | None = None) -> bool:
    """Whether the partner has a signed (or countersigned) agreement from this template
    (any version) that has not expired on `on` (today in the tenant's zone by default)."""
    return _in_force(tenant, partner, on).filter(template=template).exists()


def signed_template_ids(*, tenant, partner, on: date | None = None) -> set[int]:
    """The templates the partner has a signed, unexpired agreement of, in one query (for
    checklists that ask about several templates at once)."""
    return set(_in_force(tenant, partner, on).values_list("template_id", flat=True))


def contract_history(*, tenant, contract) -> QuerySet[AuditEntry]:
    return (
        AuditEntry.objects.for_tenant(tenant)
        .filter(object_type=contract._meta.label_lower, object_id=str(contract.pk))
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class FileCheck:
    label: str
    recorded_sha256: str
    actual_sha256: str | None  # None: the file is missing

    @property
    def matches(self) -> bool:
        return self.actual_sha256 is not None and self.actual_sha256 == self.recorded_sha256


@dataclass(frozen=True)
class Verification:
    checks: list[FileCheck]

    @property
    def is_intact(self) -> bool:
        return all(check.matches for check in self.checks)


def _check(label: str, field, recorded: str) -> FileCheck:
    try:
        actual = sha256_of(stored_bytes(field)) if field else None
    except OSError:
        actual = None
    return FileCheck(label=label, recorded_sha256=recorded, actual_sha256=actual)


def verify_contract(contract: Contract) -> Verification:
    """Recompute the SHA-256 of the stored PDFs and compare them with the recorded ones:
    any difference means the file was altered (or lost) after it was recorded."""
    checks = [_check("document", contract.document, contract.document_sha256)]
    if contract.signed_pdf_sha256:
        checks.append(_check("signed_pdf", contract.signed_pdf, contract.signed_pdf_sha256))
    return Verification(checks=checks)
