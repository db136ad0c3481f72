"""The tier commitment registry: the vendor's side of the tier bargain.

A tier promises benefits (a discount, MDF, lead priority, a named contact). Each promised
benefit is a *commitment* the vendor owes every partner at that tier, checked by one small,
self-contained, *set-based* function: given the tenant and the partners it applies to (with
their tier loaded), it returns {partner_id: Verdict(status, detail)} from a fixed number of
queries, however many partners there are. Apps register the checks they can answer:

    @commitment("named_contact", label=_("Named channel manager"),
                applies=lambda tier: tier.has_named_contact)
    def named_contact(*, tenant, partners): ...

A benefit can be *declared* before any app can check it (`declare`): it is then shown as
unverified with its `pending_text` until its app registers the check under the same code,
which keeps the declared label and test of the tier:

    @commitment("mdf_allocation")          # in mdf/commitments.py
    def mdf_allocation(*, tenant, partners): ...

Apps' `commitments.py` modules are imported at start-up (partners.apps).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecosystem.tenancy.models import Membership

from .models import CommitmentAttestation, CommitmentStatus


@dataclass(frozen=True)
class Verdict:
    status: str  # a CommitmentStatus
    detail: str = ""


Verdicts = dict[int, Verdict]
Check = Callable[..., Verdicts]
Applies = Callable[..., bool]  # (tier) -> does the tier promise this benefit?


@dataclass(frozen=True)
class Attestation:
    """A benefit staff confirm by hand: what the value means and what it should be."""

    value_label: str | Promise
    expected: Callable[..., Decimal]  # (tier) -> the value the tier promises
    minimum: Decimal = Decimal("0")
    maximum: Decimal = Decimal("100")
    valid_days: int = 365


@dataclass(frozen=True)
class Commitment:
    code: str
    label: str
    applies: Applies
    check: Check | None = None
    pending_text: str = ""  # shown while no check is registered
    attestation: Attestation | None = None

    @property
    def is_attestable(self) -> bool:
        return self.attestation is not None

    def verdicts(self, *, tenant, partners: list) -> Verdicts:
        """A verdict for each of `partners` (those whose tier promises the benefit)."""
        if not partners:
            return {}
        if self.check is None:
            pending = Verdict(CommitmentStatus.UNVERIFIED, str(self.pending_text))
            return {partner.pk: pending for partner in partners}
        found = self.check(tenant=tenant, partners=partners)
        missing = Verdict(CommitmentStatus.UNVERIFIED, _("Not checked yet."))
        return {partner.pk: found.get(partner.pk, missing) for partner in partners}


_registry: dict[str, Commitment] = {}


def declare(code: str, *, label, applies: Applies, pending_text, attestation=None) -> None:
    """A benefit tiers can promise whose check comes later (from another app). A check
    already registered under `code` is kept."""
    existing = _registry.get(code)
    _registry[code] = Commitment(
        code=code,
        label=str(label),
        applies=applies,
        check=existing.check if existing else None,
        pending_text=str(pending_text),
        attestation=attestation or (existing.attestation if existing else None),
    )


def commitment(
    code: str, *, label=None, applies: Applies | None = None, attestation=None
) -> Callable[[Check], Check]:
    """Register the check of a commitment. For a declared code, `label` and `applies` may
    be left out: the declaration's are kept."""

    def register(function: Check) -> Check:
        existing = _registry.get(code)
        if existing is None and (label is None or applies is None):
            raise ValueError(f"Commitment {code!r} is not declared: give label and applies")
        base = existing or Commitment(code=code, label=str(label), applies=applies)  # type: ignore[arg-type]
        _registry[code] = replace(
            base,
            label=str(label) if label is not None else base.label,
            applies=applies or base.applies,
            check=function,
            attestation=attestation or base.attestation,
        )
        return function

    return register


def get_commitment(code: str) -> Commitment | None:
    return _registry.get(code)


def all_commitments() -> list[Commitment]:
    """Every declared or registered commitment, in the order they were first declared."""
    return list(_registry.values())


def promised_by(tier) -> list[Commitment]:
    """The commitments `tier` makes (none without a tier)."""
    if tier is None:
        return []
    return [item for item in _registry.values() if item.applies(tier)]


def unregister_check(code: str) -> None:
    """Forget a registered check (tests); a declared commitment goes back to pending."""
    existing = _registry.get(code)
    if existing is None:
        return
    if existing.pending_text:
        _registry[code] = replace(existing, check=None)
    else:
        del _registry[code]


def evaluate(*, tenant, partners: Iterable) -> dict[int, dict[str, Verdict]]:
    """{partner_id: {code: Verdict}} for every commitment each partner's tier makes: one
    call of each check for all the partners it applies to."""
    partners = list(partners)
    result: dict[int, dict[str, Verdict]] = {partner.pk: {} for partner in partners}
    for item in all_commitments():
        applicable = [p for p in partners if p.tier is not None and item.applies(p.tier)]
        for partner_id, verdict in item.verdicts(tenant=tenant, partners=applicable).items():
            result[partner_id][item.code] = verdict
    return result


# --- Commitments the partners app declares and checks ------------------------------------------


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _long_date(value: date) -> str:
    return date_format(value, "j F Y")


DISCOUNT = Attestation(
    value_label=gettext_lazy("Discount (%)"),
    expected=lambda tier: tier.discount_percent,
)


@commitment(
    "discount",
    label=gettext_lazy("Discount"),
    applies=lambda tier: tier.discount_percent > 0,
    attestation=DISCOUNT,
)
def discount(*, tenant, partners) -> Verdicts:
    """There is no pricing system to read, so staff attest that the tier's discount is
    configured (e.g. in the price book). Met while the latest attestation names the tier's
    percentage and is under a year old; otherwise unverified, saying what to do."""
    latest: dict[int, tuple[date, Decimal]] = {}
    rows = (
        CommitmentAttestation.objects.for_tenant(tenant)
        .filter(partner_id__in=[p.pk for p in partners], benefit="discount")
        .order_by("partner_id", "-attested_on", "-id")
        .values_list("partner_id", "attested_on", "value")
    )
    for partner_id, attested_on, value in rows:
        latest.setdefault(partner_id, (attested_on, value))
    today = timezone.localdate()
    verdicts = {}
    for partner in partners:
        promised = _percent(partner.tier.discount_percent)
        found = latest.get(partner.pk)
        if found is None:
            verdicts[partner.pk] = Verdict(
                CommitmentStatus.UNVERIFIED,
                _(
                    "Nobody has confirmed the %(n)s%% discount yet. Staff: check it is "
                    "configured for this partner (e.g. in the price book) and record an "
                    "attestation."
                )
                % {"n": promised},
            )
            continue
        attested_on, value = found
        valid_until = attested_on + timedelta(days=DISCOUNT.valid_days)
        if value != partner.tier.discount_percent:
            verdicts[partner.pk] = Verdict(
                CommitmentStatus.UNVERIFIED,
                _(
                    "The last attestation (%(date)s) confirmed a %(old)s%% discount, but "
                    "%(tier)s promises %(n)s%%. Staff: configure %(n)s%% (e.g. in the price "
                    "book) and record a new attestation."
                )
                % {
                    "date": _long_date(attested_on),
                    "old": _percent(value),
                    "tier": partner.tier.name,
                    "n": promised,
                },
            )
        elif valid_until < today:
            verdicts[partner.pk] = Verdict(
                CommitmentStatus.UNVERIFIED,
                _(
                    "The %(n)s%% discount was last confirmed on %(date)s; attestations last "
                    "%(days)s days. Staff: check it is still configured and record a new "
                    "attestation."
                )
                % {"n": promised, "date": _long_date(attested_on), "days": DISCOUNT.valid_days},
            )
        else:
            verdicts[partner.pk] = Verdict(
                CommitmentStatus.MET,
                _("%(n)s%% discount confirmed on %(date)s (next check by %(until)s).")
                % {
                    "n": promised,
                    "date": _long_date(attested_on),
                    "until": _long_date(valid_until),
                },
            )
    return verdicts


declare(
    "mdf_allocation",
    label=gettext_lazy("MDF allocation"),
    applies=lambda tier: tier.mdf_accrual_percent > 0,
    pending_text=gettext_lazy("Unverified — measured once MDF is in use."),
)
declare(
    "lead_priority",
    label=gettext_lazy("Lead priority"),
    applies=lambda tier: tier.lead_priority_weight != 1,
    pending_text=gettext_lazy("Unverified — measured once leads are in use."),
)


@commitment(
    "named_contact",
    label=gettext_lazy("Named channel manager"),
    applies=lambda tier: tier.has_named_contact,
)
def named_contact(*, tenant, partners) -> Verdicts:
    """Met when the partner has a channel manager who is an active member of the vendor's
    staff (one query for every partner)."""
    manager_ids = {p.channel_manager_id for p in partners if p.channel_manager_id}
    managers = {
        membership.pk: membership
        for membership in Membership.objects.for_tenant(tenant)
        .filter(pk__in=manager_ids)
        .select_related("user")
    }
    verdicts = {}
    for partner in partners:
        manager = managers.get(partner.channel_manager_id)
        if manager is None:
            verdicts[partner.pk] = Verdict(
                CommitmentStatus.NOT_MET, _("No channel manager assigned.")
            )
            continue
        name = manager.user.get_full_name()
        if not (manager.is_active and manager.user.is_active):
            verdicts[partner.pk] = Verdict(
                CommitmentStatus.NOT_MET,
                _("Channel manager %(name)s is deactivated.") % {"name": name},
            )
        elif not manager.is_staff_member:
            verdicts[partner.pk] = Verdict(
                CommitmentStatus.NOT_MET,
                _("%(name)s is not on the vendor's staff.") % {"name": name},
            )
        else:
            verdicts[partner.pk] = Verdict(
                CommitmentStatus.MET, _("%(name)s is the named channel manager.") % {"name": name}
            )
    return verdicts
