from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ecosystem.tenancy.models import TenantOwnedModel


class OutboxEvent(TenantOwnedModel):
    """A domain event, written in the same transaction as the change that caused it."""

    name = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(dispatched_at__isnull=True),
                name="outbox_pending",
            ),
            models.Index(fields=["tenant", "name", "-created_at"], name="outbox_tenant_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class ListenerRun(TenantOwnedModel):
    """One listener has handled one event: the dispatcher never runs it for that event again."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="listener_runs")
    listener = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "listener"], name="listener_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.listener} handled {self.event_id}"
