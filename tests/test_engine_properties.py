"""Property tests for the scoring engine: what must hold for any rules and any ledger."""

import random
from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import (
    Entry,
    ItemRule,
    MemberTotals,
    Rules,
    Section,
    branch_totals,
    dedication_room,
    member_totals,
    rank_branch,
)

D = Decimal
MEMBERS = [1, 2, 3]
CATEGORIES = ["volunteer", "study", "ecology"]
SESSIONS = ["2026-H1", "2026-H2"]
fast = settings(max_examples=200, deadline=None)


def tenths(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=low, max_value=high, places=1)


caps = st.none() | tenths(0, 12)


@st.composite
def rules_strategy(draw: st.DrawFn) -> Rules:
    maxima = draw(st.lists(st.sampled_from([D(10), D(20), D(30)]), min_size=1, max_size=5))
    items = [ItemRule(i, "base", f"base{i}", max_points=m) for i, m in enumerate(maxima, 1)]
    for item_id in range(11, 11 + draw(st.integers(1, 5))):
        category = draw(st.sampled_from(CATEGORIES))
        items.append(ItemRule(item_id, "dedication", category, None, draw(caps), draw(caps)))
    for item_id in range(21, 21 + draw(st.integers(1, 3))):
        items.append(ItemRule(item_id, "deduction", f"d{item_id}", None, draw(caps), draw(caps)))
    category_caps = draw(st.dictionaries(st.sampled_from(CATEGORIES), tenths(0, 20)))
    return Rules(items={rule.item_id: rule for rule in items}, category_caps=category_caps)


POINTS: dict[Section, st.SearchStrategy[Decimal]] = {
    "base": tenths(-40, 5),
    "dedication": tenths(0, 15),
    "deduction": tenths(0, 10),
    "appraisal": tenths(40, 100),
}


def entries_strategy(
    rules: Rules, sections: tuple[Section, ...] = ("base", "dedication", "deduction", "appraisal")
) -> st.SearchStrategy[list[Entry]]:
    @st.composite
    def one(draw: st.DrawFn) -> Entry:
        section = draw(st.sampled_from(sections))
        item_id = None
        session = ""
        if section == "appraisal":
            session = draw(st.sampled_from(SESSIONS))
        else:
            item_id = draw(st.sampled_from([r.item_id for r in rules.in_section(section)]))
        return Entry(
            member_id=draw(st.sampled_from(MEMBERS)),
            month=draw(st.integers(1, 12)),
            section=section,
            points=draw(POINTS[section]),
            item_id=item_id,
            session=session,
        )

    return st.lists(one(), max_size=30)


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


def aggregate(entries: list[Entry]) -> list[Entry]:
    sums: defaultdict[tuple[int, int, Section, int | None, str], tuple[Decimal, int]]
    sums = defaultdict(lambda: (D(0), 0))
    for e in entries:
        key = (e.member_id, e.month, e.section, e.item_id, e.session)
        points, count = sums[key]
        sums[key] = (points + e.points, count + e.count)
    return [
        Entry(m, month, section, points, item_id, session, count)
        for (m, month, section, item_id, session), (points, count) in sums.items()
    ]


@st.composite
def rules_and_ledger(draw: st.DrawFn) -> tuple[Rules, list[Entry]]:
    rules = draw(rules_strategy())
    entries = draw(entries_strategy(rules))
    corrected = draw(st.lists(st.sampled_from(entries), unique_by=id)) if entries else []
    return rules, entries + [reversal(e) for e in corrected]


@fast
@given(rules_and_ledger(), st.randoms(use_true_random=False))
def test_entry_order_never_changes_totals(
    case: tuple[Rules, list[Entry]], rnd: random.Random
) -> None:
    rules, entries = case
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    assert branch_totals(rules, MEMBERS, shuffled) == branch_totals(rules, MEMBERS, entries)


@fast
@given(rules_and_ledger())
def test_reversing_every_entry_restores_the_empty_ledger(case: tuple[Rules, list[Entry]]) -> None:
    rules, entries = case
    reversed_all = entries + [reversal(e) for e in entries]
    assert branch_totals(rules, MEMBERS, reversed_all) == branch_totals(rules, MEMBERS, [])


@fast
@given(rules_and_ledger())
def test_aggregated_entries_give_the_same_totals(case: tuple[Rules, list[Entry]]) -> None:
    rules, entries = case
    assert branch_totals(rules, MEMBERS, aggregate(entries)) == branch_totals(
        rules, MEMBERS, entries
    )


@fast
@given(rules_and_ledger())
def test_branch_totals_agree_with_member_totals(case: tuple[Rules, list[Entry]]) -> None:
    rules, entries = case
    by_branch = branch_totals(rules, MEMBERS, entries)
    assert by_branch == {m: member_totals(rules, m, entries) for m in MEMBERS}


def check_bounds(rules: Rules, result: MemberTotals) -> None:
    maxima = {r.item_id: r.max_points for r in rules.in_section("base")}
    assert all(0 <= result.base_by_item[i] <= m for i, m in maxima.items() if m is not None)
    assert 0 <= result.base <= sum(m for m in maxima.values() if m is not None)
    assert result.dedication >= 0
    assert result.deductions >= 0
    for category, cap in rules.category_caps.items():
        assert result.dedication_by_category.get(category, D(0)) <= cap
    assert result.total == result.base + result.dedication + result.appraisal - result.deductions
    for figure in (result.base, result.dedication, result.appraisal, result.deductions):
        assert figure == figure.quantize(D("0.1"))


@fast
@given(rules_and_ledger())
def test_figures_stay_within_their_bounds(case: tuple[Rules, list[Entry]]) -> None:
    rules, entries = case
    for result in branch_totals(rules, MEMBERS, entries).values():
        check_bounds(rules, result)


@st.composite
def room_case(draw: st.DrawFn) -> tuple[Rules, list[Entry], int, int]:
    rules = draw(rules_strategy())
    entries = [e for e in draw(entries_strategy(rules)) if e.member_id == 1]
    item_id = draw(st.sampled_from([r.item_id for r in rules.in_section("dedication")]))
    return rules, entries, item_id, draw(st.integers(1, 12))


def category_points(rules: Rules, entries: list[Entry], item_id: int) -> Decimal:
    result = member_totals(rules, 1, entries)
    return result.dedication_by_category[rules.items[item_id].category]


@fast
@given(room_case(), tenths(0, 5))
def test_posting_the_room_counts_in_full_and_no_more(
    case: tuple[Rules, list[Entry], int, int], extra: Decimal
) -> None:
    rules, entries, item_id, month = case
    room = dedication_room(rules, entries, item_id=item_id, month=month)
    before = category_points(rules, entries, item_id)
    posted = room if room is not None else D(7)
    after = category_points(
        rules, [*entries, Entry(1, month, "dedication", posted + extra, item_id)], item_id
    )
    if room is None:
        assert after - before == posted + extra
    else:
        assert room >= 0
        assert after - before == room


@fast
@given(room_case())
def test_overshooting_every_cap_leaves_no_room(
    case: tuple[Rules, list[Entry], int, int],
) -> None:
    rules, entries, item_id, month = case
    rule = rules.items[item_id]
    overshoot = [*entries, Entry(1, month, "dedication", D(50), item_id)]
    room = dedication_room(rules, overshoot, item_id=item_id, month=month)
    capped = {rule.cap_month, rule.cap_year, rules.category_caps.get(rule.category)} != {None}
    assert room == (D(0) if capped else None)


results_strategy = st.lists(
    st.tuples(st.integers(1, 60), tenths(0, 250), st.booleans()),
    max_size=25,
    unique_by=lambda row: row[0],
)


@fast
@given(results_strategy)
def test_ranks_are_competition_ranks_with_vetoed_members_last(
    results: list[tuple[int, Decimal, bool]],
) -> None:
    standings = rank_branch(results)
    n = len(results)
    assert sorted(s.member_id for s in standings) == sorted(m for m, _, _ in results)
    assert [(s.rank, s.member_id) for s in standings] == sorted(
        (s.rank, s.member_id) for s in standings
    )
    for s in standings:
        ahead = [o for o in standings if (o.vetoed, -o.total) < (s.vetoed, -s.total)]
        assert s.rank == 1 + len(ahead)
    clear_ranks = [s.rank for s in standings if not s.vetoed]
    vetoed_ranks = [s.rank for s in standings if s.vetoed]
    assert not clear_ranks or not vetoed_ranks or max(clear_ranks) < min(vetoed_ranks)
    for s in standings:
        assert s.award_eligible == (not s.vetoed and s.rank <= D("0.2") * n)


@fast
@given(results_strategy)
def test_help_talks_go_to_the_bottom_and_the_vetoed(
    results: list[tuple[int, Decimal, bool]],
) -> None:
    standings = rank_branch(results)
    clear_totals = [s.total for s in standings if not s.vetoed]
    has_a_last = len(set(clear_totals)) > 1  # all the same: nobody is last
    for s in standings:
        assert s.help_talk_due == (s.vetoed or (has_a_last and s.total == min(clear_totals)))
