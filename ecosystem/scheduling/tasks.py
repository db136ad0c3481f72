from celery import shared_task

from .services import process_due


@shared_task(ignore_result=True)
def process_due_work() -> int:
    return process_due()
