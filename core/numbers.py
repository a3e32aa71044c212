"""Reading a number of points (or a score) typed by someone: at most one decimal place.

Every path that takes points from people — the ledger's gate, an item's rule, a paper
card's cell, an appraisal score — reads them with `one_place`, which says why a value is
refused; each caller turns the reason into its own message.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

TENTH = Decimal("0.1")
LIMIT = Decimal("100000")  # points and scores stay below this, either sign


class NotOnePlace(ValueError):
    """Why a value is not a number with one decimal place: `reason` is "number"
    (not a finite number), "too_large" (|value| >= the limit) or "places" (two or more
    decimal places)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def one_place(value: Any, *, limit: Decimal = LIMIT) -> Decimal:
    """The value as a Decimal with one decimal place (full-width digits read too)."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise NotOnePlace("number") from None
    if not number.is_finite():
        raise NotOnePlace("number")
    # Before quantize, which fails on huge exponents such as 1e999999.
    if abs(number) >= limit:
        raise NotOnePlace("too_large")
    if number != number.quantize(TENTH):
        raise NotOnePlace("places")
    return number.quantize(TENTH) + 0  # + 0 turns -0.0 into 0.0
