"""A partner's public content feed for its own website."""

from django.db import models

from ecosystem.tenancy.models import TenantOwnedModel

__all__ = ["FeedItem", "SyndicationFeed"]


class SyndicationFeed(TenantOwnedModel):
    """One per partner; `token` is the public key in the feed, widget and iframe URLs."""

    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=24)
    title = models.CharField(max_length=120, default="Resources")
    is_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "partner"], name="feed_per_partner"),
            models.UniqueConstraint(fields=["tenant", "token"], name="feed_token"),
        ]


class FeedItem(TenantOwnedModel):
    """An asset the partner chose to show; expired or withdrawn assets drop out of the
    feed when read, without touching these rows."""

    feed = models.ForeignKey(SyndicationFeed, on_delete=models.CASCADE, related_name="items")
    asset = models.ForeignKey("tcma.Asset", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["feed", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "feed", "asset"], name="feed_item_once"),
        ]
