"""`totals_from_sums`, the engine's entry for a ledger summed by the database, agrees
with `member_totals` over the entries themselves, to the last printed digit."""

from decimal import Decimal

import pytest
from hypothesis import given

from scoring.engine import Entry, MemberTotals, Rules, UnknownItem, member_totals, totals_from_sums
from tests.test_engine import ECOLOGY, ORGANISATION, RULES, STUDY, VOLUNTEER, entry
from tests.test_engine_properties import MEMBERS, fast, rules_and_ledger

D = Decimal
TENTHS_ZERO = D("0.0")


def summed(rules: Rules, entries: list[Entry], member_id: int):
    """What the summary's GROUP BY queries give: items without a month cap per year,
    items with one per month, appraisal sessions with their counts."""
    items: dict[int, Decimal] = {}
    months: dict[int, dict[int, Decimal]] = {}
    sessions: dict[str, tuple[Decimal, int]] = {}
    for e in entries:
        if e.member_id != member_id:
            continue
        if e.section == "appraisal":
            points, count = sessions.get(e.session, (TENTHS_ZERO, 0))
            sessions[e.session] = (points + e.points, count + e.count)
        elif e.item_id is not None and rules.items[e.item_id].cap_month is not None:
            by_month = months.setdefault(e.item_id, {})
            by_month[e.month] = by_month.get(e.month, TENTHS_ZERO) + e.points
        elif e.item_id is not None:
            items[e.item_id] = items.get(e.item_id, TENTHS_ZERO) + e.points
    return items, months, sessions


def shown(totals: MemberTotals) -> list[str]:
    """Every figure as a page prints it: Decimal("5") and Decimal("5.0") differ here."""
    figures = [totals.base, totals.dedication, totals.appraisal, totals.deductions, totals.total]
    for mapping in (
        totals.base_by_item,
        totals.dedication_by_category,
        totals.deductions_by_item,
        totals.appraisal_sessions,
    ):
        figures += [f"{key}={value}" for key, value in mapping.items()]
    return [str(figure) for figure in figures]


@fast
@given(rules_and_ledger())
def test_sums_give_the_totals_of_their_entries(case: tuple[Rules, list[Entry]]) -> None:
    rules, entries = case
    for member_id in MEMBERS:
        expected = member_totals(rules, member_id, entries)
        result = totals_from_sums(rules, member_id, *summed(rules, entries, member_id))
        assert result == expected
        assert shown(result) == shown(expected)


def test_a_member_without_sums_holds_the_full_base_score() -> None:
    result = totals_from_sums(RULES, 1, {})
    assert shown(result) == shown(member_totals(RULES, 1, []))
    assert str(result.total) == "100.0"


def test_caps_apply_to_sums_as_to_entries() -> None:
    entries = [
        entry("dedication", "3.0", VOLUNTEER, month=1),
        entry("dedication", "3.0", VOLUNTEER, month=1),
        entry("dedication", "12.5", ECOLOGY, month=4),
        entry("base", "-3.0", ORGANISATION),
    ]
    result = totals_from_sums(RULES, 1, *summed(RULES, entries, 1))
    assert result.dedication_by_category == {"volunteer": 4, "study": 0, "ecology": D("12.5")}
    assert result == member_totals(RULES, 1, entries)


def test_sums_of_unknown_items_are_refused() -> None:
    with pytest.raises(UnknownItem):
        totals_from_sums(RULES, 1, {999: D("1.0")})
    with pytest.raises(UnknownItem):
        totals_from_sums(RULES, 1, {}, {ORGANISATION: {3: D("-1.0")}})  # a base item by month


def test_an_item_with_a_month_cap_must_come_by_month() -> None:
    with pytest.raises(ValueError, match="has a month cap"):
        totals_from_sums(RULES, 1, {STUDY: D("4.0")})
    with pytest.raises(ValueError, match="both for the year and by month"):
        totals_from_sums(RULES, 1, {ECOLOGY: D("1.0")}, {ECOLOGY: {1: D("1.0")}})
