"""Scheduled re-screening, run by the due-work processor (ecosystem.scheduling)."""

from django.db import transaction

from ecosystem.scheduling.registry import due_handler
from ecosystem.tenancy.context import tenant_scope

from . import screening_services
from .models import Trigger


@due_handler(screening_services.RESCREEN_WORK)
def rescreen(work) -> None:
    # After this row is marked done: book the next run (booking now would only move this
    # open row) and screen the partners in batches of their own (a worker task in
    # production, in process in the embedded default).
    tenant = work.tenant

    def book_and_queue() -> None:
        with tenant_scope(tenant):
            screening_services.schedule_rescreen(tenant=tenant)
        screening_services.queue_rescreen(tenant.pk, Trigger.SCHEDULE)

    transaction.on_commit(book_and_queue)
