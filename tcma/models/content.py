"""The content library: assets, their versions, named-partner grants."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel

from .audience import AudienceFields

__all__ = ["Asset", "AssetGrant", "AssetType", "AssetVersion", "FunnelStage", "asset_file_path"]


class AssetType(models.TextChoices):
    CASE_STUDY = "case_study", _("Case study")
    DATASHEET = "datasheet", _("Datasheet")
    SALES_PLAY = "sales_play", _("Sales play")
    BATTLECARD = "battlecard", _("Battlecard")
    EMAIL_TEMPLATE = "email_template", _("Email template")
    SOCIAL_POST = "social_post", _("Social post")
    PRESENTATION = "presentation", _("Presentation")
    VIDEO_LINK = "video_link", _("Video link")


class FunnelStage(models.TextChoices):
    AWARENESS = "awareness", _("Awareness")
    CONSIDERATION = "consideration", _("Consideration")
    DECISION = "decision", _("Decision")
    RETENTION = "retention", _("Retention and expansion")


class Asset(AudienceFields, TenantOwnedModel):
    """One piece of content. Its body or file lives in versions; `current_version` is the
    one shown and downloaded, and earlier versions' links keep resolving."""

    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    asset_type = models.CharField(max_length=16, choices=AssetType.choices)
    tags = models.JSONField(default=list, blank=True)
    industry = models.CharField(max_length=32, blank=True)  # partners.Industry; blank = any
    funnel_stage = models.CharField(max_length=16, choices=FunnelStage.choices, blank=True)
    language = models.CharField(max_length=8, default="en")
    expires_on = models.DateField(null=True, blank=True)
    is_published = models.BooleanField(default=False)
    current_version = models.ForeignKey(
        "AssetVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "is_published", "asset_type"], name="asset_tenant_type"),
            models.Index(fields=["tenant", "expires_on"], name="asset_tenant_expiry"),
        ]

    def __str__(self) -> str:
        return self.title


def asset_file_path(instance, filename: str) -> str:
    """Random, private path: files are served only through permission-checked views."""
    import secrets
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"tcma/assets/{instance.tenant_id}/{secrets.token_hex(16)}{suffix}"


class AssetVersion(TenantOwnedModel):
    """An immutable version: a file, rich text, or (for video links) a URL."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=asset_file_path, blank=True, max_length=200)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    body = models.TextField(blank=True)  # cleaned rich text (ecosystem.richtext)
    url = models.URLField(blank=True, max_length=500)
    notes = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "asset", "number"], name="asset_version_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} v{self.number}"


class AssetGrant(TenantOwnedModel):
    """A per-object grant: a named partner may see an asset whose audience is `named`."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="grants")
    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "asset", "partner"], name="asset_grant_once"),
        ]
