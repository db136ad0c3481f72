"""The partner answers a request for changes: the request is edited, checked as a new one
is (mdf.services.request_fields), and goes back to review."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ecosystem.audit.services import record
from ecosystem.errors import Conflict, NotFound
from ecosystem.outbox.services import emit
from ecosystem.tenancy.models import Membership

from . import services
from .ledger import require
from .models import Allocation, FundRequest, RequestStatus

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
    allocation = services.own_open_allocation(tenant, actor, allocation_id)
    fields = services.request_fields(allocation, data)
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
    services.tell_reviewers(request, _("MDF request updated: %(partner)s, %(title)s"))
    return request


def _plain(value: Any) -> Any:
    if isinstance(value, Allocation):
        return value.pk
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value
