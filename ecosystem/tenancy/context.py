"""Per-request / per-task context: the tenant in scope and where the request came from.

Middleware and the Celery task base set it; the audit log reads the IP from it; on
PostgreSQL the tenant id is also published as the `app.tenant_id` setting that row-level
security policies read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection

if TYPE_CHECKING:
    from .models import Tenant


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None = None
    user_agent: str = ""


_tenant: ContextVar[Tenant | None] = ContextVar("tenant", default=None)
_request_info: ContextVar[RequestInfo | None] = ContextVar("request_info", default=None)
NO_REQUEST = RequestInfo()


def current_tenant() -> Tenant | None:
    return _tenant.get()


def request_info() -> RequestInfo:
    return _request_info.get() or NO_REQUEST


def _publish_tenant_setting(tenant_id: int | None) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('app.tenant_id', %s, false)",
                [str(tenant_id) if tenant_id else ""],
            )


@contextlib.contextmanager
def tenant_scope(tenant: Tenant | None) -> Iterator[None]:
    """Run a block with `tenant` in scope (and published to PostgreSQL)."""
    token = _tenant.set(tenant)
    _publish_tenant_setting(tenant.pk if tenant else None)
    try:
        yield
    finally:
        _tenant.reset(token)
        previous = _tenant.get()
        _publish_tenant_setting(previous.pk if previous else None)


@contextlib.contextmanager
def request_scope(info: RequestInfo) -> Iterator[None]:
    token = _request_info.set(info)
    try:
        yield
    finally:
        _request_info.reset(token)
