"""Campaign kits, partners' activations of them, tracked links and the lead attribution."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel

from .audience import AudienceFields

__all__ = [
    "Activation",
    "Campaign",
    "CampaignEmail",
    "CampaignGrant",
    "LeadCapture",
    "SocialNetwork",
    "SocialPost",
    "TrackedLink",
]


class Campaign(AudienceFields, TenantOwnedModel):
    """A kit for a period: assets, co-brand templates, emails, social posts and a landing
    page, offered to the eligible partners (the audience)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    description = models.TextField(blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    assets = models.ManyToManyField("tcma.Asset", blank=True, related_name="campaigns")
    templates = models.ManyToManyField("tcma.CobrandTemplate", blank=True, related_name="+")
    # Where tracked links land by default (the vendor's product page), tagged with UTM.
    destination_url = models.URLField(max_length=500)
    utm_campaign = models.SlugField(max_length=80, blank=True)  # blank = slug
    # --- the landing page each activating partner gets, co-branded
    landing_headline = models.CharField(max_length=160, blank=True)
    landing_body = models.TextField(blank=True)  # cleaned rich text
    landing_call_to_action = models.CharField(max_length=60, default="Talk to an expert")
    landing_thank_you = models.CharField(
        max_length=300, default="Thank you. A specialist will be in touch shortly."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="campaign_slug_per_tenant"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_period"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status", "ends_on"], name="campaign_live")]

    def __str__(self) -> str:
        return self.name


class CampaignGrant(TenantOwnedModel):
    """A named partner eligible for a campaign whose audience is `named`."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="grants")
    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "campaign", "partner"], name="campaign_grant_once"
            ),
        ]


class CampaignEmail(TenantOwnedModel):
    """An email in the kit; `body_html` carries merge fields ({{ contact.first_name }},
    {{ partner.name }}, {{ tracked_link }}, {{ unsubscribe_url }})."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="emails")
    name = models.CharField(max_length=120)
    subject = models.CharField(max_length=200)
    body_html = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "position", "id"]

    def __str__(self) -> str:
        return self.subject


class SocialNetwork(models.TextChoices):
    LINKEDIN = "linkedin", _("LinkedIn")
    X = "x", _("X")
    FACEBOOK = "facebook", _("Facebook")


class SocialPost(TenantOwnedModel):
    """A ready-to-post text (with `{{ tracked_link }}`) and image for one network."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="social_posts")
    network = models.CharField(max_length=10, choices=SocialNetwork.choices)
    text = models.TextField()
    image = models.ImageField(upload_to="tcma/social/", blank=True, max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "position", "id"]


class Activation(TenantOwnedModel):
    """A partner took up a campaign: it gets tracked links (UTM + its `code`), its own
    landing page (/l/<code>/), co-branded versions of the kit's templates."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="activations")
    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="+"
    )
    # Public, unguessable: appears in landing page and tracked-link URLs.
    code = models.CharField(max_length=24)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    activated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-activated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "campaign", "partner"], name="activation_once"
            ),
            models.UniqueConstraint(fields=["tenant", "code"], name="activation_code"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.partner}"


class TrackedLink(TenantOwnedModel):
    """A redirect (/t/<token>/) to a destination with UTM parameters and the partner code;
    each click is counted as engagement."""

    activation = models.ForeignKey(Activation, on_delete=models.CASCADE, related_name="links")
    label = models.CharField(max_length=120)
    destination_url = models.URLField(max_length=800)  # already carries the UTM parameters
    utm_source = models.CharField(max_length=80)
    utm_medium = models.CharField(max_length=80)
    utm_campaign = models.CharField(max_length=80)
    utm_content = models.CharField(max_length=80, blank=True)
    token = models.CharField(max_length=24)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["activation", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "token"], name="tracked_link_token"),
        ]

    def __str__(self) -> str:
        return self.label


class LeadCapture(TenantOwnedModel):
    """Where a lead made by marketing came from: a campaign activation's landing page or a
    joint event, with the UTM data of the visit. One per lead."""

    lead = models.OneToOneField("dealreg.Lead", on_delete=models.CASCADE, related_name="capture")
    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="captures"
    )
    activation = models.ForeignKey(
        Activation, on_delete=models.SET_NULL, null=True, blank=True, related_name="captures"
    )
    event = models.ForeignKey(
        "tcma.JointEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="captures"
    )
    utm = models.JSONField(default=dict, blank=True)
    referrer = models.CharField(max_length=500, blank=True)
    captured_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-captured_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "campaign", "partner"], name="capture_campaign"),
            models.Index(fields=["tenant", "event"], name="capture_event"),
        ]
