"""The objection window counts working days: Chinese public holidays and make-up days."""

from __future__ import annotations

from datetime import date

import pytest

from publicity.workdays import is_workday, objection_window


def test_the_calendar_knows_2026s_national_day_and_its_make_up_saturday():
    assert is_workday(date(2026, 9, 30)) == (True, True)
    assert all(not is_workday(date(2026, 10, d))[0] for d in range(1, 8))
    assert is_workday(date(2026, 10, 10)) == (True, True)  # Saturday, a make-up working day
    assert is_workday(date(2026, 10, 11)) == (False, True)


def test_a_window_opened_on_30_september_skips_the_golden_week_and_counts_the_make_up_day():
    window = objection_window(date(2026, 9, 30), 5)
    # 30 Sep, then 8, 9, 10 (Saturday, make-up) and 12 October.
    assert (window.start, window.end) == (date(2026, 9, 30), date(2026, 10, 12))
    assert not window.estimated


def test_a_window_opened_during_the_holiday_starts_on_the_first_working_day_after_it():
    window = objection_window(date(2026, 10, 3), 5)
    assert (window.start, window.end) == (date(2026, 10, 8), date(2026, 10, 13))


def test_a_weekend_start_moves_to_monday():
    window = objection_window(date(2026, 11, 21), 5)  # a Saturday
    assert (window.start, window.end) == (date(2026, 11, 23), date(2026, 11, 27))


def test_one_working_day_ends_on_its_start():
    window = objection_window(date(2026, 11, 24), 1)
    assert window.start == window.end == date(2026, 11, 24)


def test_a_year_the_calendar_does_not_know_is_counted_monday_to_friday_and_says_so():
    window = objection_window(date(2099, 12, 31), 3)  # Thursday
    assert (window.start, window.end) == (date(2099, 12, 31), date(2100, 1, 4))
    assert window.estimated_years == (2099, 2100)
    assert window.estimated


@pytest.mark.parametrize("days", [0, -1, 31])
def test_an_unreasonable_length_is_refused(days):
    with pytest.raises(ValueError, match="workdays out of range"):
        objection_window(date(2026, 9, 30), days)
