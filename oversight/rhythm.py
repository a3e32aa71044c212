"""The plan's rhythm, and where a branch has missed it: pure functions of dates and counts.

The plan asks each branch to recognise declarations monthly (申报 by the deadline day of
the next month, then 认定), to publish points every quarter (公示), to hold an appraisal
every half year (评议), to have its scheme filed (备案) and to confirm the year's summary
(汇总). A period counts as missed once it is over and `grace_days` more have passed
without the step; a review waiting longer than `grace_days` is overdue. A figure the
system cannot know yet (a feature not installed) is None and never turns red.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

DEFAULT_DEADLINE_DAY = 5


def month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def quarter_end(year: int, quarter: int) -> dt.date:
    return month_end(year, quarter * 3)


def half_end(year: int, half: int) -> dt.date:
    return month_end(year, half * 6)


def month_is_due(year: int, month: int, *, today: dt.date, deadline_day: int, grace: int) -> bool:
    """A month's declarations should be recognised `grace` days after their deadline."""
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    deadline = dt.date(next_year, next_month, min(max(deadline_day, 1), 28))
    return today > deadline + dt.timedelta(days=grace)


def period_is_due(end: dt.date, *, today: dt.date, grace: int) -> bool:
    return today > end + dt.timedelta(days=grace)


@dataclass(frozen=True)
class Figures:
    """What the dashboard knows of one branch in one year."""

    year: int
    taking_part: int
    recognised: dict[int, int] = field(default_factory=dict)  # month -> declarations
    overdue: int = 0
    scheme_filed: bool = False
    publications: dict[int, int] | None = None  # quarter -> publications; None: unknown
    appraisals: frozenset[int] = frozenset()  # halves with a closed appraisal
    confirmed: bool | None = None  # the year's summary confirmed; None: unknown


@dataclass(frozen=True)
class Flags:
    """Where the rhythm is missed; each set names the periods to paint red."""

    months: frozenset[int] = frozenset()
    overdue: bool = False
    filing: bool = False
    quarters: frozenset[int] = frozenset()
    halves: frozenset[int] = frozenset()
    confirmation: bool = False

    @property
    def count(self) -> int:
        return (
            len(self.months)
            + len(self.quarters)
            + len(self.halves)
            + sum((self.overdue, self.filing, self.confirmation))
        )

    @property
    def any(self) -> bool:
        return self.count > 0


def flags(
    figures: Figures,
    *,
    today: dt.date,
    grace: int,
    deadline_day: int = DEFAULT_DEADLINE_DAY,
) -> Flags:
    """The red cells of one branch's row. A branch with nobody taking part (a general
    branch without members of its own, say) has nothing to run; only its reviews count."""
    year = figures.year
    active = figures.taking_part > 0
    months = frozenset(
        m
        for m in range(1, 13)
        if active
        and not figures.recognised.get(m)
        and month_is_due(year, m, today=today, deadline_day=deadline_day, grace=grace)
    )
    quarters: frozenset[int] = frozenset()
    if active and figures.publications is not None:
        published = figures.publications
        quarters = frozenset(
            q
            for q in range(1, 5)
            if not published.get(q)
            and period_is_due(quarter_end(year, q), today=today, grace=grace)
        )
    halves = frozenset(
        h
        for h in (1, 2)
        if active
        and h not in figures.appraisals
        and period_is_due(half_end(year, h), today=today, grace=grace)
    )
    confirmation = (
        active
        and figures.confirmed is False
        and period_is_due(dt.date(year, 12, 31), today=today, grace=grace)
    )
    filing = (
        active
        and not figures.scheme_filed
        and period_is_due(dt.date(year, 1, 1), today=today, grace=grace)
    )
    return Flags(
        months=months,
        overdue=figures.overdue > 0,
        filing=filing,
        quarters=quarters,
        halves=halves,
        confirmation=confirmation,
    )
