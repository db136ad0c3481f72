"""The Celery task base for tenant work: tasks take a tenant id and run inside its scope."""

from celery import Task, shared_task

from ecosystem.tenancy.context import tenant_scope


class TenantTask(Task):
    """Call as `task.delay(tenant_id=…, …)`; `run` receives `tenant=` already in scope."""

    def __call__(self, *args, tenant_id: int, **kwargs):
        from ecosystem.tenancy.models import Tenant

        tenant = Tenant.objects.get(pk=tenant_id)
        with tenant_scope(tenant):
            return self.run(*args, tenant=tenant, **kwargs)


def tenant_task(*args, **kwargs):
    """Decorator: `@tenant_task()` declares a task on the TenantTask base.

    Celery's argument check is off because callers pass `tenant_id` where `run` takes `tenant`.
    """
    return shared_task(*args, base=TenantTask, typing=False, **kwargs)
