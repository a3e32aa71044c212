"""Caps on dedication points: how much of a value can still count, and which cap says so.

The engine says how much room is left (`scoring.engine.dedication_room`); this module
finds which cap leaves it, so the officer reads e.g. “the yearly cap of 志愿服务 leaves
3 points; 5 are asked”. The ledger's gate refuses an entry above the room; recognition
asks the reviewer first whether to record the reduced value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils.translation import gettext as _

from organizations.models import Member
from rules.models import Category, Item, Scheme
from rules.points import format_points, rules_from_items
from scoring import engine

from .models import Entry as LedgerEntry


@dataclass(frozen=True)
class Shortfall:
    room: Decimal
    asked: Decimal
    explanation: str


def scheme_rules(scheme: Scheme, items: Iterable[Item]) -> engine.Rules:
    return rules_from_items(items, scheme.category_caps)


def member_year_entries(member: Member, year: int, rules: engine.Rules) -> list[engine.Entry]:
    """The member's entries of the year in their branch, as the engine reads them."""
    rows = LedgerEntry.objects.filter(
        member=member, year=year, branch_id=member.branch_id
    ).values_list("month", "kind", "points", "item_id", "source_ref", "reverses_id")
    out = []
    for month, kind, points, item_id, source_ref, reverses_id in rows:
        if kind != "appraisal" and item_id not in rules.items:
            continue  # an item of another scheme (not expected; never counted here)
        out.append(
            engine.Entry(
                member_id=member.pk,
                month=month,
                section=kind,  # type: ignore[arg-type]  # the ledger's kinds are the engine's
                points=points,
                item_id=item_id,
                session=source_ref if kind == "appraisal" else "",
                count=-1 if reverses_id else 1,
            )
        )
    return out


def _only(rules: engine.Rules, item_id: int, which: str) -> engine.Rules:
    """The rules with only one of the item's three caps kept."""
    rule = rules.items[item_id]
    kept = replace(
        rule,
        cap_month=rule.cap_month if which == "month" else None,
        cap_year=rule.cap_year if which == "year" else None,
    )
    caps = dict(rules.category_caps)
    if which != "category":
        caps.pop(rule.category, None)
    return engine.Rules(items={**rules.items, item_id: kept}, category_caps=caps)


def _explain(which: str, item: Item, room: Decimal, asked: Decimal) -> str:
    values = {"item": item.name, "room": format_points(room), "asked": format_points(asked)}
    if which == "month":
        return (
            _(
                "The monthly cap of %(item)s leaves %(room)s points; "
                "this time %(asked)s points are given."
            )
            % values
        )
    if which == "year":
        return (
            _(
                "The yearly cap of %(item)s leaves %(room)s points; "
                "this time %(asked)s points are given."
            )
            % values
        )
    category = str(Category(item.category).label) if item.category in Category.values else ""
    return _(
        "The yearly cap of the category %(category)s leaves %(room)s points; "
        "this time %(asked)s points are given."
    ) % {**values, "category": category or item.category}


def shortfall(
    rules: engine.Rules,
    entries: list[engine.Entry],
    *,
    item: Item,
    month: int,
    asked: Decimal,
) -> Shortfall | None:
    """None when the caps leave room for `asked`; otherwise the room and the binding cap."""
    room = engine.dedication_room(rules, entries, item_id=item.pk, month=month)
    if room is None or asked <= room:
        return None
    rule = rules.items[item.pk]
    present = []
    if rule.cap_month is not None:
        present.append("month")
    if rule.cap_year is not None:
        present.append("year")
    if rules.category_caps.get(rule.category) is not None:
        present.append("category")
    binding = min(
        present,
        key=lambda which: (
            engine.dedication_room(
                _only(rules, item.pk, which), entries, item_id=item.pk, month=month
            )
            or Decimal(0)
        ),
    )
    return Shortfall(room=room, asked=asked, explanation=_explain(binding, item, room, asked))


def has_caps(item: Item) -> bool:
    """Whether any cap can bind the item: its own, or its category's in the scheme."""
    if item.cap_month is not None or item.cap_year is not None:
        return True
    return item.scheme.category_cap(item.category) is not None


def entry_shortfall(*, member: Member, year: int, month: int, item: Item, asked: Decimal):
    """The shortfall of one more dedication entry for the member, or None (no cap binds)."""
    if not has_caps(item):
        return None
    scheme = item.scheme
    rules = scheme_rules(scheme, scheme.items.all())
    entries = member_year_entries(member, year, rules)
    return shortfall(rules, entries, item=item, month=month, asked=asked)
