"""Handlers for timed work. An app registers them in its `due_work.py`:

    @due_handler("deal.protection_expiry")
    def expire_protection(work): ...

A handler must be idempotent: a crash after it ran but before the row was marked done runs
it again.
"""

from collections.abc import Callable

from .models import DueWork

Handler = Callable[[DueWork], None]
_handlers: dict[str, Handler] = {}


def due_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        _handlers[kind] = function
        return function

    return register


def handler_for(kind: str) -> Handler | None:
    return _handlers.get(kind)


def unregister(kind: str) -> None:
    _handlers.pop(kind, None)
