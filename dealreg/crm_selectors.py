"""Reads of CRM records and imports (vendor staff only: the callers check crm.view)."""

from __future__ import annotations

from django.db.models import Count, Q

from .models import CrmAccount, CrmImport, CrmOpportunity


def accounts(*, tenant, search: str = "", country: str = "", external_id: str = ""):
    """The tenant's CRM accounts by name, each with its number of opportunities."""
    queryset = (
        CrmAccount.objects.for_tenant(tenant)
        .annotate(opportunity_count=Count("opportunities"))
        .order_by("name", "id")
    )
    if external_id:
        queryset = queryset.filter(external_id=external_id)
    if country:
        queryset = queryset.filter(country=country.upper())
    if search:
        queryset = queryset.filter(
            Q(name__icontains=search)
            | Q(domain__icontains=search)
            | Q(external_id__icontains=search)
            | Q(owner__icontains=search)
        )
    return queryset


def opportunities(
    *,
    tenant,
    search: str = "",
    country: str = "",
    external_id: str = "",
    is_open: bool | None = None,
    account_id: int | None = None,
):
    """The tenant's CRM opportunities by name, with their account."""
    queryset = (
        CrmOpportunity.objects.for_tenant(tenant).select_related("account").order_by("name", "id")
    )
    if external_id:
        queryset = queryset.filter(external_id=external_id)
    if country:
        queryset = queryset.filter(customer_country=country.upper())
    if is_open is not None:
        queryset = queryset.filter(is_open=is_open)
    if account_id is not None:
        queryset = queryset.filter(account_id=account_id)
    if search:
        queryset = queryset.filter(
            Q(name__icontains=search)
            | Q(customer_name__icontains=search)
            | Q(customer_domain__icontains=search)
            | Q(external_id__icontains=search)
            | Q(owner__icontains=search)
        )
    return queryset


def imports(*, tenant):
    """The import history, newest first, without the stored rows (they can be large)."""
    return (
        CrmImport.objects.for_tenant(tenant)
        .select_related("created_by")
        .defer("rows")
        .order_by("-created_at", "-id")
    )


def import_detail(*, tenant):
    """Imports with their rows, for one import's preview or report."""
    return CrmImport.objects.for_tenant(tenant).select_related("created_by")


def counts(*, tenant) -> dict[str, int]:
    """How many accounts, opportunities and open opportunities the tenant holds."""
    totals = CrmOpportunity.objects.for_tenant(tenant).aggregate(
        opportunities=Count("id"), open_opportunities=Count("id", filter=Q(is_open=True))
    )
    return {"accounts": CrmAccount.objects.for_tenant(tenant).count(), **totals}
