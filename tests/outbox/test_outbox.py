import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from ecosystem.outbox.models import ListenerRun, OutboxEvent
from ecosystem.outbox.registry import listener, unregister
from ecosystem.outbox.services import dispatch_pending, emit
from ecosystem.tenancy.context import current_tenant


@pytest.fixture
def received():
    """Registers a listener for 'test.happened' that records (event id, tenant in scope)."""
    calls: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    @listener("test.happened")
    def record_call(event):
        with lock:
            scoped = current_tenant()
            calls.append((event.pk, scoped.slug if scoped else None))

    yield calls
    unregister(record_call)


@pytest.mark.django_db
def test_event_in_rolled_back_transaction_is_never_dispatched(tenant, received):
    with pytest.raises(RuntimeError), transaction.atomic():
        emit(tenant=tenant, name="test.happened", payload={"n": 1})
        raise RuntimeError("the change failed")
    assert not OutboxEvent.objects.for_tenant(tenant).exists()
    dispatch_pending()
    assert received == []


@pytest.mark.django_db
def test_committed_event_is_dispatched_once_even_if_the_dispatcher_runs_twice(tenant, received):
    event = emit(tenant=tenant, name="test.happened", payload={"n": 1})
    assert dispatch_pending() == 1
    assert dispatch_pending() == 0
    assert received == [(event.pk, "acme")]  # and inside the event's tenant scope
    event.refresh_from_db()
    assert event.dispatched_at is not None


@pytest.mark.django_db
def test_events_without_listeners_are_marked_dispatched(tenant):
    emit(tenant=tenant, name="nobody.listens")
    assert dispatch_pending() == 1


@pytest.mark.django_db
def test_failing_listener_is_retried_with_backoff_without_rerunning_the_others(tenant, received):
    attempts = []

    @listener("test.happened")
    def flaky(event):
        attempts.append(event.pk)
        if len(attempts) == 1:
            raise ValueError("downstream unavailable")

    try:
        event = emit(tenant=tenant, name="test.happened")
        now = timezone.now()
        assert dispatch_pending(now=now) == 0
        event.refresh_from_db()
        assert event.dispatched_at is None and event.attempts == 1
        assert "downstream unavailable" in event.last_error
        assert event.next_attempt_at > now
        assert dispatch_pending(now=now) == 0  # not due yet
        assert dispatch_pending(now=now + timedelta(minutes=5)) == 1
        assert len(received) == 1  # the healthy listener ran once in all
        assert len(attempts) == 2
        assert ListenerRun.objects.for_tenant(tenant).filter(event=event).count() == 2
    finally:
        unregister(flaky)


@pytest.mark.django_db
def test_emit_on_commit_dispatches_in_process_in_the_embedded_mode(
    tenant, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = emit(tenant=tenant, name="test.happened")
    assert received == [(event.pk, "acme")]


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_deliver_each_event_exactly_once(received):
    from tests.tenancy.factories import TenantFactory

    tenant = TenantFactory(slug="concurrent")
    events = [emit(tenant=tenant, name="test.happened", payload={"n": n}) for n in range(60)]
    start = threading.Barrier(3)
    errors = []

    def run():
        try:
            start.wait()
            dispatch_pending(batch_size=7)
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    handled = [event_id for event_id, _ in received]
    assert sorted(handled) == sorted(event.pk for event in events)
    assert len(handled) == len(set(handled))


@pytest.mark.django_db
def test_one_dispatch_request_per_transaction(tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for n in range(5):
            emit(tenant=tenant, name="test.happened", payload={"n": n})
    assert len(callbacks) == 1
