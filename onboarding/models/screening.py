"""Due diligence: the tenant's restricted-party lists, screening runs and their checks, the
hits they found and the compliance reviews a new hit opens."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel
from partners.models import PartnerOrganisation

from .applications import PartnerApplication

__all__ = [
    "CheckKind",
    "CheckStatus",
    "ComplianceReview",
    "HitDisposition",
    "ListStatus",
    "PartyType",
    "RestrictedParty",
    "RestrictedPartyList",
    "ReviewStatus",
    "ScreeningCheck",
    "ScreeningHit",
    "ScreeningRun",
    "ScreeningSettings",
    "Trigger",
]

DEFAULT_THRESHOLD = Decimal("0.85")
DEFAULT_RESCREEN_DAYS = 30


class ScreeningSettings(TenantOwnedModel):
    """How the tenant screens: the match threshold, how often partners are re-screened, and
    which application fields each partner type must fill in ({partner_type: [field]})."""

    match_threshold = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=DEFAULT_THRESHOLD,
        validators=[MinValueValidator(Decimal("0.50")), MaxValueValidator(Decimal("1.00"))],
    )
    rescreen_interval_days = models.PositiveIntegerField(
        default=DEFAULT_RESCREEN_DAYS, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    required_fields = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "screening settings"
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="one_screening_settings_per_tenant")
        ]

    def __str__(self) -> str:
        return f"Screening settings of {self.tenant_id}"


class ListStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed")
    ACTIVE = "active", _("Active")
    REPLACED = "replaced", _("Replaced")
    DISCARDED = "discarded", _("Discarded")


class RestrictedPartyList(TenantOwnedModel):
    """One uploaded list: previewed with its row errors, then activated whole (replacing the
    active list, which stays on record, inactive) or discarded."""

    file_name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=ListStatus.choices, default="previewed")
    rows = models.JSONField(default=list, help_text=_("Validated rows waiting to be applied."))
    errors = models.JSONField(default=list, help_text=_("[{row, field, message}]"))
    total_rows = models.PositiveIntegerField(default=0)
    entry_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(status="active"), name="one_active_party_list"
            )
        ]
        indexes = [models.Index(fields=["tenant", "status"], name="party_list_status")]

    def __str__(self) -> str:
        return self.file_name


class PartyType(models.TextChoices):
    ENTITY = "entity", _("Entity")
    PERSON = "person", _("Person")


class RestrictedParty(TenantOwnedModel):
    """An entry of a list. `entry_key` names the same party across list versions (its source
    and reference, or its type and normalised name), so a replaced list does not make old
    hits look new."""

    party_list = models.ForeignKey(
        RestrictedPartyList, on_delete=models.CASCADE, related_name="entries"
    )
    name = models.CharField(max_length=300)
    aliases = models.JSONField(default=list, blank=True)
    country = models.CharField(max_length=2, blank=True)
    party_type = models.CharField(max_length=8, choices=PartyType.choices)
    source = models.CharField(max_length=120, blank=True)
    reference = models.CharField(max_length=120, blank=True)
    entry_key = models.CharField(max_length=400)
    name_keys = models.JSONField(default=list, help_text=_("Normalised name and aliases."))

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["tenant", "party_list"], name="party_entry_list")]
        verbose_name_plural = "restricted parties"

    def __str__(self) -> str:
        return self.name


class CheckKind(models.TextChoices):
    COMPANY = "company", _("Company name against the restricted-party list")
    PERSON = "person", _("Person against the restricted-party list")
    DOMAIN = "domain", _("Email domain against the website")
    REQUIRED_FIELDS = "required_fields", _("Required information for the partner type")


class CheckStatus(models.TextChoices):
    PASSED = "passed", _("Passed")
    FLAGGED = "flagged", _("Flagged")
    ERROR = "error", _("Error")


class Trigger(models.TextChoices):
    SUBMISSION = "submission", _("Application submitted")
    SCHEDULE = "schedule", _("Scheduled re-screening")
    LIST_REPLACED = "list_replaced", _("Restricted-party list replaced")


class HitDisposition(models.TextChoices):
    OPEN = "open", _("Not reviewed")
    FALSE_POSITIVE = "false_positive", _("False positive")
    CONFIRMED = "confirmed", _("Confirmed")


class ScreeningHit(TenantOwnedModel):
    """A list entry that matched one of a partner's names, once per (partner, entry): later
    runs that find it again update the score, never add a hit."""

    partner = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="screening_hits"
    )
    entry = models.ForeignKey(RestrictedParty, on_delete=models.PROTECT, related_name="hits")
    entry_key = models.CharField(max_length=400)
    kind = models.CharField(max_length=16, choices=CheckKind.choices)
    subject = models.CharField(max_length=300, help_text=_("The name that matched."))
    score = models.DecimalField(max_digits=4, decimal_places=3)
    disposition = models.CharField(
        max_length=16, choices=HitDisposition.choices, default=HitDisposition.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "partner", "entry_key"], name="one_hit_per_partner_entry"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} ~ {self.entry_key}"


class ScreeningRun(TenantOwnedModel):
    """One screening of a partner (at application or later), with its checks."""

    partner = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="screening_runs"
    )
    application = models.ForeignKey(
        PartnerApplication,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="screening_runs",
    )
    party_list = models.ForeignKey(
        RestrictedPartyList, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    status = models.CharField(max_length=8, choices=CheckStatus.choices)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "application", "-created_at"], name="screening_run_app"),
            models.Index(fields=["tenant", "partner", "-created_at"], name="screening_run_partner"),
        ]

    def __str__(self) -> str:
        return f"Screening of {self.partner_id} ({self.trigger})"


class ScreeningCheck(TenantOwnedModel):
    """The outcome of one check of a run; a list match points at its hit."""

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(max_length=16, choices=CheckKind.choices)
    subject = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=8, choices=CheckStatus.choices)
    detail = models.TextField(blank=True)
    score = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    hit = models.ForeignKey(
        ScreeningHit, on_delete=models.SET_NULL, null=True, blank=True, related_name="checks"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.status}"


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLEARED = "cleared", _("Cleared")
    CONFIRMED = "confirmed", _("Confirmed")


class ComplianceReview(TenantOwnedModel):
    """A new hit on a partner found by re-screening, for its channel manager to decide."""

    partner = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="compliance_reviews"
    )
    hit = models.OneToOneField(ScreeningHit, on_delete=models.CASCADE, related_name="review")
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default="open")
    assigned_to = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    partner_suspended = models.BooleanField(default=False)

    class Meta:
        ordering = ["opened_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "status", "opened_at"], name="compliance_review_queue")
        ]

    def __str__(self) -> str:
        return f"Compliance review of {self.partner_id}"
