"""Screening tasks: thin wrappers that run the services in the tenant's scope."""

from ecosystem.tasks import tenant_task

from . import screening_services


@tenant_task(ignore_result=True)
def screen_application_task(*, tenant, application_id: int) -> None:
    screening_services.screen_application(tenant=tenant, application_id=application_id)


@tenant_task(ignore_result=True)
def rescreen_partners_task(*, tenant, trigger: str) -> int:
    return screening_services.rescreen_partners(tenant=tenant, trigger=trigger)
