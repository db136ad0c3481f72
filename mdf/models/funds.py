"""Market development funds: funds, allocations, requests, and the ledger money moves on.

Balances are never stored: they are sums over the append-only `LedgerEntry` rows
(mdf.selectors.balances), so every page, export and API shows the same figures.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel
from partners.models import PartnerOrganisation, PartnerType, Region

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class Fund(TenantOwnedModel):
    """A budget for a period, optionally only for a region or a partner type."""

    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY)
    start_date = models.DateField()
    end_date = models.DateField()
    region = models.CharField(max_length=8, choices=Region.choices, blank=True)
    partner_type = models.CharField(max_length=16, choices=PartnerType.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accrues = models.BooleanField(
        default=False,
        help_text=_(
            "When the period starts, each partner is allocated its tier's MDF accrual % of "
            "its won revenue in the previous period of the same length."
        ),
    )
    expired_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When unused allocations expired with the period.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_amount_positive"),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="fund_period_ordered"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "start_date"], name="fund_tenant_period")]

    def __str__(self) -> str:
        return self.name


class AllocationSource(models.TextChoices):
    MANUAL = "manual", _("By hand")
    TIER_RULE = "tier_rule", _("Tier rule")
    ACCRUAL = "accrual", _("Accrual")


class Allocation(TenantOwnedModel):
    """The part of a fund one partner may use (its amount is the ledger's credits)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="allocations")
    partner = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="mdf_allocations"
    )
    source = models.CharField(max_length=16, choices=AllocationSource.choices)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["fund", "partner"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "fund", "partner"], name="allocation_once")
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} in {self.fund_id}"


class ActivityType(models.TextChoices):
    EVENT = "event", _("Event")
    WEBINAR = "webinar", _("Webinar")
    DIGITAL_CAMPAIGN = "digital_campaign", _("Digital campaign")
    CONTENT_SYNDICATION = "content_syndication", _("Content syndication")
    TRAINING = "training", _("Training")
    TRADE_SHOW = "trade_show", _("Trade show")
    OTHER = "other", _("Other")


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    LAPSED = "lapsed", _("Lapsed")  # approved, but nothing was claimed by the deadline


class FundRequest(TenantOwnedModel):
    """A partner's request for pre-approval of an activity, against its allocation."""

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="requests")
    activity_type = models.CharField(max_length=24, choices=ActivityType.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    requested_amount = models.DecimalField(**MONEY)
    approved_amount = models.DecimalField(**MONEY, null=True, blank=True)
    expected_leads = models.PositiveIntegerField(default=0)
    expected_pipeline = models.DecimalField(**MONEY, default=0)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    claim_deadline = models.DateField(
        null=True, blank=True, help_text=_("Set on approval: the last day to file the claim.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gt=0), name="request_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | Q(approved_amount__gt=0, approved_amount__lte=F("requested_amount")),
                name="request_approved_within_requested",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="request_period_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"], name="request_queue"),
        ]

    def __str__(self) -> str:
        return self.title


class EntryKind(models.TextChoices):
    CREDIT = "credit", _("Credit")  # to an allocation
    COMMITMENT = "commitment", _("Commitment")  # an approved request
    RELEASE = "release", _("Release")  # a commitment given back
    CLAIM = "claim", _("Claim")
    PAYOUT = "payout", _("Payout")
    EXPIRY = "expiry", _("Expiry")
    REVERSAL = "reversal", _("Reversal")


class LedgerEntry(TenantOwnedModel):
    """One money move, never changed or deleted: corrections are new entries."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries")
    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    request = models.ForeignKey(
        FundRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    claim = models.ForeignKey(
        "mdf.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive"),
            # A claim is approved once and paid once, whatever the race.
            models.UniqueConstraint(
                fields=["tenant", "claim", "kind"],
                condition=Q(kind__in=["claim", "payout"]),
                name="ledger_claim_moves_once",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "allocation", "kind"], name="ledger_allocation"),
            models.Index(fields=["tenant", "fund", "kind"], name="ledger_fund"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Ledger entries are never changed: add a reversal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger entries are never deleted: add a reversal instead.")
