"""Deal registration, rules of engagement, duplicate matches, deal rooms, CRM records, leads.

Customer identity is stored normalised next to what people typed (`name_key`, `domain_key`,
`domain_label`, see dealreg.matching) so duplicate candidates are found by index, and the
serialisation lock for first-in decisions is taken on the customer's key.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ecosystem.tenancy.models import TenantOwnedModel
from partners.models import Industry

from . import matching

MONEY = {"max_digits": 14, "decimal_places": 2}


class RulesOfEngagement(TenantOwnedModel):
    """The tenant's deal-registration rules, shown to partners as a readable page."""

    protection_days = models.PositiveIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("An approved registration protects the partner for this many days."),
    )
    extension_days = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Days added when an extension request is approved."),
    )
    max_extensions = models.PositiveSmallIntegerField(default=2)
    review_sla_hours = models.PositiveIntegerField(
        default=48,
        validators=[MinValueValidator(1)],
        help_text=_("Registrations waiting longer than this escalate."),
    )
    duplicate_threshold = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.800"),
        validators=[MinValueValidator(Decimal("0.300")), MaxValueValidator(Decimal("1"))],
        help_text=_("Matches scoring at least this are flagged as duplicates."),
    )
    minimum_amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("In the tenant's default currency; smaller registrations are refused."),
    )
    allowed_countries = CountryField(
        multiple=True,
        blank=True,
        help_text=_("Customer countries open to registration; empty means all."),
    )
    restrict_to_partner_territory = models.BooleanField(
        default=False,
        help_text=_("Partners may register only customers in countries they serve."),
    )
    auto_approve = models.BooleanField(default=True)
    auto_approve_max_amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text=_("Empty means no limit.")
    )
    auto_approve_min_tier = models.ForeignKey(
        "partners.Tier", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalation_contact = models.ForeignKey(
        "tenancy.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Told about overdue reviews when the reviewer has no lead."),
    )
    lead_offer_hours = models.PositiveIntegerField(
        default=48,
        validators=[MinValueValidator(1)],
        help_text=_("A partner that does not answer a lead offer within this loses it."),
    )
    guidance = models.TextField(blank=True, help_text=_("Anything else partners should know."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "rules of engagement"
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="rules_of_engagement_per_tenant")
        ]

    def __str__(self) -> str:
        return f"Rules of engagement of {self.tenant_id}"


class CustomerIdentity(models.Model):
    """A customer as typed plus its normalised keys (dealreg.matching.identity).

    `search_keys` holds `matching.candidate_keys` (whatever the scorer flags shares one)
    and `matching.related_keys` (for weaker, "possible duplicate" matches), as the keys of
    a JSON object: GIN-indexed on PostgreSQL, and searchable the same way on SQLite."""

    KEY_FIELDS = ["name_key", "domain_key", "domain_label", "search_keys"]

    customer_name = models.CharField(max_length=200)
    customer_domain = models.CharField(max_length=253, blank=True)
    customer_country = CountryField()
    name_key = models.CharField(max_length=200, editable=False)
    domain_key = models.CharField(max_length=253, blank=True, editable=False)
    domain_label = models.CharField(max_length=253, blank=True, editable=False)
    search_keys = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        abstract = True

    @staticmethod
    def keys_of(identity: matching.Identity) -> dict[str, Any]:
        """The stored keys of a customer, by field name (KEY_FIELDS)."""
        return {
            "name_key": identity.name_key,
            "domain_key": identity.domain_key,
            "domain_label": identity.domain_label,
            "search_keys": dict.fromkeys(
                sorted(matching.candidate_keys(identity) | set(matching.related_keys(identity))),
                1,
            ),
        }

    @property
    def identity(self) -> matching.Identity:
        return matching.Identity(
            name=self.customer_name,
            domain=self.customer_domain,
            country=str(self.customer_country),
            name_key=self.name_key,
            domain_key=self.domain_key,
            domain_label=self.domain_label,
        )


class NamedAccount(TenantOwnedModel):
    """A customer reserved for direct sales: a registration for it goes to review."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True)
    country = CountryField(blank=True)
    owner = models.CharField(max_length=200, blank=True, help_text=_("Direct account owner."))
    name_key = models.CharField(max_length=200, editable=False)
    domain_key = models.CharField(max_length=253, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["tenant", "name_key"], name="named_account_name"),
            models.Index(fields=["tenant", "domain_key"], name="named_account_domain"),
        ]

    def __str__(self) -> str:
        return self.name


class DealStatus(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    EXPIRED = "expired", _("Expired")


OPEN_STATUSES = (DealStatus.PENDING_REVIEW, DealStatus.APPROVED)


class DealStage(models.TextChoices):
    PROSPECTING = "prospecting", _("Prospecting")
    QUALIFICATION = "qualification", _("Qualification")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    COMMIT = "commit", _("Commit")


class RouteToMarket(models.TextChoices):
    RESALE = "resale", _("Resale")
    DISTRIBUTION = "distribution", _("Distribution")
    REFERRAL = "referral", _("Referral")
    MARKETPLACE = "marketplace", _("Cloud-marketplace private offer")


class DecisionBy(models.TextChoices):
    RULES = "rules", _("Rules")
    USER = "user", _("Reviewer")


class Deal(TenantOwnedModel, CustomerIdentity):
    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.PROTECT, related_name="deals"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    customer_address = models.TextField(blank=True)
    customer_industry = models.CharField(max_length=32, choices=Industry.choices, blank=True)
    products = models.JSONField(default=list, blank=True)
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3)
    expected_close_date = models.DateField()
    stage = models.CharField(
        max_length=16, choices=DealStage.choices, default=DealStage.QUALIFICATION
    )
    route_to_market = models.CharField(
        max_length=16, choices=RouteToMarket.choices, default=RouteToMarket.RESALE
    )
    notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=DealStatus.choices, default=DealStatus.PENDING_REVIEW
    )
    # --- the decision (decision_by empty while pending)
    decision_by = models.CharField(max_length=8, choices=DecisionBy.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Why the rules could not approve it at once (shown to reviewers and the partner).
    review_reasons = models.JSONField(default=list, blank=True)
    assigned_to = models.ForeignKey(
        "tenancy.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_deals",
    )
    review_due_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # --- protection
    protection_expires_at = models.DateTimeField(null=True, blank=True)
    extensions_granted = models.PositiveSmallIntegerField(default=0)
    # --- close
    final_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"], name="deal_tenant_status"),
            models.Index(fields=["tenant", "partner", "status"], name="deal_tenant_partner"),
            models.Index(fields=["tenant", "status", "closed_on"], name="deal_tenant_closed"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.customer_name})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def decision(self) -> dict | None:
        if not self.decision_by:
            return None
        return {"by": self.decision_by, "reason": self.decision_reason}


class MatchKind(models.TextChoices):
    DEAL = "deal", _("Deal")
    OPPORTUNITY = "opportunity", _("CRM opportunity")


class DealMatch(TenantOwnedModel):
    """A possible duplicate found when the deal was registered, kept for the review."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="matches")
    kind = models.CharField(max_length=16, choices=MatchKind.choices)
    matched_deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    matched_opportunity = models.ForeignKey(
        "dealreg.CrmOpportunity", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    score = models.DecimalField(max_digits=4, decimal_places=3)
    reasons = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="deal", matched_deal__isnull=False, matched_opportunity__isnull=True)
                    | Q(
                        kind="opportunity",
                        matched_deal__isnull=True,
                        matched_opportunity__isnull=False,
                    )
                ),
                name="deal_match_points_at_one_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.deal_id} ~ {self.kind} ({self.score})"


class DealEvent(TenantOwnedModel):
    """The deal's history: every status change, decision, appeal, participant and note."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "deal", "created_at"], name="deal_event_deal")]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.kind}"


class ParticipantRole(models.TextChoices):
    SOURCED = "sourced", _("Sourced")
    INFLUENCE = "influence", _("Influence")
    FULFILLMENT = "fulfillment", _("Fulfillment")
    REFERRAL = "referral", _("Referral")
    CO_SELL = "co_sell", _("Co-sell")


class DealParticipant(TenantOwnedModel):
    """A partner credited on a deal; the registering partner is the `sourced` one."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="participants")
    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="participations"
    )
    role = models.CharField(max_length=16, choices=ParticipantRole.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    note = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "deal", "partner"], name="deal_participant_once"
            )
        ]
        indexes = [models.Index(fields=["tenant", "partner", "status"], name="participant_partner")]

    def __str__(self) -> str:
        return f"{self.partner_id} on {self.deal_id} ({self.role})"


class AppealSubject(models.TextChoices):
    REJECTION = "rejection", _("Rejection")
    DUPLICATE = "duplicate", _("Duplicate ruling")


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    REVERSED = "reversed", _("Reversed")


class DealAppeal(TenantOwnedModel):
    """A partner's one appeal of a rejection, decided by a different reviewer."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="appeals")
    subject = models.CharField(max_length=16, choices=AppealSubject.choices)
    note = models.TextField()
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    original_decider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewer = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=AppealOutcome.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["tenant", "deal"], name="deal_appeal_once")]

    def __str__(self) -> str:
        return f"Appeal of {self.deal_id}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ProtectionExtension(TenantOwnedModel):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveIntegerField()
    reason = models.TextField()
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "deal"],
                condition=Q(status="pending"),
                name="one_pending_extension_per_deal",
            )
        ]

    def __str__(self) -> str:
        return f"Extension of {self.deal_id} by {self.days} days"


def deal_file_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return (
        f"tenants/{instance.tenant_id}/deals/{instance.deal_id}/{secrets.token_hex(8)}.{extension}"
    )


class DealMessage(TenantOwnedModel):
    """The deal room thread: comments, files and status updates, for participants and staff."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        STATUS = "status", _("Status update")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.COMMENT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(blank=True)
    file = models.FileField(upload_to=deal_file_path, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    mentions = models.JSONField(default=list, blank=True, help_text=_("Mentioned user ids."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "deal", "created_at"], name="deal_message_deal")]

    def __str__(self) -> str:
        return f"Message on {self.deal_id}"


class VendorHelpRequest(TenantOwnedModel):
    """A partner asks the vendor for a person on a deal; a manager assigns and tracks it."""

    class Kind(models.TextChoices):
        SALES_ENGINEER = "sales_engineer", _("Sales engineer")
        SPECIALIST = "specialist", _("Product specialist")
        EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ASSIGNED = "assigned", _("Assigned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="help_requests")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assigned_to = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "status"], name="help_request_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.deal_id}"


# --- CRM records ---------------------------------------------------------------------------


class CrmAccount(TenantOwnedModel):
    """A vendor pipeline account, keyed by the CRM's id."""

    external_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True)
    country = CountryField(blank=True)
    industry = models.CharField(max_length=100, blank=True)
    owner = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"], name="crm_account_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CrmOpportunity(TenantOwnedModel, CustomerIdentity):
    """A vendor pipeline opportunity; its customer identity comes from its account when the
    row does not carry its own."""

    external_id = models.CharField(max_length=100)
    account = models.ForeignKey(
        CrmAccount, on_delete=models.SET_NULL, null=True, blank=True, related_name="opportunities"
    )
    name = models.CharField(max_length=200)
    stage = models.CharField(max_length=100, blank=True)
    is_open = models.BooleanField(default=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    owner = models.CharField(max_length=200, blank=True)
    close_date = models.DateField(null=True, blank=True)
    products = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"], name="crm_opportunity_external_id"
            )
        ]
        indexes = []

    def __str__(self) -> str:
        return self.name


class CrmImport(TenantOwnedModel):
    """A CSV upload: previewed first (row-level errors), then applied whole or not at all."""

    class Kind(models.TextChoices):
        ACCOUNTS = "accounts", _("Accounts")
        OPPORTUNITIES = "opportunities", _("Opportunities")

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    file_name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    rows = models.JSONField(default=list, help_text=_("Validated rows waiting to be applied."))
    errors = models.JSONField(default=list, help_text=_("[{row, field, message}]"))
    total_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.file_name}"


# --- Leads and routing ---------------------------------------------------------------------


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")  # every eligible partner declined or timed out
    CONVERTED = "converted", _("Converted")
    LOST = "lost", _("Lost")


class Lead(TenantOwnedModel):
    class Source(models.TextChoices):
        IMPORT = "import", _("Import")
        API = "api", _("API")
        MANUAL = "manual", _("Entered by staff")
        CAMPAIGN = "campaign", _("Campaign landing page")

    company_name = models.CharField(max_length=200)
    company_domain = models.CharField(max_length=253, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    country = CountryField()
    interest = models.CharField(max_length=200, blank=True)
    products = models.JSONField(default=list, blank=True)
    estimated_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    status = models.CharField(max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    # The partner holding the current offer, or who accepted it.
    partner = models.ForeignKey(
        "partners.PartnerOrganisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    deal = models.ForeignKey(
        Deal, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    lost_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"], name="lead_tenant_status"),
            models.Index(fields=["tenant", "partner", "status"], name="lead_tenant_partner"),
        ]

    def __str__(self) -> str:
        return self.company_name


class LeadOffer(TenantOwnedModel):
    """One offer of a lead to one partner, with the score breakdown that chose it."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("No answer in time")
        WITHDRAWN = "withdrawn", _("Withdrawn by staff")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="offers")
    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="lead_offers"
    )
    rank = models.PositiveSmallIntegerField(help_text=_("1 = the best-scored partner."))
    score = models.DecimalField(max_digits=8, decimal_places=4)
    breakdown = models.JSONField(default=dict)
    is_override = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OFFERED)
    reason = models.TextField(blank=True)
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["offered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "lead"],
                condition=Q(status="offered"),
                name="one_open_offer_per_lead",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "partner", "status"], name="lead_offer_partner"),
            models.Index(fields=["tenant", "offered_at"], name="lead_offer_time"),
        ]

    def __str__(self) -> str:
        return f"Lead {self.lead_id} → partner {self.partner_id}"


class RoutingRule(TenantOwnedModel):
    """Which partners may receive which leads. The first active rule (by priority) whose
    lead criteria match decides eligibility; no rule matching means every active partner."""

    name = models.CharField(max_length=100)
    priority = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    # --- which leads the rule covers (empty = any)
    lead_countries = CountryField(multiple=True, blank=True)
    interest_contains = models.CharField(max_length=100, blank=True)
    # --- which partners are eligible (empty = any)
    partner_countries = CountryField(multiple=True, blank=True)
    partner_regions = models.JSONField(default=list, blank=True)
    partner_types = models.JSONField(default=list, blank=True)
    specialisation = models.ForeignKey(
        "partners.Specialisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    required_certification = models.CharField(
        max_length=100, blank=True, help_text=_("Course code partners must hold (onboarding).")
    )
    minimum_tier = models.ForeignKey(
        "partners.Tier", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name
