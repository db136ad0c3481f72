from datetime import timedelta

import pytest
from django.utils import timezone

from ecosystem.scheduling.models import DueWork
from ecosystem.scheduling.registry import due_handler, unregister
from ecosystem.scheduling.services import cancel, process_due, schedule
from ecosystem.tasks import tenant_task
from ecosystem.tenancy.context import current_tenant


@pytest.fixture
def handled():
    calls = []

    @due_handler("test.reminder")
    def remind(work):
        calls.append((work.key, current_tenant().slug, work.payload))

    yield calls
    unregister("test.reminder")


@pytest.mark.django_db
class TestDueWork:
    def test_runs_once_when_due_in_its_tenant_scope(self, tenant, handled):
        now = timezone.now()
        schedule(
            tenant=tenant,
            kind="test.reminder",
            key="deal:1",
            due_at=now + timedelta(days=1),
            payload={"days": 14},
        )
        assert process_due(now=now) == 0
        assert process_due(now=now + timedelta(days=1)) == 1
        assert process_due(now=now + timedelta(days=2)) == 0
        assert handled == [("deal:1", "acme", {"days": 14})]

    def test_rescheduling_moves_the_open_item(self, tenant, handled):
        now = timezone.now()
        schedule(tenant=tenant, kind="test.reminder", key="k", due_at=now + timedelta(hours=1))
        schedule(tenant=tenant, kind="test.reminder", key="k", due_at=now + timedelta(hours=5))
        assert DueWork.objects.for_tenant(tenant).count() == 1
        assert process_due(now=now + timedelta(hours=2)) == 0
        assert process_due(now=now + timedelta(hours=6)) == 1

    def test_same_key_in_two_tenants_is_two_items(self, tenant, other_tenant, handled):
        now = timezone.now()
        schedule(tenant=tenant, kind="test.reminder", key="k", due_at=now)
        schedule(tenant=other_tenant, kind="test.reminder", key="k", due_at=now)
        assert process_due(now=now) == 2
        assert sorted(slug for _, slug, _ in handled) == ["acme", "globex"]

    def test_cancelled_work_never_runs(self, tenant, handled):
        now = timezone.now()
        schedule(tenant=tenant, kind="test.reminder", key="k", due_at=now)
        assert cancel(tenant=tenant, kind="test.reminder", key="k") == 1
        assert process_due(now=now) == 0
        assert handled == []

    def test_failures_are_retried_later(self, tenant):
        attempts = []

        @due_handler("test.flaky")
        def flaky(work):
            attempts.append(work.pk)
            if len(attempts) < 2:
                raise RuntimeError("mail server down")

        try:
            now = timezone.now()
            work = schedule(tenant=tenant, kind="test.flaky", key="k", due_at=now)
            assert process_due(now=now) == 0
            work.refresh_from_db()
            assert work.attempts == 1 and "mail server down" in work.last_error
            assert work.due_at > now
            assert process_due(now=now + timedelta(hours=1)) == 1
            assert len(attempts) == 2
        finally:
            unregister("test.flaky")

    def test_unknown_kind_is_refused_when_scheduling(self, tenant):
        with pytest.raises(LookupError):
            schedule(tenant=tenant, kind="nobody.handles", key="k", due_at=timezone.now())


@tenant_task()
def slug_in_scope(*, tenant):
    return current_tenant().slug, tenant.slug


@pytest.mark.django_db
def test_tenant_task_base_opens_the_tenant_scope(tenant):
    result = slug_in_scope.delay(tenant_id=tenant.pk).get()
    assert result == ("acme", "acme")
    assert current_tenant() is None
