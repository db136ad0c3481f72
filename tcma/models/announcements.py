"""Staff news broadcast to segments of partners, with per-person read state."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecosystem.tenancy.models import TenantOwnedModel

from .audience import AudienceFields

__all__ = ["Announcement", "AnnouncementGrant", "AnnouncementReceipt"]


class Announcement(AudienceFields, TenantOwnedModel):
    """`body` is cleaned rich text with merge fields ({{ first_name }}, {{ partner_name }},
    {{ tier_name }}). Publishing makes one receipt per person in the audience and, with
    `send_email`, queues throttled email batches."""

    class Category(models.TextChoices):
        PRODUCT_LAUNCH = "product_launch", _("Product launch")
        INCENTIVE_CHANGE = "incentive_change", _("Incentive change")
        PROGRAM_UPDATE = "program_update", _("Program update")
        EVENT = "event", _("Event")
        GENERAL = "general", _("General news")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    title = models.CharField(max_length=200)
    body = models.TextField()
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.GENERAL)
    send_email = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "status", "published_at"], name="announce_live")]

    def __str__(self) -> str:
        return self.title


class AnnouncementGrant(TenantOwnedModel):
    """A named partner in the audience of an announcement whose audience is `named`."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="grants")
    partner = models.ForeignKey(
        "partners.PartnerOrganisation", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "announcement", "partner"], name="announcement_grant_once"
            ),
        ]


class AnnouncementReceipt(TenantOwnedModel):
    """One person's copy: delivered (emailed) and read state."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="receipts"
    )
    membership = models.ForeignKey("tenancy.Membership", on_delete=models.CASCADE, related_name="+")
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "announcement", "membership"], name="announcement_receipt_once"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "membership", "read_at"], name="receipt_unread"),
            models.Index(fields=["tenant", "announcement", "emailed_at"], name="receipt_mail"),
        ]
