"""Writes to market development funds. Every money move is a LedgerEntry, written under a
row lock on what it draws from, so the invariants hold under concurrent calls:

- allocations never exceed their fund (the fund row is locked while allocating);
- approved requests never exceed their allocation (the allocation row is locked while
  approving), and never exceed what was requested.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.audit.services import record
from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.notifications.services import notify
from ecosystem.outbox.services import emit
from ecosystem.tenancy.models import Membership
from partners.models import PartnerOrganisation, PartnerType, Region

from . import claim_services, period_services, selectors
from .ledger import credit, entry, ineligibility, money, require
from .models import (
    ActivityType,
    Allocation,
    AllocationSource,
    EntryKind,
    Fund,
    FundRequest,
    RequestStatus,
)

OPEN_REQUEST_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.CHANGES_REQUESTED)


# --- funds and allocations ----------------------------------------------------------------


@transaction.atomic
def create_fund(*, tenant, actor: Membership, data: dict[str, Any]) -> Fund:
    """A budget for a period (admins and finance)."""
    require(actor, "mdf.manage_funds")
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Name the fund.")]
    currency = str(data.get("currency") or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        errors["currency"] = [_("Give an ISO 4217 currency code such as USD.")]
    start, end = data.get("start_date"), data.get("end_date")
    if not isinstance(start, date):
        errors["start_date"] = [_("Give the first day of the period.")]
    if not isinstance(end, date):
        errors["end_date"] = [_("Give the last day of the period.")]
    elif isinstance(start, date) and end < start:
        errors["end_date"] = [_("The period cannot end before it starts.")]
    try:
        amount = money(data.get("amount"), "amount")
    except ValidationFailed as error:
        errors["amount"] = [error.message]
    region = str(data.get("region") or "")
    if region and region not in Region.values:
        errors["region"] = [_("Choose one of the program's regions, or none.")]
    partner_type = str(data.get("partner_type") or "")
    if partner_type and partner_type not in PartnerType.values:
        errors["partner_type"] = [_("Choose a partner type, or none.")]
    if errors:
        raise ValidationFailed(errors=errors)
    fund = Fund.objects.create(
        tenant=tenant,
        name=name,
        currency=currency,
        amount=amount,
        start_date=start,
        end_date=end,
        region=region,
        partner_type=partner_type,
        accrues=bool(data.get("accrues")),
        owner=actor.user,
    )
    period_services.schedule_fund_work(fund)
    record(tenant=tenant, actor=actor.user, action="mdf.fund_created", obj=fund)
    emit(tenant=tenant, name="mdf.fund_created", obj=fund, payload={"fund_id": fund.pk})
    return fund


@transaction.atomic
def allocate(
    *,
    tenant,
    actor: Membership | None,
    fund_id: int,
    partner_id: int,
    amount: Any,
    source: str = AllocationSource.MANUAL,
    note: str = "",
) -> Allocation:
    """Give a partner (more of) a fund. The fund is locked while its allocated total is
    checked, so two allocations at once never overspend it (409 for the one that would)."""
    if actor is not None:
        require(actor, "mdf.manage_funds")
    amount = money(amount, "amount")
    fund = Fund.objects.for_tenant(tenant).select_for_update().filter(pk=fund_id).first()
    if fund is None:
        raise NotFound(_("No such fund."))
    partner = PartnerOrganisation.objects.for_tenant(tenant).filter(pk=partner_id).first()
    if partner is None:
        raise ValidationFailed(_("No such partner in this program."), field="partner")
    problem = ineligibility(fund, partner)
    if problem:
        raise ValidationFailed(problem, field="partner")
    allocated = selectors.fund_allocated(fund)
    if allocated + amount > fund.amount:
        raise Conflict(
            _("Only %(left)s %(currency)s of this fund is left to allocate.")
            % {"left": fund.amount - allocated, "currency": fund.currency},
            field="amount",
        )
    allocation = credit(fund=fund, partner=partner, amount=amount, actor=actor, source=source,
                        note=note)  # fmt: skip
    return allocation


# --- requests -------------------------------------------------------------------------------


def own_open_allocation(tenant, actor: Membership, allocation_id) -> Allocation:
    """One of the actor's organisation's allocations whose fund is still open (400 else)."""
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
    return allocation


def request_fields(allocation: Allocation, data: dict) -> dict[str, Any]:
    """A request's fields from `data`, checked (a 400 naming every field that is wrong)."""
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
def submit_request(*, tenant, actor: Membership, allocation_id: int, data: dict) -> FundRequest:
    """A partner asks for pre-approval of an activity against its own allocation."""
    require(actor, "mdf.request")
    allocation = own_open_allocation(tenant, actor, allocation_id)
    request = FundRequest.objects.create(
        tenant=tenant, created_by=actor.user, **request_fields(allocation, data)
    )
    record(tenant=tenant, actor=actor.user, action="mdf.request_submitted", obj=request)
    emit(
        tenant=tenant,
        name="mdf.request_submitted",
        obj=request,
        payload={"request_id": request.pk, "partner_id": allocation.partner_id},
    )
    tell_reviewers(request, _("MDF request to review: %(partner)s, %(title)s"))
    return request


def tell_reviewers(request: FundRequest, title: str) -> None:
    """Tell the partner's reviewers a request waits for them (`title` names partner, title)."""
    partner = request.allocation.partner
    notify(
        tenant=request.tenant,
        recipients=claim_services.reviewers(request.tenant, partner),
        kind="mdf.request_submitted",
        title=title % {"partner": partner.name, "title": request.title},
        url=claim_services.request_url(request.pk),
    )


def _locked_request(tenant, request_id) -> FundRequest:
    request = (
        FundRequest.objects.for_tenant(tenant)
        .select_related("allocation__fund")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound(_("No such request."))
    # The allocation is the row every approval against it waits for.
    Allocation.objects.for_tenant(tenant).select_for_update().get(pk=request.allocation_id)
    request = FundRequest.objects.for_tenant(tenant).select_for_update().get(pk=request.pk)
    return request


def _decide(request: FundRequest, actor: Membership, status: str, reason: str) -> None:
    request.status = status
    request.decided_by = actor.user
    request.decided_at = timezone.now()
    request.decision_reason = reason
    request.save(
        update_fields=["status", "approved_amount", "decided_by", "decided_at", "decision_reason"]
    )


def _require_open(request: FundRequest) -> None:
    if request.status not in OPEN_REQUEST_STATUSES:
        raise Conflict(
            _("This request was already %(status)s.")
            % {"status": request.get_status_display().lower()}
        )


@transaction.atomic
def approve_request(
    *, tenant, actor: Membership, request_id: int, amount: Any = None, reason: str = ""
) -> FundRequest:
    """Approve a request, for the requested amount or less (with the reason). The amount is
    committed from the allocation; what is not left there is a 409, never an overspend."""
    require(actor, "mdf.review")
    request = _locked_request(tenant, request_id)
    _require_open(request)
    if request.allocation.fund.expired_at is not None:
        raise Conflict(_("The fund's period has ended; its unused money expired."))
    approved = request.requested_amount if amount in (None, "") else money(amount, "amount")
    if approved > request.requested_amount:
        raise ValidationFailed(
            _("Approve at most the %(amount)s requested.") % {"amount": request.requested_amount},
            field="amount",
        )
    reason = (reason or "").strip()
    if approved < request.requested_amount and not reason:
        raise ValidationFailed(_("Say why less than requested is approved."), field="reason")
    remaining = selectors.balances(tenant=tenant, allocation_ids=[request.allocation_id])[
        request.allocation_id
    ].remaining
    if approved > remaining:
        raise Conflict(
            _("Only %(left)s %(currency)s is left in this allocation.")
            % {"left": remaining, "currency": request.allocation.fund.currency},
            field="amount",
        )
    request.approved_amount = approved
    _decide(request, actor, RequestStatus.APPROVED, reason)
    claim_services.schedule_claim_deadline(request)
    entry(
        fund=request.allocation.fund,
        kind=EntryKind.COMMITMENT,
        amount=approved,
        actor=actor,
        allocation=request.allocation,
        request=request,
        reason=reason,
    )
    record(
        tenant=tenant,
        actor=actor.user,
        action="mdf.request_approved",
        obj=request,
        changes={"approved_amount": str(approved), "reason": reason},
    )
    emit(
        tenant=tenant,
        name="mdf.request_approved",
        obj=request,
        payload={"request_id": request.pk, "approved_amount": str(approved)},
    )
    claim_services.tell_partner(
        request,
        kind="mdf.request_approved",
        title=_("MDF request approved: %(title)s") % {"title": request.title},
        body=_("%(amount)s %(currency)s approved. %(reason)s After the activity, claim it with "
               "proof by %(deadline)s.")
        % {"amount": approved, "currency": request.allocation.fund.currency,
           "reason": reason, "deadline": request.claim_deadline},
    )  # fmt: skip
    return request


@transaction.atomic
def reject_request(*, tenant, actor: Membership, request_id: int, reason: str) -> FundRequest:
    """Reject with a reason the partner reads."""
    require(actor, "mdf.review")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the request is rejected."), field="reason")
    request = _locked_request(tenant, request_id)
    _require_open(request)
    _decide(request, actor, RequestStatus.REJECTED, reason)
    record(tenant=tenant, actor=actor.user, action="mdf.request_rejected", obj=request,
           changes={"reason": reason})  # fmt: skip
    emit(tenant=tenant, name="mdf.request_rejected", obj=request,
         payload={"request_id": request.pk, "reason": reason})  # fmt: skip
    claim_services.tell_partner(
        request,
        kind="mdf.request_rejected",
        title=_("MDF request rejected: %(title)s") % {"title": request.title},
        body=reason,
    )
    return request


@transaction.atomic
def request_changes(*, tenant, actor: Membership, request_id: int, message: str) -> FundRequest:
    """Send the request back to the partner with what to change."""
    require(actor, "mdf.review")
    message = (message or "").strip()
    if not message:
        raise ValidationFailed(_("Say what should change."), field="message")
    request = _locked_request(tenant, request_id)
    _require_open(request)
    _decide(request, actor, RequestStatus.CHANGES_REQUESTED, message)
    record(tenant=tenant, actor=actor.user, action="mdf.changes_requested", obj=request,
           changes={"message": message})  # fmt: skip
    claim_services.tell_partner(
        request,
        kind="mdf.request_changes_requested",
        title=_("Changes asked on your MDF request: %(title)s") % {"title": request.title},
        body=message,
    )
    return request
