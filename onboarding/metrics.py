"""Training metrics for tier rules (partners.metrics registry): one aggregate query each.

A certification counts while it is unexpired and its holder is still an active member of
the partner that earned it.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.metrics import Unit, Values, metric

from .models.training import Course
from .training_selectors import active_certifications


def _course_id(tenant, parameter: str) -> int | None:
    """A requirement names its course by id or by exact title."""
    value = (parameter or "").strip()
    if not value:
        return None
    courses = Course.objects.for_tenant(tenant)
    if value.isdigit():
        found = courses.filter(pk=int(value)) if int(value) < 2**31 else courses.none()
    else:
        found = courses.filter(title__iexact=value)
    return found.values_list("pk", flat=True).first()


def _counted(rows, partner_ids, distinct_field: str) -> Values:
    if partner_ids is not None:
        rows = rows.filter(partner_id__in=partner_ids)
    grouped = (
        rows.values("partner_id")
        .annotate(n=Count(distinct_field, distinct=True))
        .values_list("partner_id", "n")
    )
    return {pk: Decimal(n) for pk, n in grouped}


def _per_partner(distinct_field: str, *, by_course: bool = False):
    """(tenant, since[, parameter]) -> a correlated count per PartnerOrganisation row."""

    def expression(*, tenant, since, parameter: str = ""):
        rows = active_certifications(tenant).filter(partner_id=OuterRef("pk"))
        if by_course:
            rows = rows.filter(course_id=_course_id(tenant, parameter) or 0)
        count = (
            rows.values("partner_id").annotate(n=Count(distinct_field, distinct=True)).values("n")
        )
        return Coalesce(Subquery(count), Value(0), output_field=IntegerField())

    return expression


@metric(
    "certified_individuals",
    label=_("Certified individuals"),
    unit=Unit.COUNT,
    description=_("People of the partner holding at least one unexpired certification."),
    windowed=False,
    per_partner=_per_partner("membership_id"),
)
def certified_individuals(*, tenant, partner_ids, since, parameter) -> Values:
    return _counted(active_certifications(tenant), partner_ids, "membership_id")


@metric(
    "active_certifications",
    label=_("Active certifications of a course"),
    unit=Unit.COUNT,
    description=_("Unexpired certifications of the named course held by the partner's people."),
    parameter_label=_("the course (its id or exact title)"),
    windowed=False,
    per_partner=_per_partner("pk", by_course=True),
)
def active_certifications_of_course(*, tenant, partner_ids, since, parameter) -> Values:
    course_id = _course_id(tenant, parameter)
    if course_id is None:
        return {}
    rows = active_certifications(tenant).filter(course_id=course_id)
    return _counted(rows, partner_ids, "pk")


# --- surveys ---------------------------------------------------------------------------------


SURVEY_WINDOW = timedelta(days=365)


def _survey_since(since):
    """A requirement without a window looks at the last 365 days of answers."""
    return since if since is not None else timezone.now() - SURVEY_WINDOW


def _average_satisfaction_per_partner(*, tenant, since, parameter: str = ""):
    from django.db.models import Avg, DecimalField

    from .models.sequences import SurveyInvitation

    rows = SurveyInvitation.objects.for_tenant(tenant).filter(
        partner_id=OuterRef("pk"), answered_at__isnull=False, answered_at__gte=_survey_since(since)
    )
    average = rows.order_by().values("partner_id").annotate(a=Avg("satisfaction")).values("a")
    return Coalesce(
        Subquery(average, output_field=DecimalField(max_digits=4, decimal_places=2)),
        Value(Decimal(0)),
        output_field=DecimalField(max_digits=4, decimal_places=2),
    )


@metric(
    "average_satisfaction",
    label=_("Average partner satisfaction"),
    unit=Unit.SCORE,
    description=_(
        "The average satisfaction (1–5) the partner's people gave in surveys answered in the "
        "window (the last 365 days unless the requirement says otherwise)."
    ),
    per_partner=_average_satisfaction_per_partner,
)
def average_satisfaction(*, tenant, partner_ids, since, parameter) -> Values:
    from .surveys_selectors import average_satisfaction as averages

    return averages(tenant=tenant, partner_ids=partner_ids, since=_survey_since(since))
