"""The pure scoring engine: a branch's items and a member's ledger entries in, totals out.

Plan 一(三)4: 党员年度积分 = 基本分 + 奉献分 + 评议分 - 扣减分 (DESIGN.md §2).
No Django and no database: the ledger layer reduces its rows to `Entry` values (one per
row, or aggregates of several) and calls these functions, or hands over what the database
summed per item (`totals_from_sums`, the summary's fast path). Every figure is a `Decimal`;
what leaves the engine is quantized to one decimal place, rounded half up.
Ranking and the results it feeds (plan 二 结果运用) are at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, get_args

Section = Literal["base", "dedication", "deduction", "appraisal"]

SECTIONS: frozenset[str] = frozenset(get_args(Section))
ITEM_SECTIONS: frozenset[str] = SECTIONS - {"appraisal"}
ZERO = Decimal(0)
TENTH = Decimal("0.1")


class UnknownItem(ValueError):
    """An entry names an item the rules do not have, or have in another section."""


def round1(value: Decimal) -> Decimal:
    """Quantize to one decimal place, rounding half up (2.45 -> 2.5)."""
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ItemRule:
    item_id: int
    section: Section
    category: str
    max_points: Decimal | None = None
    cap_month: Decimal | None = None
    cap_year: Decimal | None = None

    def __post_init__(self) -> None:
        if self.section not in ITEM_SECTIONS:
            raise ValueError(f"item {self.item_id}: section {self.section!r} has no items")
        if self.section == "base" and (self.max_points is None or self.max_points < 0):
            raise ValueError(f"base item {self.item_id} needs a maximum of at least 0")
        for cap in (self.cap_month, self.cap_year):
            if cap is not None and cap < 0:
                raise ValueError(f"item {self.item_id}: a cap cannot be negative")


@dataclass(frozen=True)
class Rules:
    items: Mapping[int, ItemRule]
    # Yearly cap per dedication category; a category without an entry has no cap.
    category_caps: Mapping[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for item_id, rule in self.items.items():
            if item_id != rule.item_id:
                raise ValueError(f"rules key {item_id} holds item {rule.item_id}")
        if any(cap < 0 for cap in self.category_caps.values()):
            raise ValueError("a category cap cannot be negative")

    def in_section(self, section: Section) -> list[ItemRule]:
        return [rule for rule in self.items.values() if rule.section == section]


@dataclass(frozen=True)
class Entry:
    """One ledger entry, or an aggregate of several (points summed, counts summed).

    A reversal carries the original's month, item and session, negated points and
    count -1, so that it cancels the original wherever they are summed.
    """

    member_id: int
    month: int
    section: Section
    points: Decimal
    item_id: int | None = None
    session: str = ""
    count: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1..12, not {self.month}")
        if self.section not in SECTIONS:
            raise ValueError(f"unknown section {self.section!r}")


@dataclass(frozen=True)
class MemberTotals:
    member_id: int
    base: Decimal
    dedication: Decimal
    appraisal: Decimal
    deductions: Decimal
    total: Decimal
    base_by_item: Mapping[int, Decimal]
    dedication_by_category: Mapping[str, Decimal]
    deductions_by_item: Mapping[int, Decimal]
    appraisal_sessions: Mapping[str, Decimal]


def _clamp(amount: Decimal, cap: Decimal | None) -> Decimal:
    """Clamp to [0, cap]; without a cap only the floor applies."""
    amount = max(amount, ZERO)
    return amount if cap is None else min(amount, cap)


ZERO_1 = round1(ZERO)  # Decimal("0.0")
_quantize = Decimal.quantize
_BASE, _DEDUCTION, _SHARED = "base", "deduction", "dedication"
_ROW = "row"  # a dedication item alone in its category, which has no cap: a row by itself


def _round_cap(cap: Decimal | None) -> Decimal | None:
    return None if cap is None else round1(cap)


class _Layout:
    """What every member's card under one set of rules starts from, worked out once."""

    def __init__(self, rules: Rules) -> None:
        shared = Counter(rule.category for rule in rules.in_section("dedication"))
        shared.update(rules.category_caps.keys())

        def section(rule: ItemRule) -> str:
            if rule.section == "dedication" and shared[rule.category] == 1:
                return _ROW
            return rule.section

        # item -> (section, category, year cap, maximum)
        self.plan = {
            rule.item_id: (section(rule), rule.category, rule.cap_year, rule.max_points or ZERO)
            for rule in rules.items.values()
        }
        # The same with caps and maxima to one place, for sums in tenths: clamping a
        # number of tenths to a rounded cap gives the rounded clamp, so nothing needs
        # rounding afterwards.
        self.plan_in_tenths = {
            item_id: (kind, category, _round_cap(cap), round1(maximum))
            for item_id, (kind, category, cap, maximum) in self.plan.items()
        }
        self.category_caps_in_tenths = {c: round1(cap) for c, cap in rules.category_caps.items()}
        self.month_caps_in_tenths = {
            r.item_id: round1(r.cap_month) for r in rules.items.values() if r.cap_month is not None
        }
        # A member without entries: every base item full, nothing else.
        self.full_base = {
            rule.item_id: round1(rule.max_points)
            for rule in rules.in_section("base")
            if rule.max_points is not None
        }
        self.no_dedication = dict.fromkeys(
            (rule.category for rule in rules.in_section("dedication")), ZERO_1
        )
        self.no_deductions = dict.fromkeys(
            (rule.item_id for rule in rules.in_section("deduction")), ZERO_1
        )


def _layout(rules: Rules) -> _Layout:
    layout = rules.__dict__.get("_layout")
    if layout is None:
        layout = _Layout(rules)
        rules.__dict__["_layout"] = layout  # Rules is frozen; this is a cache, not state
    return layout


def _card(
    rules: Rules,
    member_id: int,
    counted: Mapping[int, Decimal],
    sessions: Mapping[str, tuple[Decimal, int]],
    *,
    in_tenths: bool = False,
) -> MemberTotals:
    """A member's totals from their points counted per item in the year.

    `counted[item]` is a base item's summed adjustments, or what a dedication or deduction
    item counts before its year cap (its months, each under the month cap). Items absent
    from `counted` have no entries: the layout's defaults stand for them. `in_tenths`:
    every figure has exactly one decimal place, so the card rows need no rounding.
    """
    layout = _layout(rules)
    plan = layout.plan_in_tenths if in_tenths else layout.plan
    caps = layout.category_caps_in_tenths if in_tenths else rules.category_caps
    floor = ZERO_1 if in_tenths else ZERO
    base_by_item = layout.full_base.copy()
    dedication_by_category = layout.no_dedication.copy()
    deductions_by_item = layout.no_deductions.copy()
    shared: dict[str, Decimal] = {}  # categories whose row sums several items or is capped
    # _clamp and round1 written out: this loop runs for every item of every member.
    for item_id, points in counted.items():
        kind, category, cap, maximum = plan[item_id]
        if kind == _BASE:
            points += maximum
            if points > maximum:
                points = maximum
        elif cap is not None and points > cap:
            points = cap
        if points < floor:
            points = floor
        if kind == _SHARED:
            shared[category] = shared[category] + points if category in shared else points
            continue
        if not in_tenths:
            points = _quantize(points, TENTH, ROUND_HALF_UP)
        if kind == _ROW:
            dedication_by_category[category] = points
        elif kind == _DEDUCTION:
            deductions_by_item[item_id] = points
        else:
            base_by_item[item_id] = points
    for category, points in shared.items():
        cap = caps.get(category)
        if cap is not None and points > cap:
            points = cap
        dedication_by_category[category] = (
            points if in_tenths else _quantize(points, TENTH, ROUND_HALF_UP)
        )
    # Session score = summed points / summed count, so a corrected score replaces the old.
    session_scores = {
        session: round1(points / count)
        for session, (points, count) in sessions.items()
        if count > 0
    }
    return _totals(
        member_id, base_by_item, dedication_by_category, deductions_by_item, session_scores
    )


def _card_in_tenths(
    rules: Rules,
    member_id: int,
    counted: Mapping[int, Decimal],
    sessions: Mapping[str, tuple[Decimal, int]],
) -> MemberTotals:
    """`_card(..., in_tenths=True)` written out for the summary, which calls it for every
    member: the same clamps in the same order, with nothing to round. A value clamped
    to a cap or a maximum (never negative) needs no floor after, and a session of one
    appraisal is its score as it stands (its points have one place already)."""
    layout = _layout(rules)
    plan = layout.plan_in_tenths
    floor = ZERO_1
    base_by_item = layout.full_base.copy()
    dedication_by_category = layout.no_dedication.copy()
    deductions_by_item = layout.no_deductions.copy()
    shared: dict[str, Decimal] = {}
    for item_id, points in counted.items():
        kind, category, cap, maximum = plan[item_id]
        if kind == _BASE:
            points += maximum
            if points > maximum:
                points = maximum
            elif points < floor:
                points = floor
            base_by_item[item_id] = points
            continue
        if cap is not None and points > cap:
            points = cap
        elif points < floor:
            points = floor
        if kind == _ROW:
            dedication_by_category[category] = points
        elif kind == _DEDUCTION:
            deductions_by_item[item_id] = points
        else:
            shared[category] = shared[category] + points if category in shared else points
    if shared:
        caps = layout.category_caps_in_tenths
        for category, points in shared.items():
            cap = caps.get(category)
            dedication_by_category[category] = cap if cap is not None and points > cap else points
    session_scores = {
        session: points if count == 1 else round1(points / count)
        for session, (points, count) in sessions.items()
        if count > 0
    }
    return _totals(
        member_id, base_by_item, dedication_by_category, deductions_by_item, session_scores
    )


def _totals(
    member_id: int,
    base_by_item: dict[int, Decimal],
    dedication_by_category: dict[str, Decimal],
    deductions_by_item: dict[int, Decimal],
    session_scores: dict[str, Decimal],
) -> MemberTotals:
    """A card's components from its rows: sums of the rounded rows, so the summary table
    adds up (the rows have one decimal place, and so have their sums)."""
    base = sum(base_by_item.values(), ZERO_1)
    dedication = sum(dedication_by_category.values(), ZERO_1)
    deductions = sum(deductions_by_item.values(), ZERO_1)
    appraisal = (
        round1(sum(session_scores.values(), ZERO) / len(session_scores))
        if session_scores
        else ZERO_1
    )
    return MemberTotals(
        member_id=member_id,
        base=base,
        dedication=dedication,
        appraisal=appraisal,
        deductions=deductions,
        total=base + dedication + appraisal - deductions,
        base_by_item=base_by_item,
        dedication_by_category=dedication_by_category,
        deductions_by_item=deductions_by_item,
        appraisal_sessions=session_scores,
    )


class _Tally:
    """One member's entries summed to the level the rules act on."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.adjustments: dict[int, Decimal] = {}
        # item -> month -> summed points (dedication and deduction items)
        self.monthly: dict[int, dict[int, Decimal]] = {}
        self.sessions: dict[str, tuple[Decimal, int]] = {}

    def add(self, entry: Entry) -> None:
        if entry.section == "appraisal":
            points, count = self.sessions.get(entry.session, (ZERO, 0))
            self.sessions[entry.session] = (points + entry.points, count + entry.count)
            return
        rule = self.rules.items.get(entry.item_id) if entry.item_id is not None else None
        if rule is None or rule.section != entry.section:
            raise UnknownItem(f"no {entry.section} item {entry.item_id} in the rules")
        if entry.section == "base":
            self.adjustments[rule.item_id] = self.adjustments.get(rule.item_id, ZERO) + entry.points
            return
        months = self.monthly.setdefault(rule.item_id, {})
        months[entry.month] = months.get(entry.month, ZERO) + entry.points

    def months(self, item_id: int) -> Mapping[int, Decimal]:
        return self.monthly.get(item_id, {})

    def counted(self, rule: ItemRule) -> Decimal:
        """An item's points before its year cap: its months, each under the month cap."""
        return sum((_clamp(p, rule.cap_month) for p in self.months(rule.item_id).values()), ZERO)

    def item_year(self, rule: ItemRule) -> Decimal:
        """An item's counted points for the year: months capped, then the year."""
        return _clamp(self.counted(rule), rule.cap_year)

    def category_uncapped(self, category: str) -> Decimal:
        return sum(
            (
                self.item_year(rule)
                for rule in self.rules.in_section("dedication")
                if rule.category == category
            ),
            ZERO,
        )

    def totals(self, member_id: int) -> MemberTotals:
        items = self.rules.items
        counted = dict(self.adjustments)
        for item_id in self.monthly:
            counted[item_id] = self.counted(items[item_id])
        return _card(self.rules, member_id, counted, self.sessions)


def member_totals(rules: Rules, member_id: int, entries: Iterable[Entry]) -> MemberTotals:
    """One member's annual points; entries of other members are ignored."""
    tally = _Tally(rules)
    for entry in entries:
        if entry.member_id == member_id:
            tally.add(entry)
    return tally.totals(member_id)


def branch_totals(
    rules: Rules, member_ids: Iterable[int], entries: Iterable[Entry]
) -> dict[int, MemberTotals]:
    """Annual points of every member taking part, in one pass over the entries.

    Entries of members not listed (exempt, or of another branch) are ignored; a listed
    member without entries holds the full base score.
    """
    tallies = {member_id: _Tally(rules) for member_id in member_ids}
    for entry in entries:
        tally = tallies.get(entry.member_id)
        if tally is not None:
            tally.add(entry)
    return {member_id: tally.totals(member_id) for member_id, tally in tallies.items()}


def totals_from_sums(
    rules: Rules,
    member_id: int,
    item_sums: Mapping[int, Decimal],
    month_sums: Mapping[int, Mapping[int, Decimal]] | None = None,
    sessions: Mapping[str, tuple[Decimal, int]] | None = None,
) -> MemberTotals:
    """One member's annual points from their ledger already summed, as a GROUP BY gives it.

    `item_sums[item]`: the year's net points of a base item, or of a dedication or
    deduction item without a month cap; `month_sums[item][month]`: the month's net points
    of any dedication or deduction item (needed for those with a month cap);
    `sessions[session]`: summed appraisal points and summed count. Points are sums of
    ledger points, so each has exactly one decimal place (Decimal("2.0"), not
    Decimal("2")). The result equals `member_totals` over the entries so summed, since a
    month's net points are never negative (a reversal cancels an entry of its own month).
    """
    layout = _layout(rules)
    if not layout.plan.keys() >= item_sums.keys():
        unknown = min(item_sums.keys() - layout.plan.keys())
        raise UnknownItem(f"no item {unknown} in the rules")
    month_caps = layout.month_caps_in_tenths
    if not month_caps.keys().isdisjoint(item_sums):
        by_month = min(month_caps.keys() & item_sums.keys())
        raise ValueError(f"item {by_month} has a month cap: give its points by month")
    counted: Mapping[int, Decimal] = item_sums
    if month_sums:
        counted = dict(item_sums)
        for item_id, months in month_sums.items():
            rule = rules.items.get(item_id)
            if rule is None or rule.section == "base":
                raise UnknownItem(f"no dedication or deduction item {item_id} in the rules")
            if item_id in counted:
                raise ValueError(f"item {item_id} is given both for the year and by month")
            cap = month_caps.get(item_id)
            year_points = ZERO_1
            for points in months.values():  # each month clamped to [0, cap], written out
                if points < ZERO:
                    points = ZERO
                elif cap is not None and points > cap:
                    points = cap
                year_points += points
            counted[item_id] = year_points
    return _card_in_tenths(rules, member_id, counted, sessions or {})


def dedication_room(
    rules: Rules, entries: Iterable[Entry], *, item_id: int, month: int
) -> Decimal | None:
    """How many more points of a dedication item can still count in a month.

    `entries` are the member's entries of the year. The room is the smallest of what the
    item's month cap, its year cap and its category's cap leave; None when none is set.
    """
    rule = rules.items.get(item_id)
    if rule is None or rule.section != "dedication":
        raise UnknownItem(f"no dedication item {item_id} in the rules")
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month}")
    tally = _Tally(rules)
    for entry in entries:
        tally.add(entry)
    rooms: list[Decimal] = []
    if rule.cap_month is not None:
        this_month = tally.months(item_id).get(month, ZERO)
        rooms.append(rule.cap_month - _clamp(this_month, rule.cap_month))
    if rule.cap_year is not None:
        rooms.append(rule.cap_year - tally.item_year(rule))
    category_cap = rules.category_caps.get(rule.category)
    if category_cap is not None:
        rooms.append(category_cap - _clamp(tally.category_uncapped(rule.category), category_cap))
    if not rooms:
        return None
    return round1(max(min(rooms), ZERO))


@dataclass(frozen=True)
class Standing:
    member_id: int
    total: Decimal
    vetoed: bool
    rank: int
    award_eligible: bool
    help_talk_due: bool


AWARD_SHARE = Decimal("0.2")


def _competition_ranks(totals: Mapping[int, Decimal], ahead: int) -> dict[int, int]:
    """Rank = 1 + everyone ahead: `ahead` members, then those here with a higher total."""
    ordered = sorted(totals.values(), reverse=True)
    first_place = {total: ahead + 1 + index for index, total in reversed(list(enumerate(ordered)))}
    return {member_id: first_place[total] for member_id, total in totals.items()}


def rank_branch(results: Iterable[tuple[int, Decimal, bool]]) -> list[Standing]:
    """Rank the members taking part by annual points (plan 二), vetoed members last.

    `results` holds (member_id, total, vetoed). Totals are compared as shown, to one
    decimal place. Award-eligible: not vetoed and within the top 20% (rank <= 0.2 n, n
    counting the vetoed too). Help talk due (the one definition every page, print and export
    reads): every vetoed member, and everyone tied at the lowest total among the non-vetoed
    unless they all share one total, when nobody is last.
    """
    clear: dict[int, Decimal] = {}
    vetoed: dict[int, Decimal] = {}
    for member_id, total, is_vetoed in results:
        if member_id in clear or member_id in vetoed:
            raise ValueError(f"member {member_id} appears twice in the results")
        (vetoed if is_vetoed else clear)[member_id] = round1(total)
    n = len(clear) + len(vetoed)
    # Nobody is last when every member not vetoed holds the same total (nothing recorded
    # yet, or one member): the bottom of the ranking is then the whole branch.
    lowest = min(clear.values()) if len(set(clear.values())) > 1 else None
    ranks = _competition_ranks(clear, 0) | _competition_ranks(vetoed, len(clear))
    standings = [
        Standing(
            member_id=member_id,
            total=total,
            vetoed=is_vetoed,
            rank=ranks[member_id],
            award_eligible=not is_vetoed and ranks[member_id] <= AWARD_SHARE * n,
            help_talk_due=is_vetoed or total == lowest,
        )
        for is_vetoed, group in ((False, clear), (True, vetoed))
        for member_id, total in group.items()
    ]
    return sorted(standings, key=lambda standing: (standing.rank, standing.member_id))


def handling_candidates(
    flags: Mapping[int, Mapping[int, bool]], talks: Mapping[int, Iterable[int]], year: int
) -> set[int]:
    """Members to list for unqualified-member handling (不合格党员处置) in `year`.

    Plan 二: bottom-ranked or vetoed two years running and 经教育后仍没有明显改进: the help
    talk on the first year's result came before the second year's. `flags[m][y]` says
    whether member m was bottom (help talk due) or vetoed in year y; `talks[m]` the years
    whose result a help talk followed, counting only talks held before `year`'s result.
    The system lists; the branch proposes and the committee decides.
    """
    return {
        member_id
        for member_id, by_year in flags.items()
        if by_year.get(year - 1, False)
        and by_year.get(year, False)
        and (year - 1) in set(talks.get(member_id, ()))
    }
