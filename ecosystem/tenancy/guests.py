"""Guests: people who may sign in to a tenant without a membership, and where they land.

An app registers a function `(tenant, user) -> path | None` (onboarding: someone with a
partner application, who follows it on its status page). Core code asks `landing_for`
without knowing which apps let guests in.
"""

from __future__ import annotations

from collections.abc import Callable

Landing = Callable[..., str | None]
_landings: list[Landing] = []


def guest_landing(function: Landing) -> Landing:
    """Register `function(tenant, user)`; it returns the guest's page, or None."""
    if function not in _landings:
        _landings.append(function)
    return function


def landing_for(tenant, user) -> str | None:
    """The page a signed-in person without a membership of `tenant` may use, if any."""
    if tenant is None or not getattr(user, "is_authenticated", False):
        return None
    for function in _landings:
        path = function(tenant, user)
        if path:
            return path
    return None
