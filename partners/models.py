import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
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


class Region(models.TextChoices):
    NORTH_AMERICA = "na", _("North America")
    LATIN_AMERICA = "latam", _("Latin America")
    EMEA = "emea", _("Europe, Middle East and Africa")
    APAC = "apac", _("Asia Pacific")


class Industry(models.TextChoices):
    FINANCIAL_SERVICES = "financial_services", _("Financial services")
    HEALTHCARE = "healthcare", _("Healthcare and life sciences")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    RETAIL = "retail", _("Retail and consumer goods")
    PUBLIC_SECTOR = "public_sector", _("Public sector")
    EDUCATION = "education", _("Education")
    TECHNOLOGY = "technology", _("Technology")
    TELECOMMUNICATIONS = "telecommunications", _("Telecommunications")
    ENERGY = "energy", _("Energy and utilities")
    MEDIA = "media", _("Media and entertainment")
    PROFESSIONAL_SERVICES = "professional_services", _("Professional services")
    TRANSPORTATION = "transportation", _("Transportation and logistics")


class RequirementMode(models.TextChoices):
    ALL = "all", _("All requirements")
    AT_LEAST = "at_least", _("At least N requirements")


PERCENT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class Tier(TenantOwnedModel):
    """A level of the tenant's partner program; higher rank is better.

    Its benefits are what the vendor promises; its requirements (TierRequirement) are what a
    partner must reach. `requirement_mode` says whether all must hold or `required_count`.
    """

    name = models.CharField(max_length=80)
    rank = models.PositiveSmallIntegerField()
    description = models.TextField(blank=True)
    discount_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0"), validators=PERCENT_VALIDATORS
    )
    mdf_accrual_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0"), validators=PERCENT_VALIDATORS
    )
    lead_priority_weight = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Multiplies the partner's score when leads are routed."),
    )
    has_named_contact = models.BooleanField(
        default=False, help_text=_("Partners at this tier get a named channel manager.")
    )
    benefits_text = models.TextField(blank=True)
    requirement_mode = models.CharField(
        max_length=16, choices=RequirementMode.choices, default=RequirementMode.ALL
    )
    required_count = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("With “at least N”, how many must hold.")
    )

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "rank"], name="tier_rank_per_tenant"),
            models.UniqueConstraint(fields=["tenant", "name"], name="tier_name_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.name


class Comparator(models.TextChoices):
    GTE = "gte", "≥"
    GT = "gt", ">"
    LTE = "lte", "≤"
    LT = "lt", "<"
    EQ = "eq", "="


class TierRequirement(TenantOwnedModel):
    """`metric comparator threshold over window`, e.g. sourced won revenue ≥ 250000 over the
    trailing 365 days. `metric` is a code from partners.metrics; `parameter` carries what a
    metric needs beyond the window (e.g. a course id)."""

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="requirements")
    metric = models.CharField(max_length=64)
    comparator = models.CharField(max_length=4, choices=Comparator.choices, default=Comparator.GTE)
    threshold = models.DecimalField(max_digits=18, decimal_places=2)
    window_days = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Trailing window in days; empty means all time.")
    )
    parameter = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["tier__rank", "id"]

    def __str__(self) -> str:
        return f"{self.metric} {self.get_comparator_display()} {self.threshold}"


class TierProgram(TenantOwnedModel):
    """Per-tenant rules of tier movement. Demotions wait for `next_review_on` when set,
    otherwise for `grace_period_days` after the partner stops qualifying."""

    grace_period_days = models.PositiveIntegerField(default=90)
    next_review_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="tier_program_per_tenant")]

    def __str__(self) -> str:
        return f"Tier program of {self.tenant_id}"


class Specialisation(TenantOwnedModel):
    """A competency the vendor recognises (e.g. “Cloud migration”, “Zero trust”)."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], name="specialisation_name_per_tenant"
            )
        ]

    def __str__(self) -> str:
        return self.name


def partner_logo_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"tenants/{instance.tenant_id}/partners/{secrets.token_hex(8)}.{extension}"


class PartnerOrganisation(TenantOwnedModel):
    name = models.CharField(max_length=200)
    website = models.URLField(blank=True)
    partner_type = models.CharField(max_length=16, choices=PartnerType.choices)
    country = CountryField()
    status = models.CharField(
        max_length=16, choices=PartnerStatus.choices, default=PartnerStatus.ONBOARDING
    )
    # The effective tier: an active override's tier, else the evaluated one (partners.tiers).
    tier = models.ForeignKey(
        Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="partners"
    )
    # --- profile
    description = models.TextField(blank=True)
    logo = models.ImageField(upload_to=partner_logo_path, blank=True)
    regions = models.JSONField(default=list, blank=True, help_text=_("Region codes served."))
    countries_served = CountryField(multiple=True, blank=True)
    industries = models.JSONField(default=list, blank=True)
    specialisations = models.ManyToManyField(
        Specialisation, through="PartnerSpecialisation", related_name="partners", blank=True
    )
    capacity = models.PositiveIntegerField(
        default=10, help_text=_("How many open leads the partner can work at once.")
    )
    primary_contact = models.ForeignKey(
        "tenancy.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_contact_of",
    )
    channel_manager = models.ForeignKey(
        "tenancy.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_partners",
    )
    # --- public partner locator: the partner opts in and chooses what is shown
    is_listed = models.BooleanField(default=False)
    listed_fields = models.JSONField(default=list, blank=True)
    public_contact_email = models.EmailField(blank=True)
    # --- tier evaluation state (written by partners.tiers)
    qualified_tier = models.ForeignKey(
        Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    demotion_due_on = models.DateField(null=True, blank=True)
    tier_evaluated_at = models.DateTimeField(null=True, blank=True)
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


class PartnerSpecialisation(TenantOwnedModel):
    partner = models.ForeignKey(PartnerOrganisation, on_delete=models.CASCADE)
    specialisation = models.ForeignKey(Specialisation, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "partner", "specialisation"], name="partner_specialisation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.specialisation_id}"


class PartnerStatusChange(TenantOwnedModel):
    """Lifecycle history: who moved a partner between statuses, and why."""

    partner = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=16, choices=PartnerStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=PartnerStatus.choices)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class TierOverride(TenantOwnedModel):
    """Staff set a partner's tier by hand, with a reason and an expiry; visible and audited."""

    partner = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="tier_overrides"
    )
    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    expires_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "partner"],
                condition=Q(ended_at__isnull=True),
                name="tier_override_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} → {self.tier_id} until {self.expires_on}"


class TierChange(TenantOwnedModel):
    """Tier history: every evaluation that changes a partner's tier (or starts a grace
    period), with the metric values and which requirements passed or failed."""

    class Kind(models.TextChoices):
        PROMOTION = "promotion", _("Promotion")
        DEMOTION = "demotion", _("Demotion")
        DEMOTION_PENDING = "demotion_pending", _("Demotion pending (grace period)")
        DEMOTION_CANCELLED = "demotion_cancelled", _("Requalified during grace period")
        OVERRIDE = "override", _("Override")
        OVERRIDE_ENDED = "override_ended", _("Override ended")

    partner = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="tier_changes"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    from_tier = models.ForeignKey(
        Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_tier = models.ForeignKey(
        Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    metric_values = models.JSONField(default=dict, blank=True)
    requirement_results = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "partner", "-created_at"], name="tier_change_partner")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.from_tier_id} → {self.to_tier_id}"


class TierRuleDraft(TenantOwnedModel):
    """A what-if copy of the tier rules: simulated, then published or discarded."""

    rules = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    discarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Tier rule draft {self.pk}"


class CommitmentStatus(models.TextChoices):
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")
    UNVERIFIED = "unverified", _("Unverified")


class PartnerCommitment(TenantOwnedModel):
    """What the vendor owes a partner because of its tier (a named contact, a discount…),
    and whether it holds: the vendor's side of the tier bargain. One row per promised
    benefit, written by partners.commitment_services from the checks in
    partners.commitments; `since` is when the current status began."""

    partner = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="commitments"
    )
    benefit = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=CommitmentStatus.choices)
    detail = models.TextField(blank=True)
    # The tier whose promise this is.
    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="+")
    checked_at = models.DateTimeField()
    since = models.DateTimeField()

    class Meta:
        ordering = ["partner_id", "benefit"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "partner", "benefit"], name="partner_commitment_once"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "benefit", "status"], name="partner_commitment_status"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.benefit} {self.status}"

    @property
    def benefit_label(self) -> str:
        from .commitments import get_commitment

        found = get_commitment(self.benefit)
        return found.label if found else self.benefit


class CommitmentAttestation(TenantOwnedModel):
    """A member of staff confirms a benefit the platform cannot measure, e.g. "a discount
    of 20 % is configured for this partner in the price book", on a date, with a note."""

    partner = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="commitment_attestations"
    )
    benefit = models.CharField(max_length=64)
    value = models.DecimalField(max_digits=18, decimal_places=2)
    note = models.TextField()
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    attested_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-attested_on", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "partner", "benefit", "-attested_on"],
                name="commitment_attestation_latest",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.benefit} = {self.value} on {self.attested_on}"
