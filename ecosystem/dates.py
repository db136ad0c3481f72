"""Calendar arithmetic shared by the apps."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months, clamped to the month's end (31 Jan + 1 → 28 Feb)."""
    return day + relativedelta(months=months)
