"""Reads for the welcome sequence: steps, each partner's place in it, the overview, the
messages partner people received, and time to first deal registration (for analytics)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Count, DateTimeField, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ecosystem.tenancy.models import Membership
from partners.models import PartnerOrganisation, PartnerStatus, PartnerStatusChange

from .models.sequences import SequenceEnrolment, StepRun, StepRunStatus, WelcomeStep


def steps(*, tenant) -> QuerySet[WelcomeStep]:
    """The sequence's steps by day, with how often each was sent, skipped and is upcoming."""
    return (
        WelcomeStep.objects.for_tenant(tenant)
        .annotate(
            sent_count=Count("runs", filter=Q(runs__status=StepRunStatus.SENT)),
            skipped_count=Count("runs", filter=Q(runs__status=StepRunStatus.SKIPPED)),
            upcoming_count=Count("runs", filter=Q(runs__status=StepRunStatus.SCHEDULED)),
        )
        .order_by("day_offset", "id")
    )


def step_for_editor(*, tenant, pk) -> WelcomeStep | None:
    return steps(tenant=tenant).filter(pk=pk).first()


def enrolments(*, tenant, filters: Mapping[str, Any] | None = None) -> QuerySet[SequenceEnrolment]:
    """Every partner's run with its counts per status and the next step's due time.
    Filters: state (running|stopped|finished), partner."""
    filters = filters or {}
    queryset = (
        SequenceEnrolment.objects.for_tenant(tenant)
        .select_related("partner")
        .annotate(
            sent_count=Count("runs", filter=Q(runs__status=StepRunStatus.SENT)),
            skipped_count=Count("runs", filter=Q(runs__status=StepRunStatus.SKIPPED)),
            cancelled_count=Count("runs", filter=Q(runs__status=StepRunStatus.CANCELLED)),
            upcoming_count=Count("runs", filter=Q(runs__status=StepRunStatus.SCHEDULED)),
            next_due_at=Min("runs__due_at", filter=Q(runs__status=StepRunStatus.SCHEDULED)),
        )
        .order_by("-started_at", "-id")
    )
    state = filters.get("state")
    if state == "stopped":
        queryset = queryset.filter(stopped_at__isnull=False)
    elif state == "running":
        queryset = queryset.filter(stopped_at__isnull=True, upcoming_count__gt=0)
    elif state == "finished":
        queryset = queryset.filter(stopped_at__isnull=True, upcoming_count=0)
    if filters.get("partner"):
        queryset = queryset.filter(partner_id=getattr(filters["partner"], "pk", filters["partner"]))
    return queryset


def overview_counts(*, tenant) -> dict[str, int]:
    """How many partners are on the sequence, and the steps sent, skipped and upcoming."""
    runs = StepRun.objects.for_tenant(tenant).aggregate(
        sent=Count("pk", filter=Q(status=StepRunStatus.SENT)),
        skipped=Count("pk", filter=Q(status=StepRunStatus.SKIPPED)),
        cancelled=Count("pk", filter=Q(status=StepRunStatus.CANCELLED)),
        upcoming=Count("pk", filter=Q(status=StepRunStatus.SCHEDULED)),
    )
    partners = SequenceEnrolment.objects.for_tenant(tenant).aggregate(
        total=Count("pk"), stopped=Count("pk", filter=Q(stopped_at__isnull=False))
    )
    return {**runs, "partners": partners["total"], "stopped": partners["stopped"]}


def partner(*, tenant, pk) -> PartnerOrganisation | None:
    return PartnerOrganisation.objects.for_tenant(tenant).filter(pk=pk).first()


def enrolment_of(*, tenant, partner) -> SequenceEnrolment | None:
    return (
        SequenceEnrolment.objects.for_tenant(tenant)
        .select_related("started_by")
        .filter(partner=partner)
        .first()
    )


def timeline(*, tenant, partner) -> QuerySet[StepRun]:
    """The partner's steps in order: sent, skipped, cancelled and upcoming, with dates."""
    return (
        StepRun.objects.for_tenant(tenant)
        .filter(enrolment__partner=partner)
        .select_related("step")
        .order_by("due_at", "id")
    )


def message_for(*, tenant, membership: Membership, pk) -> StepRun | None:
    """A sent step as its recipients read it: staff see any, partner people only their own
    organisation's."""
    runs = (
        StepRun.objects.for_tenant(tenant)
        .filter(pk=pk, status=StepRunStatus.SENT)
        .select_related("step", "enrolment__partner")
    )
    if not membership.is_staff_member:
        runs = runs.filter(enrolment__partner_id=membership.partner_organisation_id)
    return runs.first()


# --- analytics -------------------------------------------------------------------------------


def _program_start(tenant):
    """When the partner entered onboarding or became active (its first such status change),
    else when it was created."""
    first_change = (
        PartnerStatusChange.objects.for_tenant(tenant)
        .filter(
            partner=OuterRef("pk"), to_status__in=[PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE]
        )
        .order_by("changed_at", "id")
        .values("changed_at")[:1]
    )
    return Coalesce(Subquery(first_change), "created_at", output_field=DateTimeField())


def time_to_first_deal(*, tenant, partner_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """{partner id: days from entering onboarding (or becoming active) to its first deal
    registration}, for partners that registered one; one query."""
    from dealreg.models import Deal

    first_deal = (
        Deal.objects.for_tenant(tenant)
        .filter(partner=OuterRef("pk"))
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    partners = PartnerOrganisation.objects.for_tenant(tenant)
    if partner_ids is not None:
        partners = partners.filter(pk__in=list(partner_ids))
    rows = (
        partners.annotate(
            started=_program_start(tenant),
            first_deal_at=Subquery(first_deal, output_field=DateTimeField()),
        )
        .filter(first_deal_at__isnull=False)
        .values_list("pk", "started", "first_deal_at")
    )
    return {
        pk: (Decimal(max((first - started).total_seconds(), 0)) / Decimal(86400)).quantize(
            Decimal("0.1")
        )
        for pk, started, first in rows
    }


def average_days_to_first_deal(*, tenant) -> Decimal | None:
    values = list(time_to_first_deal(tenant=tenant).values())
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"))
