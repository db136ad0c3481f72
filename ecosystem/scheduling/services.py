"""Scheduling timed work and running it when due."""

from __future__ import annotations

import logging
import traceback
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ecosystem.tenancy.context import tenant_scope

from .models import DueWork
from .registry import handler_for

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 10


def schedule(*, tenant, kind: str, key: str, due_at: datetime, payload=None) -> DueWork:
    """Schedule `kind` for `key` at `due_at`, or move the open one to the new time."""
    if handler_for(kind) is None:
        raise LookupError(f"No due-work handler registered for {kind!r}")
    work, _ = DueWork.objects.for_tenant(tenant).update_or_create(
        kind=kind,
        key=key,
        done_at__isnull=True,
        cancelled_at__isnull=True,
        defaults={"due_at": due_at, "payload": payload or {}},
        create_defaults={"tenant": tenant, "due_at": due_at, "payload": payload or {}},
    )
    return work


def cancel(*, tenant, kind: str, key: str) -> int:
    """Cancel the open work for (kind, key); returns how many rows were cancelled."""
    return (
        DueWork.objects.for_tenant(tenant)
        .filter(kind=kind, key=key, done_at__isnull=True, cancelled_at__isnull=True)
        .update(cancelled_at=timezone.now())
    )


def process_due(*, now: datetime | None = None, batch_size: int = 100) -> int:
    """Run every open item whose time has come; returns how many completed.

    Rows are claimed with SKIP LOCKED so parallel runs never handle one item twice. A failing
    handler is retried with backoff, up to MAX_ATTEMPTS.
    """
    completed = 0
    while True:
        with transaction.atomic():
            current = now or timezone.now()
            items = list(
                DueWork.objects.across_tenants()
                .filter(
                    done_at__isnull=True,
                    cancelled_at__isnull=True,
                    due_at__lte=current,
                    attempts__lt=MAX_ATTEMPTS,
                )
                .select_related("tenant")
                .order_by("due_at", "id")
                .select_for_update(skip_locked=True, of=("self",))[:batch_size]
            )
            if not items:
                return completed
            for item in items:
                handler = handler_for(item.kind)
                try:
                    if handler is None:
                        raise LookupError(f"No handler registered for {item.kind!r}")
                    with transaction.atomic(), tenant_scope(item.tenant):
                        handler(item)
                except Exception:
                    logger.exception("Due work %s failed", item)
                    item.attempts += 1
                    item.last_error = traceback.format_exc(limit=3)[-4000:]
                    item.due_at = current + timedelta(minutes=2**item.attempts)
                else:
                    item.done_at = current
                    completed += 1
            DueWork.objects.across_tenants().bulk_update(
                items, ["done_at", "attempts", "last_error", "due_at"]
            )
            if len(items) < batch_size:
                return completed
