"""Audience rules shared by assets, campaigns, co-brand templates and announcements.

Types and regions are JSON code lists; they are matched as quoted JSON strings with
`icontains`, which PostgreSQL and SQLite both run (SQLite has no JSON `contains` lookup).
Codes are plain slugs, so a quoted code cannot match inside another code.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from partners.models import PartnerOrganisation, PartnerStatus

from .models import Audience

# Partners who can see marketing at all: those in the program, not applicants or leavers.
RECEIVING_STATUSES = (PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE)


def _json_code(code: str) -> str:
    return f'"{code}"'


def audience_q(partner: PartnerOrganisation, grants: str = "grants") -> Q:
    """A filter on an audience-carrying model: the rows `partner` may see. `grants` names
    the model's named-partner grant relation."""
    condition = Q(audience=Audience.ALL)
    if partner.tier_id:
        condition |= Q(audience=Audience.TIERS, tiers=partner.tier_id)
    condition |= Q(
        audience=Audience.TYPES, partner_types__icontains=_json_code(partner.partner_type)
    )
    regions = Q()
    for region in partner.regions or []:
        regions |= Q(regions__icontains=_json_code(region))
    if regions:
        condition |= Q(audience=Audience.REGIONS) & regions
    condition |= Q(audience=Audience.NAMED, **{f"{grants}__partner": partner})
    return condition


def visible_to_partner(queryset: QuerySet, partner: PartnerOrganisation, grants="grants"):
    """`queryset` narrowed to what `partner` may see (distinct: the tier and grant joins
    can repeat a row)."""
    return queryset.filter(audience_q(partner, grants)).distinct()


def is_in_audience(obj, partner: PartnerOrganisation, grants: str = "grants") -> bool:
    """Whether `partner` is in `obj`'s audience (one query at most)."""
    return (
        type(obj)
        .objects.for_tenant(obj.tenant)
        .filter(audience_q(partner, grants), pk=obj.pk)
        .exists()
    )


def audience_partners(obj, grants: str = "grants") -> QuerySet[PartnerOrganisation]:
    """The partners in the program who are in `obj`'s audience."""
    partners = PartnerOrganisation.objects.for_tenant(obj.tenant).filter(
        status__in=RECEIVING_STATUSES
    )
    if obj.audience == Audience.ALL:
        return partners
    if obj.audience == Audience.TIERS:
        return partners.filter(tier__in=obj.tiers.all())
    if obj.audience == Audience.TYPES:
        return partners.filter(partner_type__in=obj.partner_types or [])
    if obj.audience == Audience.REGIONS:
        regions = Q(pk__in=[])
        for region in obj.regions or []:
            regions |= Q(regions__icontains=_json_code(region))
        return partners.filter(regions)
    granted = getattr(obj, grants).values("partner_id")
    return partners.filter(pk__in=granted)
