"""Reads for due diligence: lists, screening results, hits and compliance reviews.

Every read starts from the tenant's scope; screening is for vendor staff only (views and
viewsets require a compliance capability that no partner role holds)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import (
    CheckKind,
    ComplianceReview,
    ListStatus,
    PartnerApplication,
    RestrictedParty,
    RestrictedPartyList,
    ReviewStatus,
    ScreeningCheck,
    ScreeningHit,
    ScreeningRun,
)


def party_lists(*, tenant) -> QuerySet[RestrictedPartyList]:
    """Every uploaded list, newest first (the active one, replaced ones, previews)."""
    return (
        RestrictedPartyList.objects.for_tenant(tenant)
        .select_related("created_by")
        .defer("rows")
        .order_by("-created_at", "-id")
    )


def party_list_detail(*, tenant) -> QuerySet[RestrictedPartyList]:
    return RestrictedPartyList.objects.for_tenant(tenant).select_related("created_by")


def list_entries(*, tenant, party_list: RestrictedPartyList) -> QuerySet[RestrictedParty]:
    return RestrictedParty.objects.for_tenant(tenant).filter(party_list=party_list)


def active_list(*, tenant) -> RestrictedPartyList | None:
    return party_lists(tenant=tenant).filter(status=ListStatus.ACTIVE).first()


def _checks(tenant):
    return Prefetch(
        "checks",
        queryset=ScreeningCheck.objects.for_tenant(tenant)
        .select_related("hit__entry__party_list")
        .order_by("id"),
    )


def runs(*, tenant, filters: dict | None = None) -> QuerySet[ScreeningRun]:
    """Screening runs newest first, with their checks; filter by application or partner."""
    queryset = (
        ScreeningRun.objects.for_tenant(tenant)
        .select_related("partner", "party_list")
        .prefetch_related(_checks(tenant))
        .order_by("-created_at", "-id")
    )
    for field in ("application", "partner", "status", "trigger"):
        value = (filters or {}).get(field)
        if value not in (None, ""):
            queryset = queryset.filter(**{field: value})
    return queryset


def hits(*, tenant, partner_id: int | None = None) -> QuerySet[ScreeningHit]:
    queryset = (
        ScreeningHit.objects.for_tenant(tenant)
        .select_related("entry__party_list", "decided_by", "partner")
        .order_by("-score", "id")
    )
    if partner_id is not None:
        queryset = queryset.filter(partner_id=partner_id)
    return queryset


def application_panel(*, tenant, application: PartnerApplication) -> dict:
    """What the application page shows: the latest result of each check (submission or a
    later re-screening) and every hit on the partner with its disposition."""
    latest: dict[tuple[str, str], ScreeningCheck] = {}
    screened_at = None
    for run in runs(tenant=tenant, filters={"application": application.pk})[:20]:
        screened_at = screened_at or run.created_at
        for check in run.checks.all():
            latest.setdefault((check.kind, check.subject), check)
    order = list(CheckKind.values)
    return {
        "checks": sorted(latest.values(), key=lambda check: order.index(check.kind)),
        "screened_at": screened_at,
        "hits": list(hits(tenant=tenant, partner_id=application.partner_id)),
    }


def reviews(*, tenant, filters: dict | None = None) -> QuerySet[ComplianceReview]:
    """Compliance reviews, open ones first and oldest first; filter by status or partner."""
    queryset = (
        ComplianceReview.objects.for_tenant(tenant)
        .select_related("partner", "hit__entry__party_list", "assigned_to__user", "decided_by")
        .order_by("opened_at", "id")
    )
    filters = filters or {}
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("partner"):
        queryset = queryset.filter(partner_id=filters["partner"])
    if filters.get("assigned_to_me") and filters.get("membership") is not None:
        queryset = queryset.filter(assigned_to=filters["membership"])
    return queryset


def review_counts(*, tenant) -> dict[str, int]:
    return ComplianceReview.objects.for_tenant(tenant).aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in ReviewStatus.values}
    )
