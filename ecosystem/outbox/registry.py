"""Listeners to domain events. An app declares them in its `listeners.py`:

    @listener("deal.won")
    def reevaluate_tier(event): ...

Listeners must be idempotent: the dispatcher runs each at most once per event when it
succeeds, but a listener that fails is retried.
"""

from collections import defaultdict
from collections.abc import Callable

from .models import OutboxEvent

Listener = Callable[[OutboxEvent], None]
_listeners: dict[str, dict[str, Listener]] = defaultdict(dict)


def listener(*event_names: str) -> Callable[[Listener], Listener]:
    def register(function: Listener) -> Listener:
        key = f"{function.__module__}.{function.__qualname__}"
        for event_name in event_names:
            _listeners[event_name][key] = function
        return function

    return register


def listeners_for(event_name: str) -> dict[str, Listener]:
    return dict(_listeners.get(event_name, {})) | dict(_listeners.get("*", {}))


def unregister(function: Listener) -> None:
    key = f"{function.__module__}.{function.__qualname__}"
    for registered in _listeners.values():
        registered.pop(key, None)


def event_names() -> list[str]:
    return sorted(name for name in _listeners if name != "*")
