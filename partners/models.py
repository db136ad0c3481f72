from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ecosystem.tenancy.models import TenantOwnedModel


class PartnerType(models.TextChoices):
    GSI = "gsi", _("Global systems integrator")
    ISV = "isv", _("Independent software vendor")
    MSP = "msp", _("Managed service provider")
    VAR = "var", _("Value-added reseller")
    MSSP = "mssp", _("Managed security service provider")
    REFERRAL = "referral", _("Referral partner")
    CONSULTANT = "consultant", _("Consultant")


class PartnerStatus(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    OFFBOARDED = "offboarded", _("Offboarded")


class Tier(TenantOwnedModel):
    """A level of the tenant's partner program; higher rank is better."""

    name = models.CharField(max_length=80)
    rank = models.PositiveSmallIntegerField()
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "rank"], name="tier_rank_per_tenant"),
            models.UniqueConstraint(fields=["tenant", "name"], name="tier_name_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerOrganisation(TenantOwnedModel):
    name = models.CharField(max_length=200)
    website = models.URLField(blank=True)
    partner_type = models.CharField(max_length=16, choices=PartnerType.choices)
    country = CountryField()
    status = models.CharField(
        max_length=16, choices=PartnerStatus.choices, default=PartnerStatus.ONBOARDING
    )
    tier = models.ForeignKey(
        Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="partners"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="partner_name_per_tenant"),
        ]
        indexes = [
            models.Index(fields=["tenant", "status"], name="partner_tenant_status"),
            models.Index(fields=["tenant", "partner_type"], name="partner_tenant_type"),
        ]

    def __str__(self) -> str:
        return self.name
