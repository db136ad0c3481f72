"""Reads of partner organisations, applying the reader's visibility."""

from django.db.models import Count, Q

from ecosystem.tenancy.models import Invitation, Membership

from .models import PartnerOrganisation, Tier


def partners_visible_to(*, tenant, membership):
    """Staff see every organisation; a partner member sees only their own."""
    partners = PartnerOrganisation.objects.for_tenant(tenant).select_related("tier")
    if membership is None:
        return partners.none()
    if membership.is_partner_member:
        return partners.filter(pk=membership.partner_organisation_id)
    return partners


def partner_list(*, tenant, membership, search: str = "", partner_type: str = "", status: str = ""):
    """The directory: visible organisations with member counts, filtered."""
    partners = partners_visible_to(tenant=tenant, membership=membership).annotate(
        member_count=Count("memberships", filter=Q(memberships__is_active=True))
    )
    if search:
        partners = partners.filter(Q(name__icontains=search) | Q(website__icontains=search))
    if partner_type:
        partners = partners.filter(partner_type=partner_type)
    if status:
        partners = partners.filter(status=status)
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
