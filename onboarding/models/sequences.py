"""The welcome sequence (steps over a partner's first 90 days, and each partner's run of
them), the first-deal nudge and partner surveys (onboarding.sequences_services and
onboarding.surveys_services write them)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel

__all__ = [
    "FirstDealNudge",
    "SequenceEnrolment",
    "SequenceSettings",
    "StepChannel",
    "StepCondition",
    "StepRun",
    "StepRunStatus",
    "SurveyInvitation",
    "SurveyOccasion",
    "WelcomeStep",
]

MAX_DAY_OFFSET = 90


class StepChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    TASK = "task", _("In-portal task")
    BOTH = "both", _("Email and in-portal task")


class StepCondition(models.TextChoices):
    ALWAYS = "", _("Always")
    NO_DEAL = "no_deal", _("Only if no deal is registered yet")
    NO_CERTIFICATION = "no_certification", _("Only if no one is certified yet")
    NO_SIGNED_AGREEMENT = "no_signed_agreement", _("Only if no agreement is signed yet")
    CHECKLIST_OPEN = "checklist_open", _("Only if the onboarding checklist is not complete")


class WelcomeStep(TenantOwnedModel):
    """One message of the tenant's welcome sequence, `day_offset` days after the start.

    `body` is sanitised HTML with `{{ merge_field }}` placeholders from a small whitelist;
    `variants` maps a partner type to {"subject", "body"} used instead for that type."""

    name = models.CharField(max_length=120)
    day_offset = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(MAX_DAY_OFFSET)]
    )
    channel = models.CharField(max_length=8, choices=StepChannel.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    variants = models.JSONField(default=dict, blank=True)
    condition = models.CharField(
        max_length=32, choices=StepCondition.choices, default=StepCondition.ALWAYS, blank=True
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day_offset", "id"]
        indexes = [models.Index(fields=["tenant", "day_offset"], name="welcome_step_offset")]
        constraints = [
            models.CheckConstraint(
                condition=Q(day_offset__lte=MAX_DAY_OFFSET), name="welcome_step_offset_range"
            )
        ]

    def __str__(self) -> str:
        return f"Day {self.day_offset}: {self.name}"


class SequenceEnrolment(TenantOwnedModel):
    """A partner's run of the welcome sequence: started once, stopped when the partner is
    suspended or offboarded."""

    class Source(models.TextChoices):
        APPLICATION = "application", _("Application approved")
        STAFF = "staff", _("Started by staff")

    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="+"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "partner"], name="sequence_one_per_partner")
        ]

    def __str__(self) -> str:
        return f"Welcome sequence of partner {self.partner_id}"


class StepRunStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Upcoming")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    CANCELLED = "cancelled", _("Cancelled")


STEP_RUN_PILLS = {
    StepRunStatus.SCHEDULED: "pill-pending",
    StepRunStatus.SENT: "pill-active",
    StepRunStatus.SKIPPED: "pill-closed",
    StepRunStatus.CANCELLED: "pill-expired",
}


class StepRun(TenantOwnedModel):
    """One step for one partner: when it is due and what became of it (fires once)."""

    enrolment = models.ForeignKey(SequenceEnrolment, on_delete=models.CASCADE, related_name="runs")
    step = models.ForeignKey(WelcomeStep, on_delete=models.CASCADE, related_name="runs")
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=StepRunStatus.choices, default=StepRunStatus.SCHEDULED
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    # What was sent (merged for the partner; recipients' first names are merged per email).
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "enrolment", "step"], name="step_run_once_per_enrolment"
            )
        ]
        indexes = [models.Index(fields=["tenant", "status", "due_at"], name="step_run_status")]

    def __str__(self) -> str:
        return f"{self.step_id} for enrolment {self.enrolment_id}: {self.status}"

    @property
    def status_pill(self) -> str:
        return STEP_RUN_PILLS[StepRunStatus(self.status)]


class SequenceSettings(TenantOwnedModel):
    """The tenant's co-selling guide, sent once per partner on its first deal registration."""

    coselling_subject = models.CharField(max_length=200)
    coselling_body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "sequence settings"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="sequence_settings_one")]

    def __str__(self) -> str:
        return f"Sequence settings of tenant {self.tenant_id}"


class FirstDealNudge(TenantOwnedModel):
    """The co-selling guide was sent to this partner (at most once: the unique constraint)."""

    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="+"
    )
    deal_id = models.PositiveIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "partner"], name="first_deal_nudge_once")
        ]

    def __str__(self) -> str:
        return f"Co-selling guide for partner {self.partner_id}"


class SurveyOccasion(models.TextChoices):
    ONBOARDING = "onboarding", _("After onboarding")
    QUARTERLY = "quarterly", _("Quarterly check-in")


class SurveyInvitation(TenantOwnedModel):
    """A survey sent to one partner person, answered once (satisfaction 1–5, NPS 0–10 and
    a comment) before `expires_at`."""

    partner = models.ForeignKey(
        "partners.PartnerOrganisation",
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="survey_invitations"
    )
    occasion = models.CharField(max_length=16, choices=SurveyOccasion.choices)
    # Makes sending idempotent: one invitation per person per occasion ("quarterly:2026-06-01").
    occasion_key = models.CharField(max_length=40)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    nps = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "membership", "occasion_key"], name="survey_once_per_occasion"
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="survey_satisfaction_range",
            ),
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | Q(nps__lte=10), name="survey_nps_range"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "partner", "answered_at"], name="survey_partner"),
            models.Index(fields=["tenant", "membership", "-sent_at"], name="survey_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.get_occasion_display()} survey for {self.membership_id}"
