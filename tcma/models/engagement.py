"""Every measurable touch, one row each: the raw material of campaign and content
measurement (tcma.measurement) and of analytics' engagement score."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel

__all__ = ["Engagement"]


class Engagement(TenantOwnedModel):
    class Kind(models.TextChoices):
        ASSET_VIEW = "asset_view", _("Asset viewed")
        ASSET_DOWNLOAD = "asset_download", _("Asset downloaded")
        RENDITION_DOWNLOAD = "rendition_download", _("Co-branded asset downloaded")
        ACTIVATION = "activation", _("Campaign activated")
        LINK_CLICK = "link_click", _("Tracked link clicked")
        LANDING_VISIT = "landing_visit", _("Landing page visited")
        LANDING_CONVERSION = "landing_conversion", _("Landing page form submitted")
        EMAIL_SENT = "email_sent", _("Email sent")
        EMAIL_OPEN = "email_open", _("Email opened")
        EMAIL_CLICK = "email_click", _("Email link clicked")
        FEED_VIEW = "feed_view", _("Feed shown")
        FEED_CLICK = "feed_click", _("Feed item clicked")
        EVENT_REGISTRATION = "event_registration", _("Event registration")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    partner = models.ForeignKey(
        "partners.PartnerOrganisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    asset = models.ForeignKey(
        "tcma.Asset", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.ForeignKey(
        "tcma.AssetVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    campaign = models.ForeignKey(
        "tcma.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    activation = models.ForeignKey(
        "tcma.Activation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event = models.ForeignKey(
        "tcma.JointEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)  # UTM, referrer, link id …
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "campaign", "kind"], name="engagement_campaign"),
            models.Index(fields=["tenant", "partner", "occurred_at"], name="engagement_partner"),
            models.Index(fields=["tenant", "asset", "kind"], name="engagement_asset"),
        ]
