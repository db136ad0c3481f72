"""Reads for partner surveys: each person's invitations, and results per partner and for the
program (average satisfaction, NPS with its counts, response rate, comments, a monthly
trend). Every aggregate is one query."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from ecosystem.tenancy.models import Membership
from partners.models import PartnerOrganisation

from .models.sequences import SurveyInvitation

PROMOTER = Q(nps__gte=9)
DETRACTOR = Q(nps__lte=6)
ANSWERED = Q(answered_at__isnull=False)


def invitations(
    *, tenant, membership: Membership, filters: Mapping[str, Any] | None = None
) -> QuerySet[SurveyInvitation]:
    """Invitations the member may see: staff every one, partner people only their own.
    Filters: partner, occasion, answered (true|false)."""
    queryset = (
        SurveyInvitation.objects.for_tenant(tenant)
        .select_related("partner", "membership__user")
        .order_by("-sent_at", "-id")
    )
    if not membership.is_staff_member:
        queryset = queryset.filter(membership=membership)
    filters = filters or {}
    if filters.get("partner"):
        queryset = queryset.filter(partner_id=getattr(filters["partner"], "pk", filters["partner"]))
    if filters.get("occasion"):
        queryset = queryset.filter(occasion=filters["occasion"])
    if filters.get("answered") in (True, False):
        queryset = queryset.filter(answered_at__isnull=not filters["answered"])
    return queryset


def invitation_for(*, tenant, membership: Membership, pk) -> SurveyInvitation | None:
    return invitations(tenant=tenant, membership=membership).filter(pk=pk).first()


def nps_of(promoters: int, detractors: int, responses: int) -> int | None:
    """Net promoter score: % promoters (9–10) minus % detractors (0–6), rounded."""
    if not responses:
        return None
    return round((promoters - detractors) * 100 / responses)


@dataclass
class Results:
    invitations: int = 0
    responses: int = 0
    average_satisfaction: Decimal | None = None
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    nps: int | None = None
    comments: list[SurveyInvitation] = field(default_factory=list)
    trend: list[dict] = field(default_factory=list)

    @property
    def response_rate(self) -> int | None:
        return round(self.responses * 100 / self.invitations) if self.invitations else None


def _scope(tenant, partner_ids, since: datetime | None, until: datetime | None = None):
    rows = SurveyInvitation.objects.for_tenant(tenant)
    if partner_ids is not None:
        rows = rows.filter(partner_id__in=list(partner_ids))
    if since is not None:
        rows = rows.filter(sent_at__gte=since)
    if until is not None:
        rows = rows.filter(sent_at__lt=until)
    return rows


def _average(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def results(
    *,
    tenant,
    partner_ids: Iterable[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    comment_limit: int = 8,
) -> Results:
    """The survey results of the program (or of the given partners) for invitations sent in
    [since, until): three queries (totals, comments, monthly trend)."""
    rows = _scope(tenant, partner_ids, since, until)
    totals = rows.aggregate(
        invitations=Count("pk"),
        responses=Count("pk", filter=ANSWERED),
        average=Avg("satisfaction", filter=ANSWERED),
        promoters=Count("pk", filter=ANSWERED & PROMOTER),
        detractors=Count("pk", filter=ANSWERED & DETRACTOR),
    )
    answered = rows.filter(ANSWERED)
    comments = list(
        answered.exclude(comment="")
        .select_related("partner", "membership__user")
        .order_by("-answered_at", "-id")[:comment_limit]
    )
    trend = [
        {
            "month": row["month"],
            "responses": row["responses"],
            "average_satisfaction": _average(row["average"]),
            "nps": nps_of(row["promoters"], row["detractors"], row["responses"]),
        }
        for row in answered.annotate(
            month=TruncMonth("answered_at", tzinfo=timezone.get_current_timezone())
        )
        .values("month")
        .annotate(
            responses=Count("pk"),
            average=Avg("satisfaction"),
            promoters=Count("pk", filter=PROMOTER),
            detractors=Count("pk", filter=DETRACTOR),
        )
        .order_by("month")
    ]
    responses = totals["responses"]
    return Results(
        invitations=totals["invitations"],
        responses=responses,
        average_satisfaction=_average(totals["average"]),
        promoters=totals["promoters"],
        detractors=totals["detractors"],
        passives=responses - totals["promoters"] - totals["detractors"],
        nps=nps_of(totals["promoters"], totals["detractors"], responses),
        comments=comments,
        trend=trend[-12:],
    )


def results_by_partner(*, tenant, since: datetime | None = None) -> QuerySet[PartnerOrganisation]:
    """Partners that were surveyed, with their invitations, responses, average satisfaction
    and promoter/detractor counts (NPS is computed from these), lowest satisfaction first."""
    scope = Q(survey_invitations__sent_at__gte=since) if since else Q()
    answered = scope & Q(survey_invitations__answered_at__isnull=False)
    return (
        PartnerOrganisation.objects.for_tenant(tenant)
        .annotate(invitation_count=Count("survey_invitations", filter=scope))
        .filter(invitation_count__gt=0)
        .annotate(
            response_count=Count("survey_invitations", filter=answered),
            average_satisfaction=Avg("survey_invitations__satisfaction", filter=answered),
            promoters=Count(
                "survey_invitations",
                filter=answered & Q(survey_invitations__nps__gte=9),
            ),
            detractors=Count(
                "survey_invitations",
                filter=answered & Q(survey_invitations__nps__lte=6),
            ),
        )
        .order_by(F("average_satisfaction").asc(nulls_last=True), "name")
    )


def with_nps(partners) -> list[PartnerOrganisation]:
    """The rows of results_by_partner with their NPS set (`nps`, None without answers)."""
    rows = list(partners)
    for row in rows:
        row.nps = nps_of(row.promoters, row.detractors, row.response_count)
    return rows


def average_satisfaction(
    *, tenant, partner_ids: Iterable[int] | None = None, since: datetime | None = None
) -> dict[int, Decimal]:
    """{partner id: average satisfaction of answers given since `since`}, one query (the
    tier metric and analytics use it). Partners without answers are absent."""
    rows = SurveyInvitation.objects.for_tenant(tenant).filter(ANSWERED)
    if partner_ids is not None:
        rows = rows.filter(partner_id__in=list(partner_ids))
    if since is not None:
        rows = rows.filter(answered_at__gte=since)
    grouped = (
        rows.order_by()
        .values("partner_id")
        .annotate(average=Avg("satisfaction"))
        .values_list("partner_id", "average")
    )
    return {pk: _average(value) for pk, value in grouped if value is not None}  # type: ignore[misc]


def program_nps(*, tenant, since: datetime | None = None) -> int | None:
    return results(tenant=tenant, since=since, comment_limit=0).nps
