"""Reading points and scores people type: one decimal place, one reader for every path."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.numbers import NotOnePlace, one_place


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("3", Decimal("3.0")),
        (" 2.5 ", Decimal("2.5")),
        ("-1", Decimal("-1.0")),
        ("-0", Decimal("0.0")),
        ("０.５", Decimal("0.5")),  # full-width, as a Chinese input method types it
        (4, Decimal("4.0")),
        (1.5, Decimal("1.5")),
        (Decimal("99999.9"), Decimal("99999.9")),
    ],
)
def test_a_number_with_at_most_one_decimal_place_is_read(typed, read):
    assert one_place(typed) == read
    assert str(one_place(typed)) == str(read)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("abc", "number"),
        ("", "number"),
        ("NaN", "number"),
        ("Infinity", "number"),
        ("1e999999", "too_large"),
        ("100000", "too_large"),
        ("-100000", "too_large"),
        ("2.55", "places"),
        ("0.01", "places"),
    ],
)
def test_anything_else_is_refused_with_its_reason(typed, reason):
    with pytest.raises(NotOnePlace) as refused:
        one_place(typed)
    assert refused.value.reason == reason


@given(st.integers(min_value=-999_999, max_value=999_999))
def test_every_tenth_below_the_limit_reads_back_as_itself(tenths):
    value = Decimal(tenths) / 10
    assert one_place(str(value)) == value
    assert one_place(str(value)).as_tuple().exponent == -1


def test_a_level_of_a_huge_number_is_refused_not_a_crash():
    from rules.services import ItemInvalid, _validate_levels

    with pytest.raises(ItemInvalid):
        _validate_levels([{"name": "优秀", "points": "1e999999"}])
    assert _validate_levels([{"name": "优秀", "points": "3"}]) == [
        {"name": "优秀", "points": "3.0"}
    ]
