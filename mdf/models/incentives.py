"""Partner incentives: programs (rebates, referral fees, SPIFFs) with a few readable rules,
the earning lines they produce, and per-partner statements finance approves and pays.

Earning lines are append-only: a clawback is a new negative line that references the line
it reverses, never an edit. Each line keeps its calculation trace (rule, base, rate, tier
at the time, event and one human sentence), so a partner can see why the amount is what it
is. A statement totals its lines; it is approved once and paid once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel
from partners.models import PartnerOrganisation, Tier

from .claims import PayoutBatch, PayoutMethod
from .funds import MONEY

PERCENT: dict[str, Any] = {"max_digits": 5, "decimal_places": 2}


class ProgramKind(models.TextChoices):
    REBATE = "rebate", _("Rebate")
    REFERRAL_FEE = "referral_fee", _("Referral fee")
    SPIFF = "spiff", _("SPIFF")


class IncentiveProgram(TenantOwnedModel):
    """One incentive a tenant offers, in one currency, for a period."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ProgramKind.choices)
    currency = models.CharField(max_length=3)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text=_("Empty: no end."))
    is_active = models.BooleanField(default=True)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_active", "kind", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="incentive_program_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "is_active"], name="incentive_program_active")]

    def __str__(self) -> str:
        return self.name


class SpiffQualifier(models.TextChoices):
    FIRST_DEAL_IN_PERIOD = "first_deal_in_period", _("First won deal in the quarter")
    FIRST_DEAL_WITH_PRODUCT = (
        "first_deal_with_product",
        _("First won deal with a product in the quarter"),
    )


class IncentiveRule(TenantOwnedModel):
    """How a program pays, optionally only at one tier.

    Rebate: `percent` of won revenue; revenue the partner wins in the quarter above
    `threshold_amount` earns `accelerator_percent` instead (when set). Referral fee:
    `percent` of the won amount or `fixed_amount`, for deals registered as referrals.
    SPIFF: `fixed_amount` once per quarter for the first won deal that qualifies.
    """

    program = models.ForeignKey(IncentiveProgram, on_delete=models.PROTECT, related_name="rules")
    tier = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: partners at any tier."),
    )
    percent = models.DecimalField(**PERCENT, null=True, blank=True)
    fixed_amount = models.DecimalField(**MONEY, null=True, blank=True)
    threshold_amount = models.DecimalField(**MONEY, default=0)
    accelerator_percent = models.DecimalField(**PERCENT, null=True, blank=True)
    qualifier = models.CharField(max_length=32, choices=SpiffQualifier.choices, blank=True)
    product = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["program", "tier__rank", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gt=0, percent__lte=100),
                name="incentive_rule_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(accelerator_percent__isnull=True)
                | Q(accelerator_percent__gt=0, accelerator_percent__lte=100),
                name="incentive_rule_accelerator_range",
            ),
            models.CheckConstraint(
                condition=Q(fixed_amount__isnull=True) | Q(fixed_amount__gt=0),
                name="incentive_rule_fixed_positive",
            ),
            models.CheckConstraint(
                condition=Q(threshold_amount__gte=0), name="incentive_rule_threshold_positive"
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=False) | Q(fixed_amount__isnull=False),
                name="incentive_rule_pays_something",
            ),
        ]

    def __str__(self) -> str:
        return f"Rule {self.pk} of {self.program_id}"


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")


class Statement(TenantOwnedModel):
    """What one partner earned in one quarter, in one currency. Lines are added while it is
    a draft; approval freezes the total; it is paid once."""

    partner = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="incentive_statements"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=12, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    approved_amount = models.DecimalField(**MONEY, null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_note = models.TextField(blank=True)
    payout_batch = models.ForeignKey(
        PayoutBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incentive_statements",
    )
    payment_reference = models.CharField(max_length=100, blank=True)
    payment_method = models.CharField(max_length=16, choices=PayoutMethod.choices, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "partner_id", "currency", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "partner", "period_start", "currency"],
                name="statement_once_per_partner_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="statement_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(
                    approved_amount__gt=0,
                    approved_by__isnull=False,
                    approved_at__isnull=False,
                ),
                name="statement_approved_has_approval",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid")
                | (
                    Q(paid_on__isnull=False, paid_at__isnull=False, payment_method__gt="")
                    & ~Q(payment_reference="")
                ),
                name="statement_paid_has_payment",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "period_start"], name="statement_queue"),
            models.Index(fields=["tenant", "partner", "period_start"], name="statement_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.period_start:%Y}-Q{(self.period_start.month + 2) // 3}"

    @property
    def period_label(self) -> str:
        return f"{self.period_start.year} Q{(self.period_start.month + 2) // 3}"


class EarningKind(models.TextChoices):
    EARNING = "earning", _("Earning")
    CLAWBACK = "clawback", _("Clawback")


class Earning(TenantOwnedModel):
    """One line a partner earned (positive) or lost again (a negative clawback referencing
    the line it reverses). Never changed or deleted."""

    partner = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="incentive_earnings"
    )
    program = models.ForeignKey(IncentiveProgram, on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(IncentiveRule, on_delete=models.PROTECT, related_name="earnings")
    deal = models.ForeignKey(
        "dealreg.Deal", on_delete=models.PROTECT, related_name="incentive_earnings"
    )
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(max_length=12, choices=EarningKind.choices)
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="clawbacks"
    )
    amount = models.DecimalField(**MONEY, help_text=_("Signed: clawbacks are negative."))
    base_amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    # The quarter the deal was won in (thresholds and SPIFFs count per quarter); the line is
    # paid in `statement`, normally that quarter's, later if that one was already approved.
    period_start = models.DateField()
    period_end = models.DateField()
    source_event_id = models.BigIntegerField(
        help_text=_("The outbox event behind it (deal.won, deal.reopened, deal.refunded).")
    )
    source_event_name = models.CharField(max_length=64)
    trace = models.JSONField(default=dict)
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # The same event twice creates nothing new.
            models.UniqueConstraint(
                fields=["tenant", "rule", "deal", "source_event_id"],
                condition=Q(kind="earning"),
                name="earning_once_per_event",
            ),
            models.UniqueConstraint(
                fields=["tenant", "reverses", "source_event_id"],
                condition=Q(kind="clawback"),
                name="clawback_once_per_event",
            ),
            models.CheckConstraint(
                condition=Q(kind="earning", amount__gt=0, reverses__isnull=True)
                | Q(kind="clawback", amount__lt=0, reverses__isnull=False),
                name="earning_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="earning_period_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "partner", "period_start"], name="earning_partner"),
            models.Index(fields=["tenant", "deal"], name="earning_deal"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"

    @property
    def sentence(self) -> str:
        return str(self.trace.get("sentence", ""))

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Earning lines are never changed: add a clawback instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Earning lines are never deleted: add a clawback instead.")
