"""Reads for the application pages and API."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from ecosystem.tenancy.guests import guest_landing
from ecosystem.tenancy.models import Membership

from .models import OPEN_APPLICATION_STATUSES, PartnerApplication

STATUS_FILTERS = {
    "open": Q(status__in=OPEN_APPLICATION_STATUSES),
    "all": Q(),
}


def applications(*, tenant) -> QuerySet[PartnerApplication]:
    """Every application of the tenant, best fit first, with what the queue shows."""
    return (
        PartnerApplication.objects.for_tenant(tenant)
        .select_related("partner", "applicant", "decided_by")
        .order_by("-fit_score", "submitted_at", "id")
    )


def review_queue(*, tenant, status: str = "open", query: str = "") -> QuerySet[PartnerApplication]:
    """The queue: open applications by default (or one status, or all), best fit first."""
    condition = STATUS_FILTERS.get(status or "open", Q(status=status))
    found = applications(tenant=tenant).filter(condition)
    if query:
        found = found.filter(
            Q(company_name__icontains=query)
            | Q(contact_name__icontains=query)
            | Q(contact_email__icontains=query)
            | Q(website__icontains=query)
        )
    return found


def status_counts(*, tenant) -> dict[str, int]:
    """How many applications are in each status (one query)."""
    rows = (
        PartnerApplication.objects.for_tenant(tenant)
        .values("status")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {row["status"]: row["count"] for row in rows}


def application_with_messages(*, tenant, pk: int) -> PartnerApplication | None:
    return applications(tenant=tenant).prefetch_related("messages__author").filter(pk=pk).first()


def application_of(*, tenant, user) -> PartnerApplication | None:
    """The person's latest application to the tenant, with its messages."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        PartnerApplication.objects.for_tenant(tenant)
        .filter(applicant=user)
        .select_related("partner")
        .prefetch_related("messages__author", "specialisations")
        .order_by("-submitted_at", "-id")
        .first()
    )


@guest_landing
def applicant_landing(tenant, user) -> str | None:
    """An applicant who is not (or not yet) a member follows their application."""
    if Membership.objects.for_tenant(tenant).filter(user=user, is_active=True).exists():
        return None
    if PartnerApplication.objects.for_tenant(tenant).filter(applicant=user).exists():
        return reverse("applications:mine")
    return None
