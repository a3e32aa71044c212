"""Caps at recognition time: how much of what the reviewer gives can still count, and why.

The engine says how much room is left (`scoring.engine.dedication_room`); this module
finds which cap leaves it, so the reviewer reads e.g. “the yearly cap of 志愿服务 leaves
3 points; 5 are asked” and confirms the reduced value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils.translation import gettext as _

from ledger.models import Entry as LedgerEntry
from organizations.models import Member
from rules.models import Category, Item, Scheme
from scoring import engine
from summaries.selectors import rules_from_items


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


def points_text(value: Decimal) -> str:
    """3.0 as "3", 2.5 as "2.5": how the plan writes points."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _explain(which: str, item: Item, room: Decimal, asked: Decimal) -> str:
    values = {"item": item.name, "room": points_text(room), "asked": points_text(asked)}
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
