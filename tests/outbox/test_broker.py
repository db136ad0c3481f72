"""The production path queues work on the real Redis broker; a broker outage loses nothing."""

import pytest
import redis

from ecosystem.celery import app as celery_app
from ecosystem.outbox.models import OutboxEvent
from ecosystem.outbox.services import _request_dispatch, dispatch_pending, emit

BROKER = "redis://127.0.0.1:6379/15"


@pytest.fixture
def real_broker():
    client = redis.Redis.from_url(BROKER)
    client.flushdb()
    previous = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=BROKER, task_always_eager=False)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield client
    finally:
        celery_app.conf.update(previous)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        client.flushdb()


def test_dispatch_request_is_queued_on_redis(real_broker):
    _request_dispatch()
    assert real_broker.llen("default") == 1
    message = real_broker.lpop("default")
    assert b"ecosystem.outbox.tasks.dispatch_outbox" in message


@pytest.mark.django_db
def test_unreachable_broker_does_not_lose_the_event(tenant, django_capture_on_commit_callbacks):
    previous = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(
        broker_url="redis://127.0.0.1:1/0",
        task_always_eager=False,
        broker_connection_retry=False,
        broker_connection_max_retries=0,
        broker_transport_options={"max_retries": 0},
    )
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event = emit(tenant=tenant, name="anything.happened")
    finally:
        celery_app.conf.update(previous)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
    assert OutboxEvent.objects.for_tenant(tenant).get(pk=event.pk).dispatched_at is None
    assert dispatch_pending() == 1  # the periodic run delivers it once the broker is back
