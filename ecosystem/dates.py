"""Calendar arithmetic shared by the apps."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months, clamped to the month's end (31 Jan + 1 → 28 Feb)."""
    return day + relativedelta(months=months)


def local_today(tenant, now: datetime | None = None) -> date:
    """Today in the tenant's time zone."""
    from ecosystem.portal.selectors import tenant_zone

    return timezone.localtime(now or timezone.now(), tenant_zone(tenant)).date()


def local_start(tenant, day: date, hour: int = 0) -> datetime:
    """`hour` o'clock on `day` in the tenant's time zone (due times for date-based work)."""
    from ecosystem.portal.selectors import tenant_zone

    return datetime.combine(day, time(hour), tzinfo=tenant_zone(tenant))


def quarter_of(day: date) -> tuple[date, date]:
    """The calendar quarter holding `day`: (first day, last day)."""
    start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return start, add_months(start, 3) - timedelta(days=1)


def quarter_label(start: date) -> str:
    return f"{start.year} Q{(start.month + 2) // 3}"
