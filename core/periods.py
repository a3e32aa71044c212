"""Months and half-years as small value objects, not loose integers."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls.converters import IntConverter
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def half_of(month: int) -> int:
    """1 for January–June, 2 for July–December."""
    return 1 if month <= 6 else 2


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month out of range: {self.month}")

    @classmethod
    def current(cls) -> Month:
        today = timezone.localdate()
        return cls(today.year, today.month)

    @property
    def half(self) -> HalfYear:
        return HalfYear(self.year, half_of(self.month))

    def __str__(self) -> str:
        return str(_("%(month)d/%(year)d")) % {"year": self.year, "month": self.month}


@dataclass(frozen=True, order=True)
class HalfYear:
    year: int
    half: int  # 1 = January–June, 2 = July–December

    def __post_init__(self) -> None:
        if self.half not in (1, 2):
            raise ValueError(f"half out of range: {self.half}")

    @classmethod
    def of(cls, year: int, month: int) -> HalfYear:
        """The half-year a month falls in."""
        return cls(year, half_of(month))

    @property
    def months(self) -> range:
        return range(1, 7) if self.half == 1 else range(7, 13)

    @property
    def label(self) -> str:
        return str(_("first half") if self.half == 1 else _("second half"))

    def __str__(self) -> str:
        return str(_("%(half)s of %(year)d")) % {"year": self.year, "half": self.label}


class HalfConverter(IntConverter):
    """`<half:half>` in a URL: 1 or 2, anything else does not match (404)."""

    regex = "[12]"
