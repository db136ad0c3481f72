"""After the activity: claims with proof of performance, their review, and payouts.

The invariants, each enforced under a row lock and backed by the database:
- a request has at most one live claim (unique constraint), claimed within the deadline;
- an approved claim never exceeds its request's approved amount nor what was claimed
  (check constraint), and is entered in the ledger once (unique constraint);
- a claim is paid once (the claim row is locked; the ledger's payout is unique per claim).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealreg.models import Deal, Lead
from ecosystem.audit.services import record
from ecosystem.dates import local_start, local_today
from ecosystem.errors import Conflict, NotFound, ValidationFailed
from ecosystem.notifications.services import notify
from ecosystem.outbox.services import emit
from ecosystem.scheduling.services import cancel, schedule
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import Role
from ecosystem.uploads import validate_typed_file

from .ledger import entry, money, release, require
from .models import (
    Allocation,
    Claim,
    ClaimStatus,
    EntryKind,
    FundRequest,
    MdfSettings,
    ProofFile,
    ProofKind,
    RequestStatus,
)

PROOF_EXTENSIONS = frozenset({"pdf", "png", "jpg", "jpeg", "webp", "csv", "xlsx", "docx"})
MAX_PROOFS = 20
REMINDER_WORK = "mdf.claim_reminder"
DEADLINE_WORK = "mdf.claim_deadline"


def program_settings(tenant) -> MdfSettings:
    """The tenant's MDF settings, created with the defaults on first use."""
    found, _created = MdfSettings.objects.for_tenant(tenant).get_or_create(tenant=tenant)
    return found


SETTING_LIMITS = {
    "claim_deadline_days": (1, 365),
    "first_reminder_days": (0, 365),
    "last_reminder_days": (0, 365),
    "review_sla_days": (1, 90),
}


@transaction.atomic
def update_program_settings(*, tenant, actor: Membership, data: dict) -> MdfSettings:
    """Change the claim deadline, its reminders and the review SLA (fund owners). Requests
    approved from now on use the new deadline; those approved before keep theirs."""
    require(actor, "mdf.manage_funds")
    current = (
        MdfSettings.objects.for_tenant(tenant)
        .select_for_update()
        .get(pk=program_settings(tenant).pk)
    )
    errors: dict[str, list[str]] = {}
    values: dict[str, int] = {}
    for name, (low, high) in SETTING_LIMITS.items():
        try:
            values[name] = int(data.get(name, getattr(current, name)))
            if not low <= values[name] <= high:
                raise ValueError
        except (TypeError, ValueError):
            errors[name] = [
                _("Give a whole number of days from %(low)s to %(high)s.")
                % {"low": low, "high": high}
            ]
    if not errors:
        if values["first_reminder_days"] >= values["claim_deadline_days"]:
            errors["first_reminder_days"] = [_("Remind before the deadline, not after it.")]
        elif values["last_reminder_days"] > values["first_reminder_days"]:
            errors["last_reminder_days"] = [
                _("The last reminder comes after the first: give fewer days.")
            ]
    if errors:
        raise ValidationFailed(errors=errors)
    changes = {
        name: [getattr(current, name), value]
        for name, value in values.items()
        if getattr(current, name) != value
    }
    for name, value in values.items():
        setattr(current, name, value)
    current.save()
    record(tenant=tenant, actor=actor.user, action="mdf.settings_changed", obj=current,
           changes=changes)  # fmt: skip
    return current


def request_url(request_id: int) -> str:
    return f"/mdf/requests/{request_id}/"


def claim_url(claim_id: int) -> str:
    return f"/mdf/claims/{claim_id}/"


def partner_people(tenant, partner_id: int) -> list:
    """Who at the partner hears about its funds: administrators and marketers."""
    return [
        membership.user
        for membership in Membership.objects.for_tenant(tenant)
        .filter(
            partner_organisation_id=partner_id,
            role__in=[Role.PARTNER_ADMIN, Role.PARTNER_MARKETING],
            is_active=True,
        )
        .select_related("user")
    ]


def reviewers(tenant, partner) -> list:
    """The partner's channel manager, or else every channel and marketing manager."""
    if partner.channel_manager_id and partner.channel_manager.is_active:
        return [partner.channel_manager.user]
    return [
        membership.user
        for membership in Membership.objects.for_tenant(tenant)
        .filter(role__in=[Role.CHANNEL_MANAGER, Role.MARKETING_MANAGER], is_active=True)
        .select_related("user")
    ]


def finance_people(tenant) -> list:
    return [
        membership.user
        for membership in Membership.objects.for_tenant(tenant)
        .filter(role=Role.FINANCE, is_active=True)
        .select_related("user")
    ]


def tell_partner(request: FundRequest, *, kind: str, title: str, body: str = "", url="") -> None:
    recipients = partner_people(request.tenant, request.allocation.partner_id)
    if request.created_by_id:
        recipients.append(request.created_by)
    notify(
        tenant=request.tenant,
        recipients=recipients,
        kind=kind,
        title=title,
        body=body,
        url=url or request_url(request.pk),
    )


# --- deadlines --------------------------------------------------------------------------------


def schedule_claim_deadline(request: FundRequest) -> None:
    """On approval: the claim is due `claim_deadline_days` after the activity ends; the
    partner is reminded twice before, and the commitment lapses the day after."""
    program = program_settings(request.tenant)
    deadline = request.end_date + timedelta(days=program.claim_deadline_days)
    request.claim_deadline = deadline
    request.save(update_fields=["claim_deadline", "updated_at"])
    today = local_today(request.tenant)
    for label, days in (
        ("first", program.first_reminder_days),
        ("last", program.last_reminder_days),
    ):
        remind_on = deadline - timedelta(days=days)
        if days and remind_on >= today:
            schedule(
                tenant=request.tenant,
                kind=REMINDER_WORK,
                key=f"{request.pk}:{label}",
                due_at=local_start(request.tenant, remind_on, hour=9),
                payload={"request_id": request.pk, "days": days},
            )
    schedule(
        tenant=request.tenant,
        kind=DEADLINE_WORK,
        key=str(request.pk),
        due_at=local_start(request.tenant, deadline + timedelta(days=1)),
        payload={"request_id": request.pk},
    )


def _cancel_deadline_work(request: FundRequest) -> None:
    for label in ("first", "last"):
        cancel(tenant=request.tenant, kind=REMINDER_WORK, key=f"{request.pk}:{label}")
    cancel(tenant=request.tenant, kind=DEADLINE_WORK, key=str(request.pk))


def _has_live_claim(request: FundRequest) -> bool:
    return request.claims.exclude(status=ClaimStatus.REJECTED).exists()


def send_claim_reminder(*, tenant, request_id: int, days: int) -> bool:
    """Remind the partner of an unclaimed approved request (idempotent: nothing is sent
    once a claim is filed or the request lapsed)."""
    request = (
        FundRequest.objects.for_tenant(tenant)
        .select_related("allocation__partner", "created_by")
        .filter(pk=request_id)
        .first()
    )
    if request is None or request.status != RequestStatus.APPROVED or _has_live_claim(request):
        return False
    tell_partner(
        request,
        kind="mdf.claim_reminder",
        title=_("Claim due in %(days)s days: %(title)s") % {"days": days, "title": request.title},
        body=_(
            "File your claim with proof of performance by %(date)s, or the %(amount)s "
            "%(currency)s approved goes back to your fund."
        )
        % {
            "date": request.claim_deadline,
            "amount": request.approved_amount,
            "currency": request.allocation.fund.currency,
        },
    )
    return True


@transaction.atomic
def lapse_request(*, tenant, request_id: int, today: date | None = None) -> FundRequest | None:
    """The claim deadline passed with nothing claimed: the commitment goes back to the
    allocation (a release) and the request lapses. Idempotent; a live claim keeps it."""
    request = (
        FundRequest.objects.for_tenant(tenant)
        .select_related("allocation__fund", "allocation__partner")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        return None
    Allocation.objects.for_tenant(tenant).select_for_update().get(pk=request.allocation_id)
    request = (
        FundRequest.objects.for_tenant(tenant)
        .select_for_update()
        .select_related("allocation__fund", "allocation__partner")
        .get(pk=request.pk)
    )
    today = today or local_today(tenant)
    if (
        request.status != RequestStatus.APPROVED
        or request.claim_deadline is None
        or today <= request.claim_deadline
        or _has_live_claim(request)
    ):
        return None
    reason = _("No claim was filed by %(date)s.") % {"date": request.claim_deadline}
    request.status = RequestStatus.LAPSED
    request.save(update_fields=["status", "updated_at"])
    release(request=request, amount=request.approved_amount, actor=None, reason=reason)
    record(
        tenant=tenant,
        actor=None,
        action="mdf.request_lapsed",
        obj=request,
        changes={"released": str(request.approved_amount), "reason": reason},
    )
    emit(
        tenant=tenant,
        name="mdf.request_lapsed",
        obj=request,
        payload={"request_id": request.pk, "released": str(request.approved_amount)},
    )
    tell_partner(
        request,
        kind="mdf.request_lapsed",
        title=_("Claim deadline passed: %(title)s") % {"title": request.title},
        body=reason,
    )
    return request


# --- proof ------------------------------------------------------------------------------------


def validate_proof(upload, *, field: str = "proof") -> str:
    """A proof file of an accepted type and size (400 naming `field`, 413 when too large);
    returns its content type."""
    return validate_typed_file(
        upload,
        extensions=PROOF_EXTENSIONS,
        field=field,
        label=_("Upload proof as a PDF, PNG, JPEG or WebP image, CSV, XLSX or DOCX file."),
    )


def _store_proof(claim: Claim, actor: Membership, kind: str, upload) -> ProofFile:
    content_type = validate_proof(upload)
    proof = ProofFile(
        tenant=claim.tenant,
        claim=claim,
        kind=kind if kind in ProofKind.values else ProofKind.OTHER,
        file_name=(getattr(upload, "name", "") or "proof")[-255:],
        file_size=upload.size,
        content_type=content_type,
        uploaded_by=actor.user,
    )
    proof.file.save(proof.file_name, upload, save=False)
    proof.save()
    return proof


def _validated_proofs(proofs: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Check every file before anything is stored, so a bad one stores none."""
    proofs = [(kind, upload) for kind, upload in proofs if upload is not None]
    if len(proofs) > MAX_PROOFS:
        raise ValidationFailed(
            _("Attach at most %(count)s files.") % {"count": MAX_PROOFS}, field="proof"
        )
    for kind, upload in proofs:
        if kind not in ProofKind.values:
            raise ValidationFailed(_("Choose what the file proves."), field="proof_kind")
        validate_proof(upload)
    return proofs


# --- claims -----------------------------------------------------------------------------------


def _own_request(tenant, actor: Membership, request_id) -> FundRequest:
    request = (
        FundRequest.objects.for_tenant(tenant)
        .filter(pk=request_id, allocation__partner_id=actor.partner_organisation_id)
        .first()
    )
    if request is None:
        raise NotFound(_("No such request."))
    return request


def _claim_fields(request: FundRequest, actor: Membership, data: dict) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    try:
        fields["claimed_amount"] = money(data.get("claimed_amount"), "claimed_amount")
        if fields["claimed_amount"] > request.approved_amount:
            errors["claimed_amount"] = [
                _("Claim at most the %(amount)s %(currency)s approved.")
                % {"amount": request.approved_amount, "currency": request.allocation.fund.currency}
            ]
    except ValidationFailed as error:
        errors["claimed_amount"] = [error.message]
    try:
        fields["leads_generated"] = int(data.get("leads_generated") or 0)
        if not 0 <= fields["leads_generated"] <= 1_000_000:
            raise ValueError
    except (TypeError, ValueError):
        errors["leads_generated"] = [_("Give a whole number of leads, 0 or more.")]
    fields["results"] = str(data.get("results") or "").strip()[:5000]
    partner_id = request.allocation.partner_id
    for name, model in (("linked_leads", Lead), ("linked_deals", Deal)):
        try:
            ids = {int(value) for value in data.get(name) or []}
        except (TypeError, ValueError):
            errors[name] = [_("Give a list of ids.")]
            continue
        found = list(
            model.objects.for_tenant(request.tenant).filter(pk__in=ids, partner_id=partner_id)
        )
        if len(found) != len(ids):
            errors[name] = [_("Link only your organisation's own leads and deals.")]
        fields[name] = found
    if errors:
        raise ValidationFailed(errors=errors)
    return fields


def _lock_request(tenant, request_id) -> FundRequest:
    return (
        FundRequest.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("allocation__fund", "allocation__partner__channel_manager__user")
        .get(pk=request_id)
    )


@transaction.atomic
def submit_claim(
    *,
    tenant,
    actor: Membership,
    request_id: int,
    data: dict,
    proofs: Iterable[tuple[str, Any]] = (),
    today: date | None = None,
) -> Claim:
    """After the activity, the partner claims its actual cost (up to the approved amount)
    with proof of performance and its results, before the claim deadline. `today` is for
    recording a claim filed earlier (the demo's history); it defaults to the tenant's day."""
    require(actor, "mdf.request")
    request = _lock_request(tenant, _own_request(tenant, actor, request_id).pk)
    if request.status != RequestStatus.APPROVED:
        raise Conflict(_("Only an approved request can be claimed."))
    today = today or local_today(tenant)
    if today < request.end_date:
        raise Conflict(_("Claim after the activity ends on %(date)s.") % {"date": request.end_date})
    if request.claim_deadline and today > request.claim_deadline:
        raise Conflict(
            _("The claim deadline was %(date)s.") % {"date": request.claim_deadline},
            field="request",
        )
    if _has_live_claim(request):
        raise Conflict(_("This request already has a claim."))
    fields = _claim_fields(request, actor, data)
    proofs = _validated_proofs(proofs)
    if not proofs:
        raise ValidationFailed(
            _("Attach proof of performance: an invoice, photos, an attendee list or screenshots."),
            field="proof",
        )
    linked_leads, linked_deals = fields.pop("linked_leads"), fields.pop("linked_deals")
    claim = Claim.objects.create(
        tenant=tenant,
        request=request,
        currency=request.allocation.fund.currency,
        submitted_by=actor.user,
        **fields,
    )
    claim.linked_leads.set(linked_leads)
    claim.linked_deals.set(linked_deals)
    for kind, upload in proofs:
        _store_proof(claim, actor, kind, upload)
    record(
        tenant=tenant,
        actor=actor.user,
        action="mdf.claim_submitted",
        obj=claim,
        changes={"claimed_amount": str(claim.claimed_amount), "proofs": len(proofs)},
    )
    emit(
        tenant=tenant,
        name="mdf.claim_submitted",
        obj=claim,
        payload={
            "claim_id": claim.pk,
            "request_id": request.pk,
            "claimed_amount": str(claim.claimed_amount),
        },
    )
    notify(
        tenant=tenant,
        recipients=reviewers(tenant, request.allocation.partner),
        kind="mdf.claim_submitted",
        title=_("MDF claim to review: %(partner)s, %(title)s")
        % {"partner": request.allocation.partner.name, "title": request.title},
        url=claim_url(claim.pk),
    )
    return claim


def locked_claim(tenant, claim_id) -> tuple[FundRequest, Claim]:
    """The claim with its request locked first (the order every claim action takes)."""
    found = (
        Claim.objects.for_tenant(tenant).filter(pk=claim_id).values_list("request_id", flat=True)
    )
    request_id = found.first()
    if request_id is None:
        raise NotFound(_("No such claim."))
    request = _lock_request(tenant, request_id)
    claim = Claim.objects.for_tenant(tenant).select_for_update().get(pk=claim_id)
    claim.request = request
    return request, claim


@transaction.atomic
def update_claim(
    *,
    tenant,
    actor: Membership,
    claim_id: int,
    data: dict,
    proofs: Iterable[tuple[str, Any]] = (),
) -> Claim:
    """The partner answers a request for changes: new figures and/or more proof; the claim
    goes back to review. Proof already handed in stays."""
    require(actor, "mdf.request")
    request, claim = locked_claim(tenant, claim_id)
    if request.allocation.partner_id != actor.partner_organisation_id:
        raise NotFound(_("No such claim."))
    if claim.status != ClaimStatus.CHANGES_REQUESTED:
        raise Conflict(_("Only a claim sent back for changes can be edited."))
    fields = _claim_fields(request, actor, data)
    proofs = _validated_proofs(proofs)
    linked_leads, linked_deals = fields.pop("linked_leads"), fields.pop("linked_deals")
    for name, value in fields.items():
        setattr(claim, name, value)
    claim.status = ClaimStatus.SUBMITTED
    claim.save()
    claim.linked_leads.set(linked_leads)
    claim.linked_deals.set(linked_deals)
    for kind, upload in proofs:
        _store_proof(claim, actor, kind, upload)
    record(
        tenant=tenant,
        actor=actor.user,
        action="mdf.claim_resubmitted",
        obj=claim,
        changes={"claimed_amount": str(claim.claimed_amount), "new_proofs": len(proofs)},
    )
    notify(
        tenant=tenant,
        recipients=reviewers(tenant, request.allocation.partner),
        kind="mdf.claim_submitted",
        title=_("MDF claim updated: %(partner)s, %(title)s")
        % {"partner": request.allocation.partner.name, "title": request.title},
        url=claim_url(claim.pk),
    )
    return claim


@transaction.atomic
def add_proof(*, tenant, actor: Membership, claim_id: int, kind: str, upload) -> ProofFile:
    """More proof for a claim still under review or sent back (nothing is ever removed)."""
    require(actor, "mdf.request")
    request, claim = locked_claim(tenant, claim_id)
    if request.allocation.partner_id != actor.partner_organisation_id:
        raise NotFound(_("No such claim."))
    if claim.status not in (ClaimStatus.SUBMITTED, ClaimStatus.CHANGES_REQUESTED):
        raise Conflict(_("Proof can be added only while the claim is under review."))
    ((kind, upload),) = _validated_proofs([(kind or ProofKind.OTHER, upload)])
    if claim.proofs.count() >= MAX_PROOFS:
        raise ValidationFailed(
            _("A claim holds at most %(count)s files.") % {"count": MAX_PROOFS}, field="proof"
        )
    proof = _store_proof(claim, actor, kind, upload)
    record(
        tenant=tenant,
        actor=actor.user,
        action="mdf.proof_added",
        obj=claim,
        changes={"file": proof.file_name, "kind": proof.kind},
    )
    return proof


def _decide_claim(claim: Claim, actor: Membership, status: str, reason: str) -> None:
    claim.status = status
    claim.decided_by = actor.user
    claim.decided_at = timezone.now()
    claim.decision_reason = reason
    claim.save(
        update_fields=["status", "approved_amount", "decided_by", "decided_at", "decision_reason"]
    )


def _require_in_review(claim: Claim) -> None:
    if claim.status != ClaimStatus.SUBMITTED:
        raise Conflict(
            _("This claim is %(status)s, not waiting for review.")
            % {"status": claim.get_status_display().lower()}
        )


@transaction.atomic
def approve_claim(
    *, tenant, actor: Membership, claim_id: int, amount: Any = None, reason: str = ""
) -> Claim:
    """Approve the claim for what was claimed or less (with the reason). The claim enters
    the ledger; what the request committed beyond it goes back to the allocation."""
    require(actor, "mdf.review")
    request, claim = locked_claim(tenant, claim_id)
    _require_in_review(claim)
    assert request.approved_amount is not None  # an approved request has it
    approved = claim.claimed_amount if amount in (None, "") else money(amount, "amount")
    if approved > claim.claimed_amount:
        raise ValidationFailed(
            _("Approve at most the %(amount)s claimed.") % {"amount": claim.claimed_amount},
            field="amount",
        )
    if approved > request.approved_amount:
        raise Conflict(
            _("The request was approved for %(amount)s; a claim cannot exceed it.")
            % {"amount": request.approved_amount},
            field="amount",
        )
    reason = (reason or "").strip()
    if approved < claim.claimed_amount and not reason:
        raise ValidationFailed(_("Say why less than claimed is approved."), field="reason")
    claim.approved_amount = approved
    _decide_claim(claim, actor, ClaimStatus.APPROVED, reason)
    fund, allocation = request.allocation.fund, request.allocation
    entry(
        fund=fund,
        kind=EntryKind.CLAIM,
        amount=approved,
        actor=actor,
        allocation=allocation,
        request=request,
        claim=claim,
        reason=reason,
    )
    unused = request.approved_amount - approved
    if unused > 0:
        release(
            request=request,
            amount=unused,
            actor=actor,
            claim=claim,
            reason=_("Claimed less than approved."),
        )
    _cancel_deadline_work(request)
    record(
        tenant=tenant,
        actor=actor.user,
        action="mdf.claim_approved",
        obj=claim,
        changes={"approved_amount": str(approved), "reason": reason},
    )
    emit(
        tenant=tenant,
        name="mdf.claim_approved",
        obj=claim,
        payload={"claim_id": claim.pk, "approved_amount": str(approved)},
    )
    tell_partner(
        request,
        kind="mdf.claim_approved",
        url=claim_url(claim.pk),
        title=_("Claim approved: %(title)s") % {"title": request.title},
        body=_("%(amount)s %(currency)s will be paid by finance.")
        % {"amount": approved, "currency": claim.currency},
    )
    notify(
        tenant=tenant,
        recipients=finance_people(tenant),
        kind="mdf.claim_payable",
        title=_("MDF claim to pay: %(partner)s, %(amount)s %(currency)s")
        % {"partner": allocation.partner.name, "amount": approved, "currency": claim.currency},
        url="/mdf/payouts/",
        send_email=False,
    )
    return claim


@transaction.atomic
def reject_claim(*, tenant, actor: Membership, claim_id: int, reason: str) -> Claim:
    """Reject with a reason. The partner may claim again before the deadline; after it, the
    request lapses at once."""
    require(actor, "mdf.review")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the claim is rejected."), field="reason")
    request, claim = locked_claim(tenant, claim_id)
    _require_in_review(claim)
    _decide_claim(claim, actor, ClaimStatus.REJECTED, reason)
    record(
        tenant=tenant,
        actor=actor.user,
        action="mdf.claim_rejected",
        obj=claim,
        changes={"reason": reason},
    )
    emit(
        tenant=tenant,
        name="mdf.claim_rejected",
        obj=claim,
        payload={"claim_id": claim.pk, "reason": reason},
    )
    tell_partner(
        request,
        kind="mdf.claim_rejected",
        url=claim_url(claim.pk),
        title=_("Claim rejected: %(title)s") % {"title": request.title},
        body=reason,
    )
    lapse_request(tenant=tenant, request_id=request.pk)
    return claim


@transaction.atomic
def request_claim_changes(*, tenant, actor: Membership, claim_id: int, message: str) -> Claim:
    """Send the claim back to the partner with what to change or add."""
    require(actor, "mdf.review")
    message = (message or "").strip()
    if not message:
        raise ValidationFailed(_("Say what should change."), field="message")
    request, claim = locked_claim(tenant, claim_id)
    _require_in_review(claim)
    _decide_claim(claim, actor, ClaimStatus.CHANGES_REQUESTED, message)
    record(
        tenant=tenant,
        actor=actor.user,
        action="mdf.claim_changes_requested",
        obj=claim,
        changes={"message": message},
    )
    tell_partner(
        request,
        kind="mdf.claim_changes_requested",
        url=claim_url(claim.pk),
        title=_("Changes asked on your claim: %(title)s") % {"title": request.title},
        body=message,
    )
    return claim
