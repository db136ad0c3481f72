"""Writes of tier commitments: evaluating what the vendor owes each partner, and staff
attestations of benefits the platform cannot measure.

Rules:
- A partner is owed its tier's commitments while it is active or onboarding and has a
  tier; other partners' commitment rows are removed, as are rows of benefits the tier no
  longer promises.
- Evaluation is set-based: one call of each check for all partners, then a fixed number of
  bulk writes, however many partners there are.
- A commitment that *becomes* not met is audited and announced (`partner.commitment_unmet`,
  one event per partner); partners.listeners tells the partner's administrators and its
  channel manager.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecosystem.audit.models import AuditEntry
from ecosystem.audit.services import record
from ecosystem.errors import NotAllowed, NotFound, ValidationFailed
from ecosystem.outbox.services import emit_many
from ecosystem.tenancy.context import request_info
from ecosystem.tenancy.models import Membership
from ecosystem.tenancy.roles import has_capability

from . import commitments
from .models import (
    CommitmentAttestation,
    CommitmentStatus,
    PartnerCommitment,
    PartnerOrganisation,
    PartnerStatus,
)

OWED_STATUSES = (PartnerStatus.ACTIVE, PartnerStatus.ONBOARDING)
UNMET_EVENT = "partner.commitment_unmet"


@dataclass
class CommitmentSummary:
    partners: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # status -> commitments
    became_not_met: int = 0


def _is_owed(partner: PartnerOrganisation) -> bool:
    return partner.tier_id is not None and partner.status in OWED_STATUSES


@transaction.atomic
def evaluate_commitments(
    *, tenant, partner_ids: list[int] | None = None, now: datetime | None = None
) -> CommitmentSummary:
    """Check every commitment of some partners (or all, with partner_ids=None) and store the
    verdicts: upsert one row per promised benefit, delete the rows nothing promises now.

    Commitments that become not met are audited and announced. The partners' rows are
    locked, so two evaluations of one partner do not both announce the same change."""
    now = now or timezone.now()
    partners_query = PartnerOrganisation.objects.for_tenant(tenant).select_related("tier")
    existing_query = PartnerCommitment.objects.for_tenant(tenant)
    if partner_ids is not None:
        partners_query = partners_query.filter(pk__in=partner_ids)
        existing_query = existing_query.filter(partner_id__in=partner_ids)
    partners = list(
        partners_query.select_for_update(of=("self",))
        .only("id", "name", "tenant_id", "status", "channel_manager_id", "tier")
        .order_by("id")
    )
    owed = [partner for partner in partners if _is_owed(partner)]
    verdicts = commitments.evaluate(tenant=tenant, partners=owed)
    existing = {(row.partner_id, row.benefit): row for row in existing_query}

    rows: list[PartnerCommitment] = []
    unmet: dict[int, list[tuple[str, str]]] = defaultdict(list)
    summary = CommitmentSummary(partners=len(owed))
    for partner in owed:
        for code, verdict in verdicts[partner.pk].items():
            before = existing.pop((partner.pk, code), None)
            unchanged = before is not None and before.status == verdict.status
            rows.append(
                PartnerCommitment(
                    tenant=tenant,
                    partner=partner,
                    benefit=code,
                    status=verdict.status,
                    detail=verdict.detail,
                    tier_id=partner.tier_id,
                    checked_at=now,
                    since=before.since if unchanged and before else now,
                )
            )
            summary.counts[verdict.status] = summary.counts.get(verdict.status, 0) + 1
            if verdict.status == CommitmentStatus.NOT_MET and not unchanged:
                unmet[partner.pk].append((code, verdict.detail))
    if rows:
        PartnerCommitment.objects.for_tenant(tenant).bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["tenant", "partner", "benefit"],
            update_fields=["status", "detail", "tier", "checked_at", "since"],
            batch_size=1000,
        )
    if existing:  # what is left was promised before and is not now
        PartnerCommitment.objects.for_tenant(tenant).filter(
            pk__in=[row.pk for row in existing.values()]
        ).delete()
    if unmet:
        _announce_unmet(tenant, [p for p in owed if p.pk in unmet], unmet)
        summary.became_not_met = sum(len(items) for items in unmet.values())
    return summary


def _label(code: str) -> str:
    found = commitments.get_commitment(code)
    return found.label if found else code


def _announce_unmet(tenant, partners, unmet: dict[int, list[tuple[str, str]]]) -> None:
    """One audit entry per commitment and one event per partner, in two inserts."""
    ip = request_info().ip
    AuditEntry.objects.for_tenant(tenant).bulk_create(
        [
            AuditEntry(
                tenant=tenant,
                action="partner.commitment_not_met",
                object_type=PartnerOrganisation._meta.label_lower,
                object_id=str(partner.pk),
                object_repr=partner.name[:200],
                changes={"benefit": code, "detail": detail},
                ip_address=ip,
            )
            for partner in partners
            for code, detail in unmet[partner.pk]
        ],
        batch_size=1000,
    )
    emit_many(
        tenant=tenant,
        name=UNMET_EVENT,
        items=[
            (
                partner,
                {
                    "partner_id": partner.pk,
                    "commitments": [
                        {"benefit": code, "label": _label(code), "detail": detail}
                        for code, detail in unmet[partner.pk]
                    ],
                },
            )
            for partner in partners
        ],
    )


def _decimal(value, *, minimum: Decimal, maximum: Decimal) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite() or not minimum <= number <= maximum:
        raise ValidationFailed(
            _("Give a number between %(low)s and %(high)s.") % {"low": minimum, "high": maximum},
            field="value",
        )
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def attest_commitment(
    *,
    tenant,
    actor,
    partner_id: int,
    benefit: str,
    value,
    note: str,
    attested_on: date | None = None,
) -> CommitmentAttestation:
    """Staff confirm a benefit the platform cannot measure (e.g. "a 20 % discount is set up
    in the price book"), then the partner's commitments are evaluated again.

    Only staff who manage the tier program may attest; the benefit must be attestable and
    promised by the partner's tier; the date cannot be in the future; a note is required
    (where it is configured), because auditors read it."""
    membership = (
        Membership.objects.for_tenant(tenant).filter(user_id=actor.pk, is_active=True).first()
        if getattr(actor, "pk", None)
        else None
    )
    if membership is None or not has_capability(membership.role, "tiers.manage"):
        raise NotAllowed(_("Only staff who manage the tier program can attest commitments."))
    partner = (
        PartnerOrganisation.objects.for_tenant(tenant)
        .select_related("tier")
        .select_for_update(of=("self",))
        .filter(pk=partner_id)
        .first()
    )
    if partner is None:
        raise NotFound(_("No such partner."))
    found = commitments.get_commitment(benefit)
    if found is None or found.attestation is None:
        raise ValidationFailed(
            _("This benefit cannot be attested; choose one the platform cannot measure."),
            field="benefit",
        )
    if partner.tier is None or not found.applies(partner.tier):
        raise ValidationFailed(
            _("%(partner)s's tier does not promise this benefit: there is nothing to attest.")
            % {"partner": partner.name},
            field="benefit",
        )
    rule = found.attestation
    amount = _decimal(value, minimum=rule.minimum, maximum=rule.maximum)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            _("Say where it is configured (e.g. the price book entry); auditors read this."),
            field="note",
        )
    today = timezone.localdate()
    attested_on = attested_on or today
    if not isinstance(attested_on, date) or attested_on > today:
        raise ValidationFailed(_("Give today's date or an earlier one."), field="attested_on")
    attestation = CommitmentAttestation.objects.create(
        tenant=tenant,
        partner=partner,
        benefit=benefit,
        value=amount,
        note=note,
        attested_by=actor,
        attested_on=attested_on,
    )
    record(
        tenant=tenant,
        actor=actor,
        action="partner.commitment_attested",
        obj=partner,
        changes={
            "benefit": benefit,
            "value": amount,
            "attested_on": attested_on,
            "note": note,
            "expected": rule.expected(partner.tier),
        },
    )
    evaluate_commitments(tenant=tenant, partner_ids=[partner.pk])
    return attestation
