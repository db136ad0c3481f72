"""`run_scheduler` — the embedded default's stand-in for Celery beat.

Without Redis there is no beat process, so this loop delivers outbox events and runs due
work every interval. In production (docker compose) beat schedules the same two tasks.
"""

import logging
import signal
import threading

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from ecosystem.outbox.services import dispatch_pending
from ecosystem.scheduling.services import process_due

logger = logging.getLogger("ecosystem.scheduler")


class Command(BaseCommand):
    help = "Deliver outbox events and run due work every interval until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=30.0, help="Seconds between runs (default 30)."
        )
        parser.add_argument("--once", action="store_true", help="Run once and exit.")

    def handle(self, *args, **options) -> None:
        interval = options["interval"]
        if interval <= 0:
            raise CommandError("--interval must be a positive number of seconds.")
        if options["once"]:
            try:
                events, work = self.run_once()
            except Exception as error:
                raise CommandError(f"Scheduler run failed: {error}") from error
            self.stdout.write(f"Delivered {events} event(s); completed {work} due item(s).")
            return

        stop = threading.Event()

        def request_stop(signum, frame):
            logger.info("Scheduler stopping (%s)", signal.Signals(signum).name)
            stop.set()

        previous = {
            signum: signal.signal(signum, request_stop)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        logger.info("Scheduler started: every %ss", interval)
        try:
            while not stop.is_set():
                # Like a request: drop connections the database closed or that grew old.
                close_old_connections()
                try:
                    self.run_once()
                except Exception:  # a locked or restarting database must not end the loop
                    logger.exception("Scheduler run failed; retrying in %ss", interval)
                stop.wait(interval)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        logger.info("Scheduler stopped")

    def run_once(self) -> tuple[int, int]:
        events = dispatch_pending()
        work = process_due()
        level = logging.INFO if events or work else logging.DEBUG
        logger.log(level, "Delivered %s event(s); completed %s due item(s)", events, work)
        return events, work
