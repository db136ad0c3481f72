"""Reads for onboarding checklists: templates, checklists and tasks as each member may see
them, and the program's onboarding numbers (completion rate, time to onboard)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, IntegerField, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, NullIf
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ecosystem.tenancy.models import Membership
from partners.models import PartnerOrganisation, PartnerStatus, PartnerStatusChange

from .models.applications import PartnerApplication
from .models.checklists import (
    ChecklistTask,
    ChecklistTemplate,
    ChecklistTemplateTask,
    PartnerChecklist,
    TaskKind,
    TaskStatus,
)

SORTS = {
    "oldest": ("started_at", "id"),
    "least_complete": ("percent_done", "started_at", "id"),
    "newest": ("-started_at", "-id"),
}


def templates(*, tenant) -> QuerySet[ChecklistTemplate]:
    return (
        ChecklistTemplate.objects.for_tenant(tenant)
        .annotate(task_count=Count("tasks"))
        .order_by("partner_type", "region", "name")
    )


def template_with_tasks(*, tenant, pk) -> ChecklistTemplate | None:
    return (
        templates(tenant=tenant)
        .prefetch_related(
            Prefetch(
                "tasks",
                queryset=ChecklistTemplateTask.objects.for_tenant(tenant)
                .select_related("agreement_template", "course")
                .order_by("position", "id"),
            )
        )
        .filter(pk=pk)
        .first()
    )


def _tasks(tenant) -> QuerySet[ChecklistTask]:
    return (
        ChecklistTask.objects.for_tenant(tenant)
        .select_related("agreement_template", "course", "completed_by")
        .order_by("position", "id")
    )


def checklists(
    *,
    tenant,
    membership: Membership,
    filters: Mapping[str, Any] | None = None,
    sort: str = "oldest",
) -> QuerySet[PartnerChecklist]:
    """Checklists the member may see (staff every one, partner people their organisation's),
    with task counts and the share of required tasks done. Filters: partner, is_complete,
    onboarding (the partner is still onboarding)."""
    required = Q(tasks__is_required=True)
    queryset = (
        PartnerChecklist.objects.for_tenant(tenant)
        .select_related("partner", "partner__channel_manager__user")
        .annotate(
            task_count=Count("tasks", distinct=True),
            settled_count=Count(
                "tasks", filter=Q(tasks__status__in=(TaskStatus.DONE, TaskStatus.WAIVED))
            ),
            required_count=Count("tasks", filter=required),
            required_done=Count("tasks", filter=required & Q(tasks__status=TaskStatus.DONE)),
        )
        .annotate(
            percent_done=Coalesce(
                F("required_done") * 100 / NullIf(F("required_count"), 0),
                100,
                output_field=IntegerField(),
            )
        )
    )
    if not membership.is_staff_member:
        queryset = queryset.filter(partner_id=membership.partner_organisation_id)
    filters = filters or {}
    if filters.get("partner"):
        queryset = queryset.filter(partner_id=getattr(filters["partner"], "pk", filters["partner"]))
    if filters.get("is_complete") is not None:
        queryset = queryset.filter(completed_at__isnull=not filters["is_complete"])
    if filters.get("onboarding"):
        queryset = queryset.filter(partner__status=PartnerStatus.ONBOARDING)
    return queryset.order_by(*SORTS.get(sort, SORTS["oldest"]))


def checklist_detail(*, tenant, membership: Membership, pk) -> PartnerChecklist | None:
    """One checklist (404 material when not the member's to see) with its tasks."""
    return (
        checklists(tenant=tenant, membership=membership)
        .prefetch_related(Prefetch("tasks", queryset=_tasks(tenant)))
        .filter(pk=pk)
        .first()
    )


def checklist_of_partner(*, tenant, partner_id) -> PartnerChecklist | None:
    return PartnerChecklist.objects.for_tenant(tenant).filter(partner_id=partner_id).first()


def tasks_visible_to(*, tenant, membership: Membership) -> QuerySet[ChecklistTask]:
    """Tasks the member may see: staff any, partner people their organisation's only."""
    queryset = _tasks(tenant).select_related("checklist")
    if not membership.is_staff_member:
        queryset = queryset.filter(checklist__partner_id=membership.partner_organisation_id)
    return queryset


def task_for(*, tenant, membership: Membership, pk) -> ChecklistTask | None:
    return tasks_visible_to(tenant=tenant, membership=membership).filter(pk=pk).first()


def partners_to_start(*, tenant) -> QuerySet[PartnerOrganisation]:
    """Partners onboarding without a checklist (created without an application, or before a
    template existed): staff start theirs by hand."""
    return (
        PartnerOrganisation.objects.for_tenant(tenant)
        .filter(status=PartnerStatus.ONBOARDING)
        .exclude(pk__in=PartnerChecklist.objects.for_tenant(tenant).values("partner_id"))
        .order_by("name")
    )


# --- analytics -------------------------------------------------------------------------------


def partner_completion_rate(*, tenant, partner_id) -> Decimal | None:
    """The share (0..1) of the partner's required tasks done; None without a checklist."""
    counts = (
        ChecklistTask.objects.for_tenant(tenant)
        .filter(checklist__partner_id=partner_id, is_required=True)
        .aggregate(total=Count("pk"), done=Count("pk", filter=Q(status=TaskStatus.DONE)))
    )
    if not PartnerChecklist.objects.for_tenant(tenant).filter(partner_id=partner_id).exists():
        return None
    if not counts["total"]:
        return Decimal(1)
    return (Decimal(counts["done"]) / Decimal(counts["total"])).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class ProgramCompletion:
    checklists: int
    completed: int
    required_tasks: int
    required_done: int

    @property
    def checklist_rate(self) -> Decimal | None:
        """The share of checklists completed."""
        if not self.checklists:
            return None
        return (Decimal(self.completed) / Decimal(self.checklists)).quantize(Decimal("0.0001"))

    @property
    def task_rate(self) -> Decimal | None:
        """The share of all required tasks done, across every checklist."""
        if not self.required_tasks:
            return None
        return (Decimal(self.required_done) / Decimal(self.required_tasks)).quantize(
            Decimal("0.0001")
        )


def program_completion(*, tenant) -> ProgramCompletion:
    """Checklist completion across the program, in two queries."""
    checklists_ = PartnerChecklist.objects.for_tenant(tenant).aggregate(
        total=Count("pk"), completed=Count("pk", filter=Q(completed_at__isnull=False))
    )
    tasks = (
        ChecklistTask.objects.for_tenant(tenant)
        .filter(is_required=True)
        .aggregate(total=Count("pk"), done=Count("pk", filter=Q(status=TaskStatus.DONE)))
    )
    return ProgramCompletion(
        checklists=checklists_["total"],
        completed=checklists_["completed"],
        required_tasks=tasks["total"],
        required_done=tasks["done"],
    )


def time_to_onboard(*, tenant) -> dict[int, timedelta]:
    """{partner id: time from its application's submission to its first move to active
    after it} for partners that applied and became active, in one query."""
    first_active = (
        PartnerStatusChange.objects.for_tenant(tenant)
        .filter(
            partner_id=OuterRef("partner_id"),
            to_status=PartnerStatus.ACTIVE,
            changed_at__gte=OuterRef("submitted_at"),
        )
        .order_by()
        .values("partner_id")
        .annotate(first=Min("changed_at"))
        .values("first")[:1]
    )
    rows = (
        PartnerApplication.objects.for_tenant(tenant)
        .filter(partner__isnull=False, submitted_at__isnull=False)
        .annotate(active_at=Subquery(first_active))
        .filter(active_at__isnull=False)
        .values_list("partner_id", "submitted_at", "active_at")
    )
    return {partner_id: active_at - submitted_at for partner_id, submitted_at, active_at in rows}


def average_time_to_onboard(*, tenant) -> timedelta | None:
    durations = list(time_to_onboard(tenant=tenant).values())
    if not durations:
        return None
    return sum(durations, timedelta()) / len(durations)


def next_step(task: ChecklistTask) -> str:
    """What the partner does next for a task, in one sentence."""
    if task.status == TaskStatus.WAIVED:
        return _("Nothing: the program waived this task.")
    if task.status == TaskStatus.DONE:
        return _("Nothing: done.")
    if task.kind == TaskKind.DOCUMENT_UPLOAD:
        return _("Upload a %(types)s file of at most %(size)s.") % {
            "types": "/".join(ext.upper() for ext in task.accepted_extensions),
            "size": filesizeformat((task.max_size_mb or 0) * 1024 * 1024),
        }
    if task.kind == TaskKind.FORM:
        return _("Fill in the form; the values are stored encrypted and shown masked.")
    if task.kind == TaskKind.AGREEMENT:
        name = task.agreement_template.name if task.agreement_template else ""
        return _("Sign “%(name)s” under Agreements once it is issued to you.") % {"name": name}
    if task.kind == TaskKind.TRAINING:
        title = task.course.title if task.course else ""
        return _("At least one of your people completes the course “%(title)s”.") % {"title": title}
    return _("Your channel manager confirms this task.")
