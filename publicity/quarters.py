"""Quarters as a small value object: publicity happens once a quarter (plan §1.3 step 5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

CHINESE_NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四"}


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    quarter: int

    def __post_init__(self) -> None:
        if self.quarter not in (1, 2, 3, 4):
            raise ValueError(f"quarter out of range: {self.quarter}")

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, value: str) -> Quarter:
        """Quarter.parse("2026-3") is Quarter(2026, 3); anything else is a ValueError."""
        year, _sep, quarter = value.partition("-")
        return cls(int(year), int(quarter))

    @property
    def key(self) -> str:
        return f"{self.year}-{self.quarter}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def last_month(self) -> int:
        return 3 * self.quarter

    def previous(self) -> Quarter:
        if self.quarter == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.quarter - 1)

    def chinese(self) -> str:
        """The notice's own words: 2026年第三季度."""
        return f"{self.year}年第{CHINESE_NUMERALS[self.quarter]}季度"

    def __str__(self) -> str:
        return _("Q%(quarter)d %(year)d") % {"quarter": self.quarter, "year": self.year}


def recent_quarters(today: date, count: int = 4) -> list[Quarter]:
    """The current quarter and the ones before it, newest first."""
    quarters = [Quarter.of(today)]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return quarters
