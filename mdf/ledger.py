"""The few primitives every MDF write shares: amounts, capability checks, ledger entries."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from ecosystem.errors import NotAllowed, ValidationFailed
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import has_capability

from .models import LedgerEntry

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
