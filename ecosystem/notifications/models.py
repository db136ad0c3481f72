from django.conf import settings
from django.db import models
from django.db.models import Q

from ecosystem.tenancy.models import TenantOwnedModel


class Notification(TenantOwnedModel):
    """An in-portal message to one person in one tenant (often also sent by email)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=80)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["tenant", "recipient", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return self.title
