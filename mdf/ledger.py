"""The primitives every MDF write shares: amounts, capability checks, ledger entries,
credits to allocations and releases of commitments."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from ecosystem.audit.services import record
from ecosystem.errors import NotAllowed, ValidationFailed
from ecosystem.outbox.services import emit
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import has_capability
from partners.models import PartnerOrganisation

from .models import Allocation, EntryKind, Fund, LedgerEntry

CENT = Decimal("0.01")


def require(actor: Membership, capability: str) -> None:
    if not has_capability(actor.role, capability):
        raise NotAllowed(_("Your role does not allow this."))


def money(value: Any, field: str) -> Decimal:
    """A positive amount with at most two decimals, or a 400 naming the field."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(_("Give an amount such as 2500.00."), field=field) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationFailed(_("Give an amount above zero."), field=field)
    if amount != amount.quantize(CENT):
        raise ValidationFailed(_("Use at most two decimals."), field=field)
    if amount >= Decimal("1e12"):
        raise ValidationFailed(_("That amount is too large."), field=field)
    return amount


def entry(*, fund, kind, amount, actor, allocation=None, request=None, claim=None, reason=""):
    """Append one money move to the ledger, in the fund's currency."""
    return LedgerEntry.objects.create(
        tenant=fund.tenant,
        fund=fund,
        allocation=allocation,
        request=request,
        claim=claim,
        kind=kind,
        amount=amount,
        currency=fund.currency,
        actor=getattr(actor, "user", actor),
        reason=reason,
    )


def release(*, request, amount, actor, reason: str, claim=None) -> None:
    """Give part of a request's commitment back to its allocation. After the fund's period
    ended, what is given back expires at once: nothing can be committed from it any more."""
    fund, allocation = request.allocation.fund, request.allocation
    entry(fund=fund, kind=EntryKind.RELEASE, amount=amount, actor=actor, allocation=allocation,
          request=request, claim=claim, reason=reason)  # fmt: skip
    if fund.expired_at is not None:
        entry(fund=fund, kind=EntryKind.EXPIRY, amount=amount, actor=None,
              allocation=allocation, request=request, claim=claim,
              reason=_("Released after the fund's period ended."))  # fmt: skip


def ineligibility(fund: Fund, partner: PartnerOrganisation) -> str:
    """Why the fund's restrictions leave the partner out, or "" when they do not."""
    if fund.partner_type and partner.partner_type != fund.partner_type:
        return _("This fund is for %(type)s partners only.") % {
            "type": fund.get_partner_type_display()
        }
    if fund.region and fund.region not in (partner.regions or []):
        return _("This fund is for partners in %(region)s only.") % {
            "region": fund.get_region_display()
        }
    return ""


def credit(*, fund: Fund, partner, amount, actor, source: str, note: str = "") -> Allocation:
    """Credit `amount` to the partner's allocation in the fund (created on first credit).
    The caller holds the fund's row lock and has checked what is left in it."""
    allocation, _created = Allocation.objects.for_tenant(fund.tenant).get_or_create(
        tenant=fund.tenant,
        fund=fund,
        partner=partner,
        defaults={"source": source, "note": note, "created_by": getattr(actor, "user", None)},
    )
    entry(fund=fund, kind=EntryKind.CREDIT, amount=amount, actor=actor, allocation=allocation,
          reason=note)  # fmt: skip
    record(
        tenant=fund.tenant,
        actor=getattr(actor, "user", None),
        action="mdf.allocated",
        obj=allocation,
        changes={"amount": str(amount), "source": source, "note": note},
    )
    emit(
        tenant=fund.tenant,
        name="mdf.allocated",
        obj=allocation,
        payload={"allocation_id": allocation.pk, "partner_id": partner.pk, "amount": str(amount)},
    )
    return allocation
