"""The transactional outbox: `emit` inside a service's transaction; `dispatch_pending`
delivers committed events to their listeners."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

from django.db import connection, models, transaction
from django.utils import timezone

from ecosystem.tenancy.context import tenant_scope

from .models import ListenerRun, OutboxEvent
from .registry import listeners_for

logger = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)


def emit(*, tenant, name: str, obj: models.Model | None = None, payload=None) -> OutboxEvent:
    """Record a domain event in the current transaction and ask for a dispatch after commit.

    If the transaction rolls back the event never existed; if the broker is down after commit
    the periodic dispatcher still delivers it.
    """
    event = OutboxEvent.objects.create(
        tenant=tenant,
        name=name,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        payload=payload or {},
    )
    _request_dispatch_on_commit()
    return event


def emit_many(*, tenant, name: str, items: list[tuple[models.Model, dict]]) -> int:
    """Record one event per (object, payload) in a single insert, for set-based services."""
    OutboxEvent.objects.bulk_create(
        [
            OutboxEvent(
                tenant=tenant,
                name=name,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                payload=payload,
            )
            for obj, payload in items
        ]
    )
    if items:
        _request_dispatch_on_commit()
    return len(items)


def _request_dispatch_on_commit() -> None:
    # One dispatch request per transaction, however many events it emits.
    pending = getattr(connection, "run_on_commit", [])
    if not any(callback is _request_dispatch for _, callback, *_ in pending):
        transaction.on_commit(_request_dispatch)


def _request_dispatch() -> None:
    from .tasks import dispatch_outbox

    try:
        dispatch_outbox.delay()
    except Exception:  # broker unreachable: the beat schedule will pick the event up
        logger.warning("Could not queue outbox dispatch; the periodic run will deliver it")


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2**attempts * 5), MAX_BACKOFF)


def _deliver(event: OutboxEvent, already_done: set[str]) -> list[str]:
    """Run the listeners that have not yet handled `event`; return the errors."""
    errors = []
    for key, function in listeners_for(event.name).items():
        if key in already_done:
            continue
        try:
            with transaction.atomic():
                function(event)
                ListenerRun.objects.create(tenant_id=event.tenant_id, event=event, listener=key)
        except Exception:
            logger.exception("Listener %s failed on %s", key, event)
            errors.append(f"{key}: {traceback.format_exc(limit=3)}")
    return errors


def dispatch_pending(*, batch_size: int = 200, now=None) -> int:
    """Deliver due, undelivered events. Returns how many events were completed.

    Each batch is claimed with SELECT … FOR UPDATE SKIP LOCKED, so two dispatchers running
    at once never deliver the same event twice.
    """
    completed = 0
    while True:
        with transaction.atomic():
            current = now or timezone.now()
            events = list(
                OutboxEvent.objects.across_tenants()
                .filter(dispatched_at__isnull=True, next_attempt_at__lte=current)
                .select_related("tenant")
                .order_by("id")
                .select_for_update(skip_locked=True, of=("self",))[:batch_size]
            )
            if not events:
                return completed
            done: dict[int, set[str]] = {}
            for event_id, key in (
                ListenerRun.objects.across_tenants()
                .filter(event_id__in=[event.pk for event in events])
                .values_list("event_id", "listener")
            ):
                done.setdefault(event_id, set()).add(key)
            for event in events:
                with tenant_scope(event.tenant):
                    errors = _deliver(event, done.get(event.pk, set()))
                if errors:
                    event.attempts += 1
                    event.next_attempt_at = current + _backoff(event.attempts)
                    event.last_error = "\n".join(errors)[-4000:]
                else:
                    event.dispatched_at = current
                    event.last_error = ""
                    completed += 1
            OutboxEvent.objects.across_tenants().bulk_update(
                events, ["dispatched_at", "attempts", "next_attempt_at", "last_error"]
            )
            if len(events) < batch_size:
                return completed
