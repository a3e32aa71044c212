"""Working days for the objection window: Chinese public holidays and make-up working days.

The plan (§1.3 step 5, 公示) keeps a publication open for objections for a number of
working days. `chinese_calendar` knows the State Council's holiday arrangements
year by year, including the weekend days that become working days (调休); for a year
it has no data for yet it raises NotImplementedError, and we count Monday to Friday
instead and say so (`Window.estimated_years`), so that the page can ask the publisher
to check the dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

DEFAULT_WORKDAYS = 5
MAX_WORKDAYS = 30


def is_workday(day: date) -> tuple[bool, bool]:
    """(is a working day, known to the holiday calendar)."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


@dataclass(frozen=True)
class Window:
    """An objection window: from `start` to the end of `end`, both working days."""

    start: date
    end: date
    workdays: int
    estimated_years: tuple[int, ...] = ()  # counted Monday–Friday: holidays not yet known

    @property
    def estimated(self) -> bool:
        return bool(self.estimated_years)


def objection_window(start: date, workdays: int = DEFAULT_WORKDAYS) -> Window:
    """The window that opens on `start` (or the first working day after it) and lasts
    `workdays` working days, the first one included."""
    if not 1 <= workdays <= MAX_WORKDAYS:
        raise ValueError(f"workdays out of range: {workdays}")
    estimated: set[int] = set()
    day = start
    counted = 0
    first = None
    while True:
        working, known = is_workday(day)
        if not known:
            estimated.add(day.year)
        if working:
            counted += 1
            first = first or day
            if counted == workdays:
                return Window(first, day, workdays, tuple(sorted(estimated)))
        day += timedelta(days=1)
