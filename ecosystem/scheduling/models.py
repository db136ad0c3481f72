from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from ecosystem.tenancy.models import TenantOwnedModel


class DueWork(TenantOwnedModel):
    """Timed work stored as a row with a due time (never a long Celery countdown).

    `kind` names a handler registered with `@due_handler`; `key` makes scheduling idempotent:
    scheduling the same (kind, key) again moves the due time instead of adding a row.
    """

    kind = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    due_at = models.DateTimeField()
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    done_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "key"],
                condition=Q(done_at__isnull=True, cancelled_at__isnull=True),
                name="due_work_one_open_per_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                condition=Q(done_at__isnull=True, cancelled_at__isnull=True),
                name="due_work_open",
            ),
        ]
        verbose_name_plural = "due work"

    def __str__(self) -> str:
        return f"{self.kind}:{self.key} due {self.due_at:%Y-%m-%d %H:%M}"
