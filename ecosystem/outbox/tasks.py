from celery import shared_task

from .services import dispatch_pending


@shared_task(ignore_result=True)
def dispatch_outbox() -> int:
    return dispatch_pending()
