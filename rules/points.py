"""What an item gives: its points rule read as numbers, text and engine rules.

One place for every question about an item's points — the most one occurrence gives,
whether a value keeps to the rule, how a month's sum of occurrences can look on an
imported card, how the 分值 column shows it, and the engine's view of the caps. The
ledger's gate (`ledger.services.entry_post`) and the pages all read it from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from scoring import engine

from .models import Item, PointsKind, Section

TENTH = Decimal("0.1")


def format_points(value: Decimal | None) -> str:
    """3.0 as "3", 2.5 as "2.5": how the plan writes points."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def level_values(item: Item) -> list[Decimal]:
    return [
        Decimal(str(level.get("points")))
        for level in item.levels or []
        if isinstance(level, dict) and level.get("points") not in (None, "")
    ]


def points_spec(item: Item) -> str:
    """What an item gives per occurrence, as the 分值 column shows it."""
    if item.points_kind == PointsKind.RANGE:
        return f"{format_points(item.points_min)}–{format_points(item.points_max)}"
    if item.points_kind == PointsKind.LEVELS:
        return " / ".join(
            f"{level.get('name', '')}{format_points(Decimal(str(level.get('points', 0))))}"
            for level in item.levels or []
            if isinstance(level, dict)
        )
    return format_points(item.points)


def item_maximum(item: Item) -> Decimal | None:
    """The most one occurrence of the item gives under its rules."""
    if item.points_kind == PointsKind.FIXED:
        return item.points
    if item.points_kind == PointsKind.RANGE:
        return item.points_max
    values = level_values(item)
    return max(values) if values else None


def item_minimum(item: Item) -> Decimal | None:
    """The least one occurrence of the item gives under its rules."""
    if item.points_kind == PointsKind.FIXED:
        return item.points
    if item.points_kind == PointsKind.RANGE:
        return item.points_min
    values = level_values(item)
    return min(values) if values else None


def within_rules(item: Item, points: Decimal) -> bool:
    """Whether `points` is what one occurrence of the item gives in full: its fixed value,
    a value in its range, or one of its named levels."""
    if item.points_kind == PointsKind.FIXED:
        return item.points is not None and points == item.points
    if item.points_kind == PointsKind.RANGE:
        if item.points_min is None or item.points_max is None:
            return False
        return item.points_min <= points <= item.points_max
    return points in level_values(item)


# A month cell of an imported card holds the sum of that month's occurrences; a sum
# above this many tenths is not searched for a combination of levels.
LEVEL_SEARCH_LIMIT = 100_000


def _tenths(value: Decimal) -> int:
    return int((value / TENTH).to_integral_value())


def sum_of_occurrences(item: Item, points: Decimal) -> bool:
    """Whether `points` can be the sum of one or more whole occurrences of the item: a
    multiple of its fixed value, n values of its range, or a sum of its levels."""
    if points <= 0:
        return False
    if item.points_kind == PointsKind.FIXED:
        if not item.points or item.points <= 0:
            return False
        return points % item.points == 0
    if item.points_kind == PointsKind.RANGE:
        low, high = item.points_min, item.points_max
        if low is None or high is None or low <= 0 or high < low:
            return False
        # n occurrences give n*low .. n*high; the fewest that can reach `points`:
        n = -(-_tenths(points) // _tenths(high))
        return n * low <= points
    values = sorted({_tenths(v) for v in level_values(item) if v > 0})
    target = _tenths(points)
    if not values or target > LEVEL_SEARCH_LIMIT:
        return False
    reachable = [True] + [False] * target
    for total in range(1, target + 1):
        reachable[total] = any(v <= total and reachable[total - v] for v in values)
    return reachable[target]


def _rule(pk: int, section: str, category: str, points: Any, cap_month: Any, cap_year: Any):
    return engine.ItemRule(
        item_id=pk,
        section=section,  # type: ignore[arg-type]
        category=category or f"item:{pk}",
        max_points=points if section == Section.BASE else None,
        cap_month=cap_month,
        cap_year=cap_year,
    )


def rules_from_rows(rows: Iterable[tuple], category_caps: dict[str, Any] | None) -> engine.Rules:
    """Engine rules from (pk, section, category, points, cap_month, cap_year) rows."""
    return engine.Rules(
        items={row[0]: _rule(*row) for row in rows},
        category_caps={k: Decimal(str(v)) for k, v in (category_caps or {}).items()},
    )


def rules_from_items(items: Iterable[Item], category_caps: dict[str, Any] | None) -> engine.Rules:
    """The engine's view of a scheme's items and its category caps."""
    return rules_from_rows(
        (
            (item.pk, item.section, item.category, item.points, item.cap_month, item.cap_year)
            for item in items
        ),
        category_caps,
    )
