"""Worked examples for the scoring engine, taken from the plan and DESIGN.md §2."""

from decimal import Decimal

import pytest

from scoring.engine import (
    Entry,
    ItemRule,
    MemberTotals,
    Rules,
    Section,
    UnknownItem,
    branch_totals,
    dedication_room,
    handling_candidates,
    member_totals,
    rank_branch,
    round1,
)

D = Decimal

ORGANISATION, DUTY, DUES, VIRTUE, OTHER_CONDUCT = 1, 2, 3, 4, 5
VOLUNTEER, VOLUNTEER_DRIVE, STUDY, ECOLOGY = 11, 12, 13, 14
LATE_FOR_STUDY, MISCONDUCT = 21, 22

# The attachment-2 card with a few branch-set dedication and deduction items.
RULES = Rules(
    items={
        rule.item_id: rule
        for rule in [
            ItemRule(ORGANISATION, "base", "organisation", max_points=D(30)),
            ItemRule(DUTY, "base", "duty", max_points=D(30)),
            ItemRule(DUES, "base", "dues", max_points=D(20)),
            ItemRule(VIRTUE, "base", "virtue", max_points=D(10)),
            ItemRule(OTHER_CONDUCT, "base", "other", max_points=D(10)),
            ItemRule(VOLUNTEER, "dedication", "volunteer", cap_month=D(4)),
            ItemRule(VOLUNTEER_DRIVE, "dedication", "volunteer", cap_year=D(6)),
            ItemRule(STUDY, "dedication", "study", cap_month=D(2), cap_year=D(10)),
            ItemRule(ECOLOGY, "dedication", "ecology"),
            ItemRule(LATE_FOR_STUDY, "deduction", "late_for_study"),
            ItemRule(MISCONDUCT, "deduction", "misconduct", cap_year=D(5)),
        ]
    },
    category_caps={"volunteer": D(8)},
)


def entry(
    section: Section,
    points: str,
    item_id: int | None = None,
    *,
    member_id: int = 1,
    month: int = 3,
    session: str = "",
    count: int = 1,
) -> Entry:
    return Entry(member_id, month, section, D(points), item_id, session, count)


def reversal(original: Entry) -> Entry:
    return Entry(
        original.member_id,
        original.month,
        original.section,
        -original.points,
        original.item_id,
        original.session,
        -original.count,
    )


def totals(*entries: Entry) -> MemberTotals:
    return member_totals(RULES, 1, entries)


def test_a_member_without_entries_holds_full_base_score() -> None:
    result = totals()
    assert result.base == D(100)
    assert result.total == D(100)
    assert result.base_by_item == {1: 30, 2: 30, 3: 20, 4: 10, 5: 10}
    assert result.dedication == result.appraisal == result.deductions == 0


def test_a_base_adjustment_lowers_its_item() -> None:
    result = totals(entry("base", "-3", ORGANISATION))
    assert result.base_by_item[ORGANISATION] == D(27)
    assert result.base == D(97)


def test_base_item_is_clamped_at_zero() -> None:
    result = totals(entry("base", "-40", ORGANISATION))
    assert result.base_by_item[ORGANISATION] == 0
    assert result.base == D(70)


def test_base_item_is_clamped_at_its_maximum() -> None:
    assert totals(entry("base", "5", DUES)).base == D(100)


def test_dedication_month_cap_applies_to_each_month() -> None:
    result = totals(
        entry("dedication", "3", VOLUNTEER, month=1),
        entry("dedication", "3", VOLUNTEER, month=1),
        entry("dedication", "1", VOLUNTEER, month=2),
    )
    assert result.dedication_by_category["volunteer"] == D(5)  # 4 of January's 6, then 1


def test_dedication_year_cap_applies_to_the_sum_of_months() -> None:
    result = totals(*[entry("dedication", "2", STUDY, month=month) for month in range(1, 8)])
    assert result.dedication_by_category["study"] == D(10)


def test_dedication_category_cap_applies_to_the_sum_of_items() -> None:
    result = totals(
        entry("dedication", "4", VOLUNTEER, month=1),
        entry("dedication", "4", VOLUNTEER, month=2),
        entry("dedication", "5", VOLUNTEER_DRIVE, month=2),
    )
    assert result.dedication_by_category["volunteer"] == D(8)
    assert result.dedication == D(8)


def test_uncapped_dedication_counts_in_full() -> None:
    result = totals(entry("dedication", "12.5", ECOLOGY), entry("dedication", "7", ECOLOGY))
    assert result.dedication == D("19.5")
    assert result.total == D("119.5")


def test_every_dedication_category_of_the_rules_is_listed() -> None:
    assert totals().dedication_by_category == {"volunteer": 0, "study": 0, "ecology": 0}


def test_deductions_are_subtracted_from_the_total() -> None:
    result = totals(
        entry("deduction", "1", LATE_FOR_STUDY, month=2),
        entry("deduction", "1", LATE_FOR_STUDY, month=5),
        entry("deduction", "3", MISCONDUCT),
    )
    assert result.deductions_by_item == {LATE_FOR_STUDY: 2, MISCONDUCT: 3}
    assert result.deductions == D(5)
    assert result.total == D(95)


def test_deduction_caps_apply_like_dedication_caps() -> None:
    result = totals(
        entry("deduction", "4", MISCONDUCT, month=1), entry("deduction", "4", MISCONDUCT)
    )
    assert result.deductions == D(5)


def test_yearly_appraisal_is_the_mean_of_the_sessions() -> None:
    result = totals(
        entry("appraisal", "93", session="2026-H1", month=6),
        entry("appraisal", "88", session="2026-H2", month=12),
    )
    assert result.appraisal_sessions == {"2026-H1": 93, "2026-H2": 88}
    assert result.appraisal == D("90.5")
    assert result.total == D("190.5")


def test_session_score_is_the_mean_of_its_entries() -> None:
    result = totals(
        entry("appraisal", "90", session="2026-H1"), entry("appraisal", "85", session="2026-H1")
    )
    assert result.appraisal == D("87.5")


def test_means_round_half_up_to_one_place() -> None:
    result = totals(
        entry("appraisal", "90.1", session="2026-H1"), entry("appraisal", "90", session="2026-H2")
    )
    assert result.appraisal == D("90.1")  # 90.05 rounds up
    assert round1(D("0.05")) == D("0.1")
    assert round1(D("2.45")) == D("2.5")
    assert round1(D("-0.05")) == D("-0.1")
    assert str(round1(D(7))) == "7.0"


def test_a_reversed_appraisal_score_is_replaced_by_the_new_one() -> None:
    original = entry("appraisal", "90", session="2026-H1")
    result = totals(original, reversal(original), entry("appraisal", "92", session="2026-H1"))
    assert result.appraisal_sessions == {"2026-H1": 92}
    assert result.appraisal == D(92)


def test_a_fully_reversed_session_does_not_count() -> None:
    original = entry("appraisal", "60", session="2026-H1")
    result = totals(
        original, reversal(original), entry("appraisal", "88", session="2026-H2", month=12)
    )
    assert result.appraisal_sessions == {"2026-H2": 88}
    assert result.appraisal == D(88)


def test_a_reversal_cancels_its_original() -> None:
    originals = [
        entry("base", "-3", ORGANISATION),
        entry("dedication", "4", VOLUNTEER),
        entry("deduction", "1", LATE_FOR_STUDY),
    ]
    result = totals(*originals, *map(reversal, originals))
    assert result == totals()


def test_entries_of_unknown_items_are_refused() -> None:
    with pytest.raises(UnknownItem):
        totals(entry("dedication", "1", 999))
    with pytest.raises(UnknownItem):
        totals(entry("deduction", "1", VOLUNTEER))  # a dedication item posted as a deduction
    with pytest.raises(UnknownItem):
        totals(entry("base", "-1"))


def test_entries_of_other_members_are_ignored() -> None:
    assert totals(entry("base", "-5", DUES, member_id=2)).base == D(100)


def test_rules_refuse_a_base_item_without_maximum() -> None:
    with pytest.raises(ValueError, match="needs a maximum"):
        ItemRule(1, "base", "organisation")


SAMPLE_ENTRIES = [
    # Member 1: 100 + 22 + 93 - 0
    entry("dedication", "4", VOLUNTEER, member_id=1, month=1),
    entry("dedication", "4", VOLUNTEER, member_id=1, month=2),
    entry("dedication", "14", ECOLOGY, member_id=1, month=4),
    entry("appraisal", "93", member_id=1, session="2026-H1", month=6),
    entry("appraisal", "93", member_id=1, session="2026-H2", month=12),
    # Member 2: 97 + 10 + 86 - 1
    entry("base", "-3", ORGANISATION, member_id=2, month=5),
    entry("dedication", "2", STUDY, member_id=2, month=3),
    entry("dedication", "8", ECOLOGY, member_id=2, month=9),
    entry("deduction", "1", LATE_FOR_STUDY, member_id=2, month=7),
    entry("appraisal", "86", member_id=2, session="2026-H1", month=6),
    # Member 3: 100 + 17 + 90.5 - 0
    entry("dedication", "6", VOLUNTEER_DRIVE, member_id=3, month=8),
    entry("dedication", "11", ECOLOGY, member_id=3, month=10),
    entry("appraisal", "93", member_id=3, session="2026-H1", month=6),
    entry("appraisal", "88", member_id=3, session="2026-H2", month=12),
]


def test_the_sample_branch_adds_up_as_in_the_plan() -> None:
    results = branch_totals(RULES, [1, 2, 3], SAMPLE_ENTRIES)
    rows = {
        member_id: (r.base, r.dedication, r.appraisal, r.deductions, r.total)
        for member_id, r in results.items()
    }
    assert rows == {
        1: tuple(map(D, ["100", "22", "93", "0", "215"])),
        2: tuple(map(D, ["97", "10", "86", "1", "192"])),
        3: tuple(map(D, ["100", "17", "90.5", "0", "207.5"])),
    }


def test_the_sample_branch_ranks_as_in_the_plan() -> None:
    results = branch_totals(RULES, [1, 2, 3], SAMPLE_ENTRIES)
    standings = rank_branch((m, r.total, False) for m, r in results.items())
    assert [(s.member_id, s.rank) for s in standings] == [(1, 1), (3, 2), (2, 3)]
    assert not any(s.award_eligible for s in standings)  # 0.2 x 3 = 0.6
    assert [s.member_id for s in standings if s.help_talk_due] == [2]


def test_branch_totals_give_members_without_entries_full_base_score() -> None:
    results = branch_totals(RULES, [1, 4], SAMPLE_ENTRIES)
    assert set(results) == {1, 4}
    assert results[4].total == D(100)
    assert results[1].total == D(215)


def test_branch_totals_read_the_entries_once() -> None:
    results = branch_totals(RULES, [1, 2, 3], iter(SAMPLE_ENTRIES))
    assert [r.total for r in results.values()] == [215, 192, D("207.5")]


def test_dedication_room_is_none_without_any_cap() -> None:
    assert dedication_room(RULES, [], item_id=ECOLOGY, month=1) is None


def test_dedication_room_is_what_the_month_cap_leaves() -> None:
    entries = [entry("dedication", "1.5", VOLUNTEER, month=3)]
    assert dedication_room(RULES, entries, item_id=VOLUNTEER, month=3) == D("2.5")
    assert dedication_room(RULES, entries, item_id=VOLUNTEER, month=4) == D(4)


def test_dedication_room_is_the_smallest_of_the_caps() -> None:
    entries = [
        entry("dedication", "4", VOLUNTEER, month=1),
        entry("dedication", "3", VOLUNTEER_DRIVE, month=2),
    ]
    # month cap leaves 4, category cap 8 - 7 = 1
    assert dedication_room(RULES, entries, item_id=VOLUNTEER, month=3) == D(1)
    # year cap leaves 3, category 1
    assert dedication_room(RULES, entries, item_id=VOLUNTEER_DRIVE, month=3) == D(1)


def test_dedication_room_is_never_negative() -> None:
    entries = [entry("dedication", "9", VOLUNTEER, month=3)]
    assert dedication_room(RULES, entries, item_id=VOLUNTEER, month=3) == 0


def test_dedication_room_refuses_other_items() -> None:
    with pytest.raises(UnknownItem):
        dedication_room(RULES, [], item_id=ORGANISATION, month=1)


def ranks(*results: tuple[int, str, bool]) -> list[tuple[int, int]]:
    return [(s.member_id, s.rank) for s in rank_branch((m, D(t), v) for m, t, v in results)]


def test_ties_share_a_rank() -> None:
    assert ranks((1, "200", False), (2, "190", False), (3, "190", False), (4, "180", False)) == [
        (1, 1),
        (2, 2),
        (3, 2),
        (4, 4),
    ]


def test_vetoed_members_rank_after_everyone_else() -> None:
    standings = rank_branch(
        [(1, D(250), True), (2, D(190), False), (3, D(180), False), (4, D(200), True)]
    )
    assert [(s.member_id, s.rank) for s in standings] == [(2, 1), (3, 2), (1, 3), (4, 4)]
    assert [s.member_id for s in standings if s.help_talk_due] == [3, 1, 4]
    assert not any(s.award_eligible for s in standings if s.vetoed)


def test_when_everyone_is_vetoed_everyone_is_due_a_help_talk() -> None:
    standings = rank_branch([(1, D(150), True), (2, D(160), True), (3, D(150), True)])
    assert [(s.member_id, s.rank) for s in standings] == [(2, 1), (1, 2), (3, 2)]
    assert all(s.help_talk_due and not s.award_eligible for s in standings)


def test_a_single_member_is_ranked_first_and_nobody_is_last() -> None:
    (standing,) = rank_branch([(7, D("123.4"), False)])
    assert standing.rank == 1
    assert not standing.award_eligible  # 0.2 x 1 = 0.2
    assert not standing.help_talk_due  # one total for everyone: no last place


def test_when_everyone_not_vetoed_ties_only_the_vetoed_are_due_a_talk() -> None:
    standings = rank_branch([(1, D(100), False), (2, D(100), False), (3, D(90), True)])
    assert [s.member_id for s in standings if s.help_talk_due] == [3]
    tied = rank_branch([(1, D(100), False), (2, D(100), False)])
    assert not any(s.help_talk_due for s in tied)


def test_in_a_branch_of_ten_the_first_two_ranks_are_award_eligible() -> None:
    standings = rank_branch((m, D(200 - m), False) for m in range(1, 11))
    assert [s.member_id for s in standings if s.award_eligible] == [1, 2]
    assert [s.member_id for s in standings if s.help_talk_due] == [10]


def test_a_tie_at_the_award_line_includes_all_who_share_the_rank() -> None:
    totals_ = [200, 190, 190, 180, 170, 160, 150, 140, 130, 120]
    standings = rank_branch((m, D(t), False) for m, t in enumerate(totals_, start=1))
    assert [s.member_id for s in standings if s.award_eligible] == [1, 2, 3]


def test_a_vetoed_member_still_counts_in_n() -> None:
    results = [(m, D(200 - m), False) for m in range(1, 5)] + [(5, D(300), True)]
    standings = rank_branch(results)
    assert [s.member_id for s in standings if s.award_eligible] == [1]  # 0.2 x 5 = 1


def test_ranking_compares_totals_as_shown() -> None:
    assert ranks((1, "100.04", False), (2, "100", False)) == [(1, 1), (2, 1)]


def test_ranking_refuses_a_member_twice() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        rank_branch([(1, D(100), False), (1, D(90), True)])


def test_handling_candidates_need_two_flagged_years_and_a_help_talk() -> None:
    flags = {
        1: {2025: True, 2026: True},  # bottom twice, talked to after 2025
        2: {2025: True, 2026: True},  # bottom twice, never talked to
        3: {2025: False, 2026: True},  # only this year
        4: {2024: True, 2026: True},  # not consecutive
        5: {2025: True, 2026: True},  # talked to only about 2026's result: too late
        6: {2025: True, 2026: False},
    }
    talks = {1: [2025], 3: [2026], 4: [2024, 2026], 5: [2026], 6: [2025]}
    assert handling_candidates(flags, talks, 2026) == {1}
    assert handling_candidates(flags, talks, 2025) == set()
