"""When a month's declarations close: a day of the next month, set per branch
(`organizations.BranchSettings`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.periods import Month
from organizations.models import Organization
from organizations.settings_selectors import branch_settings


def today() -> dt.date:
    """The local date in Asia/Shanghai (tests replace it to move the calendar)."""
    return timezone.localdate()


def deadline_day_of(branch: Organization | int) -> int:
    return branch_settings(branch).declaration_deadline_day


def deadline(month: Month, day: int) -> dt.date:
    """The last day on which `month` may still be declared: `day` of the month after it."""
    if month.month == 12:
        return dt.date(month.year + 1, 1, day)
    return dt.date(month.year, month.month + 1, day)


def is_future(month: Month, on: dt.date | None = None) -> bool:
    on = on or today()
    return (month.year, month.month) > (on.year, on.month)


def is_past_deadline(month: Month, day: int, on: dt.date | None = None) -> bool:
    return (on or today()) > deadline(month, day)


def previous(month: Month) -> Month:
    return Month(month.year - 1, 12) if month.month == 1 else Month(month.year, month.month - 1)


def open_months(day: int, on: dt.date | None = None) -> list[Month]:
    """Months a member may still declare by themselves: this one, and the last one until
    its deadline."""
    on = on or today()
    this = Month(on.year, on.month)
    last = previous(this)
    return [this] + ([last] if not is_past_deadline(last, day, on) else [])


def recent_months(count: int = 12, on: dt.date | None = None) -> list[Month]:
    """This month and the ones before it, newest first (what a late declaration may be for)."""
    on = on or today()
    month = Month(on.year, on.month)
    out = []
    for _ in range(count):
        out.append(month)
        month = previous(month)
    return out
