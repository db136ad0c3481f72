"""The partner answers a request for changes: the request is edited and goes back to review.

`mdf.services` has no edit today and submit_request's checks are inline there, so they are
repeated here (same rules, same messages, same fields named). When services.py exposes its
validation as a function, `_request_fields` should call it instead.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ecosystem.audit.services import record
from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.outbox.services import emit
from ecosystem.tenancy.models import Membership

from .ledger import money, require
from .models import ActivityType, Allocation, FundRequest, RequestStatus

EDITABLE_FIELDS = [
    "allocation",
    "activity_type",
    "title",
    "description",
    "start_date",
    "end_date",
    "requested_amount",
    "expected_leads",
    "expected_pipeline",
]


def _request_fields(allocation: Allocation, data: dict) -> dict[str, Any]:
    """The request's fields from `data`, checked as submit_request checks them (400 naming
    every field that is wrong)."""
    errors: dict[str, list[str]] = {}
    if data.get("activity_type") not in ActivityType.values:
        errors["activity_type"] = [_("Choose an activity type.")]
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("Give the activity a title.")]
    start, end = data.get("start_date"), data.get("end_date")
    if not isinstance(start, date) or not isinstance(end, date):
        errors["start_date"] = [_("Give the activity's first and last day.")]
    elif end < start:
        errors["end_date"] = [_("The activity cannot end before it starts.")]
    elif not allocation.fund.start_date <= start <= allocation.fund.end_date:
        errors["start_date"] = [
            _("The activity must start within the fund's period (%(start)s to %(end)s).")
            % {"start": allocation.fund.start_date, "end": allocation.fund.end_date}
        ]
    requested = None
    try:
        requested = money(data.get("requested_amount"), "requested_amount")
    except ValidationFailed as error:
        errors["requested_amount"] = [error.message]
    expected_leads = 0
    try:
        expected_leads = int(data.get("expected_leads") or 0)
        if not 0 <= expected_leads <= 1_000_000:
            raise ValueError
    except (TypeError, ValueError):
        errors["expected_leads"] = [_("Give a whole number of leads, 0 or more.")]
    pipeline = data.get("expected_pipeline")
    expected_pipeline = Decimal("0.00")
    if pipeline not in (None, "", 0, "0"):
        try:
            expected_pipeline = money(pipeline, "expected_pipeline")
        except ValidationFailed as error:
            errors["expected_pipeline"] = [error.message]
    if errors:
        raise ValidationFailed(errors=errors)
    return {
        "allocation": allocation,
        "activity_type": data["activity_type"],
        "title": title,
        "description": str(data.get("description") or ""),
        "start_date": start,
        "end_date": end,
        "requested_amount": requested,
        "expected_leads": expected_leads,
        "expected_pipeline": expected_pipeline,
    }


@transaction.atomic
def update_request(
    *, tenant, actor: Membership, request_id: int, allocation_id: int, data: dict
) -> FundRequest:
    """The partner edits a request sent back for changes; it goes back to review (status
    submitted, the old decision cleared: the history keeps what was asked)."""
    require(actor, "mdf.request")
    request = (
        FundRequest.objects.for_tenant(tenant)
        .select_for_update()
        .filter(pk=request_id, allocation__partner_id=actor.partner_organisation_id)
        .first()
    )
    if request is None:
        raise NotFound(_("No such request."))
    if request.status != RequestStatus.CHANGES_REQUESTED:
        raise Conflict(_("Only a request sent back for changes can be edited."))
    allocation = (
        Allocation.objects.for_tenant(tenant)
        .select_related("fund")
        .filter(pk=allocation_id, partner_id=actor.partner_organisation_id)
        .first()
    )
    if allocation is None:
        raise ValidationFailed(_("Choose one of your organisation's funds."), field="allocation")
    if allocation.fund.expired_at is not None:
        raise ValidationFailed(_("This fund's period has ended."), field="allocation")
    fields = _request_fields(allocation, data)
    before = {name: getattr(request, name) for name in EDITABLE_FIELDS}
    for name, value in fields.items():
        setattr(request, name, value)
    request.status = RequestStatus.SUBMITTED
    request.decision_reason = ""
    request.decided_by = None
    request.decided_at = None
    request.save()
    changed = {
        name: [_plain(before[name]), _plain(fields[name])]
        for name in EDITABLE_FIELDS
        if _plain(before[name]) != _plain(fields[name])
    }
    record(
        tenant=tenant,
        actor=actor.user,
        action="mdf.request_resubmitted",
        obj=request,
        changes=changed,
    )
    emit(
        tenant=tenant,
        name="mdf.request_resubmitted",
        obj=request,
        payload={"request_id": request.pk, "partner_id": allocation.partner_id},
    )
    return request


def _plain(value: Any) -> Any:
    if isinstance(value, Allocation):
        return value.pk
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value
