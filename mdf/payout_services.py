"""Finance pays approved claims, one at a time or in a batch, each exactly once: the claim
row is locked and the ledger's payout entry is unique per claim, so a second attempt, however
concurrent, is a 409 and never a second payment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.audit.services import record
from ecosystem.errors import Conflict, ValidationFailed
from ecosystem.outbox.services import emit
from ecosystem.tenancy.models import Membership

from .claim_services import claim_url, locked_claim, tell_partner
from .ledger import entry, require
from .models import Claim, ClaimStatus, EntryKind, FundRequest, PayoutBatch, PayoutMethod


def _payment_fields(data: dict) -> tuple[str, str, date]:
    errors: dict[str, list[str]] = {}
    reference = str(data.get("reference") or "").strip()
    if not reference:
        errors["reference"] = [_("Give the payment reference from your payment system.")]
    elif len(reference) > 100:
        errors["reference"] = [_("Use at most 100 characters.")]
    method = str(data.get("method") or "")
    if method not in PayoutMethod.values:
        errors["method"] = [_("Choose how it was paid.")]
    paid_on = data.get("paid_on")
    if not isinstance(paid_on, date):
        errors["paid_on"] = [_("Give the payment date.")]
    elif paid_on > timezone.localdate() + timedelta(days=1):
        errors["paid_on"] = [_("The payment date cannot be in the future.")]
    if errors:
        raise ValidationFailed(errors=errors)
    assert isinstance(paid_on, date)
    return reference, method, paid_on


def _pay(
    claim: Claim,
    request: FundRequest,
    actor: Membership,
    reference,
    method,
    paid_on,
    batch: PayoutBatch | None = None,
) -> None:
    if claim.status == ClaimStatus.PAID:
        raise Conflict(
            _("Claim %(id)s was already paid (%(reference)s).")
            % {"id": claim.pk, "reference": claim.payment_reference}
        )
    if claim.status != ClaimStatus.APPROVED:
        raise Conflict(
            _("Claim %(id)s is %(status)s; only approved claims are paid.")
            % {"id": claim.pk, "status": claim.get_status_display().lower()}
        )
    assert claim.approved_amount is not None
    claim.status = ClaimStatus.PAID
    claim.payment_reference = reference
    claim.payment_method = method
    claim.paid_on = paid_on
    claim.paid_by = actor.user
    claim.payout_batch = batch
    claim.save()
    entry(
        fund=request.allocation.fund,
        kind=EntryKind.PAYOUT,
        amount=claim.approved_amount,
        actor=actor,
        allocation=request.allocation,
        request=request,
        claim=claim,
        reason=reference,
    )
    record(
        tenant=claim.tenant,
        actor=actor.user,
        action="mdf.claim_paid",
        obj=claim,
        changes={
            "amount": str(claim.approved_amount),
            "reference": reference,
            "method": method,
            "paid_on": paid_on.isoformat(),
        },
    )
    emit(
        tenant=claim.tenant,
        name="mdf.claim_paid",
        obj=claim,
        payload={
            "claim_id": claim.pk,
            "amount": str(claim.approved_amount),
            "currency": claim.currency,
            "reference": reference,
        },
    )
    tell_partner(
        request,
        kind="mdf.claim_paid",
        url=claim_url(claim.pk),
        title=_("Claim paid: %(title)s") % {"title": request.title},
        body=_("%(amount)s %(currency)s paid on %(date)s, reference %(reference)s.")
        % {
            "amount": claim.approved_amount,
            "currency": claim.currency,
            "date": paid_on,
            "reference": reference,
        },
    )


@transaction.atomic
def pay_claim(*, tenant, actor: Membership, claim_id: int, data: dict) -> Claim:
    """Finance marks one approved claim paid (reference, method, date). Paid once: a second
    attempt, however concurrent, is a 409."""
    require(actor, "mdf.pay")
    reference, method, paid_on = _payment_fields(data)
    request, claim = locked_claim(tenant, claim_id)
    _pay(claim, request, actor, reference, method, paid_on)
    return claim


@transaction.atomic
def pay_claims(*, tenant, actor: Membership, claim_ids: Iterable[int], data: dict) -> PayoutBatch:
    """Pay several approved claims as one batch, all or none: one that is not payable is a
    409 naming it, and nothing is paid."""
    require(actor, "mdf.pay")
    reference, method, paid_on = _payment_fields(data)
    try:
        ids = sorted({int(claim_id) for claim_id in claim_ids})
    except (TypeError, ValueError):
        raise ValidationFailed(_("Give a list of claim ids."), field="claims") from None
    if not ids:
        raise ValidationFailed(_("Choose the claims to pay."), field="claims")
    if len(ids) > 500:
        raise ValidationFailed(_("Pay at most 500 claims in one batch."), field="claims")
    request_ids = dict(
        Claim.objects.for_tenant(tenant).filter(pk__in=ids).values_list("pk", "request_id")
    )
    missing = [claim_id for claim_id in ids if claim_id not in request_ids]
    if missing:
        raise ValidationFailed(
            _("No such claims: %(ids)s.") % {"ids": ", ".join(map(str, missing))}, field="claims"
        )
    # Lock in one order (requests, then claims, by id) so concurrent batches cannot deadlock.
    requests = {
        request.pk: request
        for request in FundRequest.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("allocation__fund", "allocation__partner")
        .filter(pk__in=set(request_ids.values()))
        .order_by("pk")
    }
    claims = list(
        Claim.objects.for_tenant(tenant).select_for_update().filter(pk__in=ids).order_by("pk")
    )
    currencies = {claim.currency for claim in claims}
    if len(currencies) > 1:
        raise ValidationFailed(
            _("A batch is paid in one currency; these claims are in %(list)s.")
            % {"list": ", ".join(sorted(currencies))},
            field="claims",
        )
    batch = PayoutBatch.objects.create(
        tenant=tenant, reference=reference, method=method, paid_on=paid_on, created_by=actor.user
    )
    for claim in claims:
        _pay(claim, requests[claim.request_id], actor, reference, method, paid_on, batch)
    record(
        tenant=tenant,
        actor=actor.user,
        action="mdf.payout_batch",
        obj=batch,
        changes={
            "claims": ids,
            "total": str(sum((c.approved_amount or Decimal(0)) for c in claims)),
        },
    )
    return batch
