"""The year a page shows: from the URL or ?year=, never a 500 on a bad value."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils import timezone

# The plan was issued in September 2021; imported cards may go back a little further.
FIRST_YEAR = 2021
EARLIEST, LATEST = 2000, 2100


def current_year() -> int:
    return timezone.localdate().year


def year_from_query(request: HttpRequest) -> int:
    """?year=2025, or the current year when it is missing or not a sensible year."""
    raw = request.GET.get("year", "")
    try:
        year = int(raw)
    except ValueError:
        return current_year()
    return year if EARLIEST <= year <= LATEST else current_year()


def checked_year(year: int) -> int:
    """A year taken from the URL path; out of range is 404."""
    if not EARLIEST <= year <= LATEST:
        raise Http404
    return year


def year_choices(shown: int) -> list[int]:
    """Years offered by the year selector, newest first."""
    now = current_year()
    return list(range(max(now, shown), min(FIRST_YEAR, shown) - 1, -1))


def checked_month(month: int) -> int:
    """A month taken from the URL path: 1 to 12; else 404."""
    if not 1 <= month <= 12:
        raise Http404
    return month


def checked_scheme_year(year: int) -> int:
    """A scheme's year taken from the URL path: from 2000 up to next year; else 404."""
    if not EARLIEST <= year <= timezone.localdate().year + 1:
        raise Http404
    return year
