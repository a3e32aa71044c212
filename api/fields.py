"""How numbers, years and dates go out and come in (DESIGN.md §6: decimal strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from core.years import EARLIEST, LATEST
from summaries.summary_table import decimal_text


def number(value: Decimal | None) -> str | None:
    """A figure as DESIGN.md §6 writes it ("211.5", "100", "0"); None stays None."""
    return None if value is None else decimal_text(value)


def year_param(raw: Any, *, name: str = "year") -> int:
    """?year=Y: missing means this year; anything but a year the system keeps is a 400."""
    if raw in (None, ""):
        return timezone.localdate().year
    try:
        year = int(str(raw))
    except ValueError:
        year = 0
    if not EARLIEST <= year <= LATEST:
        raise ValidationError(
            {name: [_("Give a year between %(a)d and %(b)d.") % {"a": EARLIEST, "b": LATEST}]}
        )
    return year


def when(value: Any) -> str | None:
    return None if value is None else value.isoformat()
