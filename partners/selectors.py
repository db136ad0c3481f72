"""Reads of partner organisations, applying the reader's visibility."""

from datetime import timedelta

from django.db import connection
from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone

from ecosystem.audit.models import AuditEntry
from ecosystem.tenancy.models import Invitation, Membership
from ecosystem.tenancy.roles import STAFF_ROLES

from .metrics import get_metric
from .models import (
    PartnerOrganisation,
    PartnerSpecialisation,
    PartnerStatus,
    PartnerStatusChange,
    Specialisation,
    Tier,
)


def partners_visible_to(*, tenant, membership):
    """Staff see every organisation; a partner member sees only their own."""
    partners = PartnerOrganisation.objects.for_tenant(tenant).select_related("tier")
    if membership is None:
        return partners.none()
    if membership.is_partner_member:
        return partners.filter(pk=membership.partner_organisation_id)
    return partners


SORTS: dict[str, list] = {
    "name": ["name"],
    "newest": ["-created_at", "name"],
    # Highest tier first; untiered partners last.
    "tier": [F("tier__rank").desc(nulls_last=True), "name"],
}


def json_list_contains(field: str, value: str) -> Q:
    """Rows whose JSON list `field` holds `value`, on PostgreSQL (containment, indexable)
    and on SQLite (the embedded default has no JSON containment: match the quoted item)."""
    if connection.features.supports_json_field_contains:
        return Q(**{f"{field}__contains": [value]})
    return Q(**{f"{field}__contains": f'"{value}"'})


def _as_id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def partner_list(
    *,
    tenant,
    membership,
    search: str = "",
    partner_type: str = "",
    status: str = "",
    tier: str = "",
    country: str = "",
    channel_manager: str = "",
    specialisation: str = "",
    region: str = "",
    sort: str = "name",
):
    """The staff directory: visible organisations with member counts, filtered and sorted.

    Filter values that cannot match (a non-numeric id, an unknown code) give no rows rather
    than an error. `tier=none` finds untiered partners.
    """
    partners = (
        partners_visible_to(tenant=tenant, membership=membership)
        .select_related("channel_manager__user")
        .annotate(member_count=Count("memberships", filter=Q(memberships__is_active=True)))
    )
    if search:
        partners = partners.filter(Q(name__icontains=search) | Q(website__icontains=search))
    if partner_type:
        partners = partners.filter(partner_type=partner_type)
    if status:
        partners = partners.filter(status=status)
    if country:
        partners = partners.filter(country=country.upper()[:2])
    if tier == "none":
        partners = partners.filter(tier__isnull=True)
    elif tier:
        partners = partners.filter(tier_id=_as_id(tier))
    if channel_manager:
        partners = partners.filter(channel_manager_id=_as_id(channel_manager))
    if specialisation:
        partners = partners.filter(
            pk__in=PartnerSpecialisation.objects.for_tenant(tenant)
            .filter(specialisation_id=_as_id(specialisation))
            .values("partner_id")
        )
    if region:
        partners = partners.filter(json_list_contains("regions", region))
    by_metric = sort_metric(sort)
    if by_metric is not None:
        since = timezone.now() - timedelta(days=METRIC_SORT_DAYS)
        return partners.annotate(
            sort_value=by_metric.per_partner(tenant=tenant, since=since)  # type: ignore[misc]
        ).order_by(F("sort_value").desc(), "name")
    return partners.order_by(*SORTS.get(sort, SORTS["name"]))


# Directory sorts by a metric (revenue, later engagement…) count the trailing year.
METRIC_SORT_DAYS = 365


def sort_metric(sort: str):
    """The metric a directory sort names (its code), if it can sort partners."""
    found = get_metric(sort) if sort else None
    return found if found is not None and found.per_partner is not None else None


def partner_export_rows(*, tenant, membership, filters: dict):
    """The filtered directory for CSV export, streamed in chunks with specialisation names
    prefetched per chunk: a bounded number of queries however many partners there are."""
    return (
        partner_list(tenant=tenant, membership=membership, **filters)
        .annotate(
            specialisation_count=Count("partnerspecialisation", distinct=True),
        )
        .prefetch_related(
            Prefetch(
                "specialisations",
                queryset=Specialisation.objects.for_tenant(tenant).order_by("name"),
            )
        )
    )


def partner_page(*, tenant, membership, pk):
    """One visible organisation with what its page shows in the same few queries."""
    return (
        partners_visible_to(tenant=tenant, membership=membership)
        .select_related("channel_manager__user", "primary_contact__user")
        .prefetch_related(
            Prefetch(
                "specialisations",
                queryset=Specialisation.objects.for_tenant(tenant).order_by("name"),
            )
        )
        .filter(pk=pk)
    )


def status_history(*, tenant, partner, limit: int = 20):
    """The partner's lifecycle changes, newest first, with who made them."""
    return (
        PartnerStatusChange.objects.for_tenant(tenant)
        .filter(partner=partner)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")[:limit]
    )


def recent_activity(*, tenant, partner, limit: int = 15):
    """The partner's own audit entries, newest first (one query)."""
    return (
        AuditEntry.objects.for_tenant(tenant)
        .filter(
            object_type=PartnerOrganisation._meta.label_lower,
            object_id=str(partner.pk),
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def channel_manager_choices(*, tenant):
    """Active staff memberships: who may manage partners' relationships."""
    return (
        Membership.objects.for_tenant(tenant)
        .filter(is_active=True, role__in=sorted(STAFF_ROLES))
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def contact_choices(*, tenant, partner):
    """The organisation's active people (a primary contact is one of them)."""
    return (
        Membership.objects.for_tenant(tenant)
        .filter(is_active=True, partner_organisation=partner)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def specialisations(*, tenant):
    return Specialisation.objects.for_tenant(tenant).order_by("name")


def specialisations_with_counts(*, tenant):
    """The catalogue with how many partners hold each specialisation."""
    return specialisations(tenant=tenant).annotate(
        partner_count=Count("partnerspecialisation", distinct=True)
    )


def listed_partners(
    *,
    tenant,
    region: str = "",
    country: str = "",
    partner_type: str = "",
    specialisation: str = "",
    tier: str = "",
):
    """Partners in the public locator and the partner directory: opted in and active.

    A filter only matches partners that chose to show that field: filtering by an unlisted
    field must not reveal it.
    """
    partners = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(is_listed=True, status=PartnerStatus.ACTIVE)
        .select_related("tier")
        .prefetch_related(
            Prefetch(
                "specialisations",
                queryset=Specialisation.objects.for_tenant(tenant).order_by("name"),
            )
        )
    )
    if partner_type:
        partners = partners.filter(partner_type=partner_type)
    if region:
        partners = partners.filter(
            json_list_contains("listed_fields", "regions") & json_list_contains("regions", region)
        )
    if country:
        code = country.upper()[:2]
        partners = partners.filter(
            json_list_contains("listed_fields", "countries_served"),
            countries_served__contains=code,
        )
    if specialisation:
        partners = partners.filter(
            json_list_contains("listed_fields", "specialisations"),
            pk__in=PartnerSpecialisation.objects.for_tenant(tenant)
            .filter(specialisation_id=_as_id(specialisation))
            .values("partner_id"),
        )
    if tier:
        partners = partners.filter(
            json_list_contains("listed_fields", "tier"), tier_id=_as_id(tier)
        )
    return partners.order_by("name")


def members_of(*, tenant, partner):
    return (
        Membership.objects.for_tenant(tenant)
        .filter(partner_organisation=partner)
        .select_related("user")
        .order_by("-is_active", "user__email")
    )


def pending_invitations(*, tenant, partner=None, staff_only: bool = False):
    from django.utils import timezone

    invitations = (
        Invitation.objects.for_tenant(tenant)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("partner_organisation", "invited_by")
    )
    if partner is not None:
        invitations = invitations.filter(partner_organisation=partner)
    elif staff_only:
        invitations = invitations.filter(partner_organisation__isnull=True)
    return invitations


def invitations_of(*, tenant, partner):
    """Every invitation into one organisation, in any state (for actions that must find a
    revoked or expired one and say so, rather than answer 404)."""
    return (
        Invitation.objects.for_tenant(tenant)
        .filter(partner_organisation=partner)
        .select_related("partner_organisation", "invited_by")
    )


def partner_names(*, tenant, ids) -> dict[int, str]:
    """{id: name} of the tenant's organisations among `ids` (for showing recorded ids)."""
    clean_ids = {value for value in ids if isinstance(value, int)}
    if not clean_ids:
        return {}
    return dict(
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(pk__in=clean_ids)
        .values_list("pk", "name")
    )


def partner_counts(*, tenant) -> dict:
    """Counts by status and by type, for the staff home."""
    rows = PartnerOrganisation.objects.for_tenant(tenant).values("status", "partner_type")
    by_status: dict[str, int] = {}
    by_type: dict[str, int] = {}
    for row in rows.annotate(n=Count("id")).order_by():
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        by_type[row["partner_type"]] = by_type.get(row["partner_type"], 0) + row["n"]
    return {"by_status": by_status, "by_type": by_type, "total": sum(by_status.values())}


def tiers(*, tenant):
    return Tier.objects.for_tenant(tenant).order_by("rank")
