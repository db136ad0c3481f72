"""Partner applications and the tenant's ideal partner profile."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ecosystem.tenancy.models import TenantOwnedModel
from partners.models import PartnerOrganisation, PartnerType


def _weight() -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(default=20, validators=[MaxValueValidator(100)])


class IdealPartnerProfile(TenantOwnedModel):
    """What the vendor looks for in a partner: weighted criteria that score applications.

    A criterion with no target (no types, regions … chosen) does not count."""

    partner_types = models.JSONField(default=list, blank=True)
    partner_type_weight = _weight()
    regions = models.JSONField(default=list, blank=True)
    region_weight = _weight()
    specialisations = models.ManyToManyField(
        "partners.Specialisation", blank=True, related_name="+"
    )
    specialisation_weight = _weight()
    min_employees = models.PositiveIntegerField(null=True, blank=True)
    max_employees = models.PositiveIntegerField(null=True, blank=True)
    size_weight = _weight()
    certifications = models.JSONField(
        default=list, blank=True, help_text=_("Certifications the vendor values, by name.")
    )
    certification_weight = _weight()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="one_profile_per_tenant")]

    def __str__(self) -> str:
        return f"Ideal partner profile of {self.tenant_id}"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    INFO_REQUESTED = "info_requested", _("More information requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


OPEN_APPLICATION_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED)


class PartnerApplication(TenantOwnedModel):
    """A company's application to join the program, as submitted on the public page.

    The applicant organisation exists from submission (status `applicant`); the person who
    applied gets their membership when the application is approved."""

    partner = models.OneToOneField(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="application"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partner_applications"
    )
    # --- company, as applied
    company_name = models.CharField(max_length=200)
    website = models.URLField()
    partner_type = models.CharField(max_length=16, choices=PartnerType.choices)
    country = CountryField()
    regions = models.JSONField(default=list)
    specialisations = models.ManyToManyField(
        "partners.Specialisation", blank=True, related_name="+"
    )
    employees = models.PositiveIntegerField()
    certifications = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)
    # --- contact
    contact_name = models.CharField(max_length=150)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=40, blank=True)
    contact_title = models.CharField(max_length=100, blank=True)
    # --- assessment (recomputed when the profile or the application changes)
    fit_score = models.DecimalField(max_digits=4, decimal_places=1, default=0)
    fit_breakdown = models.JSONField(default=list, blank=True)
    duplicates = models.JSONField(default=list, blank=True)
    # --- decision
    status = models.CharField(
        max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-fit_score", "submitted_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "status", "-fit_score"], name="application_queue"),
            models.Index(fields=["tenant", "applicant"], name="application_applicant"),
        ]

    def __str__(self) -> str:
        return self.company_name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION_STATUSES


class ApplicationMessage(TenantOwnedModel):
    """The conversation between reviewers and the applicant, and the decisions in it."""

    application = models.ForeignKey(
        PartnerApplication, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_staff = models.BooleanField()
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Message on {self.application_id}"
