"""After the activity: claims with proof of performance, payouts, and the program's MDF
settings (claim deadline, reminders, review SLA)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel

from .funds import MONEY, FundRequest


class MdfSettings(TenantOwnedModel):
    """One row per tenant (created with defaults on first read)."""

    claim_deadline_days = models.PositiveSmallIntegerField(
        default=60, help_text=_("Days after an activity ends that its claim may be filed.")
    )
    first_reminder_days = models.PositiveSmallIntegerField(
        default=14, help_text=_("Remind the partner this many days before the claim deadline.")
    )
    last_reminder_days = models.PositiveSmallIntegerField(
        default=3, help_text=_("…and again this many days before it.")
    )
    review_sla_days = models.PositiveSmallIntegerField(
        default=5, help_text=_("Days a request or claim may wait for review.")
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="mdf_settings_once")]
        verbose_name_plural = "MDF settings"

    def __str__(self) -> str:
        return f"MDF settings of {self.tenant_id}"


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


#: A request has at most one claim in these states (a rejected one may be filed again).
LIVE_CLAIM_STATUSES = (
    ClaimStatus.SUBMITTED,
    ClaimStatus.CHANGES_REQUESTED,
    ClaimStatus.APPROVED,
    ClaimStatus.PAID,
)


class PayoutMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CHECK = "check", _("Check")
    CREDIT_NOTE = "credit_note", _("Credit note")
    CARD = "card", _("Card")
    OTHER = "other", _("Other")


class PayoutBatch(TenantOwnedModel):
    """Claims finance paid together, exported as one CSV for accounts payable."""

    reference = models.CharField(max_length=100)
    method = models.CharField(max_length=16, choices=PayoutMethod.choices)
    paid_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class Claim(TenantOwnedModel):
    """What the activity actually cost, with proof and results, up to the approved amount."""

    request = models.ForeignKey(FundRequest, on_delete=models.PROTECT, related_name="claims")
    claimed_amount = models.DecimalField(**MONEY)
    approved_amount = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    leads_generated = models.PositiveIntegerField(default=0)
    results = models.TextField(blank=True, help_text=_("What the activity achieved."))
    linked_leads = models.ManyToManyField("dealreg.Lead", blank=True, related_name="mdf_claims")
    linked_deals = models.ManyToManyField("dealreg.Deal", blank=True, related_name="mdf_claims")
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # payout
    payout_batch = models.ForeignKey(
        PayoutBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    payment_reference = models.CharField(max_length=100, blank=True)
    payment_method = models.CharField(max_length=16, choices=PayoutMethod.choices, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(claimed_amount__gt=0), name="claim_amount_positive"),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | Q(approved_amount__gt=0, approved_amount__lte=F("claimed_amount")),
                name="claim_approved_within_claimed",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid")
                | Q(paid_on__isnull=False, approved_amount__isnull=False),
                name="claim_paid_has_payment",
            ),
            models.UniqueConstraint(
                fields=["tenant", "request"],
                condition=Q(status__in=["submitted", "changes_requested", "approved", "paid"]),
                name="claim_one_live_per_request",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status", "submitted_at"], name="claim_queue")]

    def __str__(self) -> str:
        return f"Claim {self.pk} on {self.request_id}"


class ProofKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    PHOTO = "photo", _("Photo")
    ATTENDEE_LIST = "attendee_list", _("Attendee list")
    SCREENSHOT = "screenshot", _("Screenshot")
    OTHER = "other", _("Other")


def proof_file_path(instance: ProofFile, filename: str) -> str:
    """A private path: random name, never the uploaded one; served only through a view."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"tenants/{instance.tenant_id}/mdf-proof/{secrets.token_hex(12)}.{extension}"


class ProofFile(TenantOwnedModel):
    """Proof of performance for a claim (never deleted once the claim is submitted)."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="proofs")
    kind = models.CharField(max_length=16, choices=ProofKind.choices, default=ProofKind.OTHER)
    file = models.FileField(upload_to=proof_file_path)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.file_name
