"""How a scheme item's points read in the editor: 2.0, 0.5–5.0, 一般 1.0 / 突出 2.0."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from rules.models import PointsKind

register = template.Library()


def _one_place(value: Any) -> str:
    try:
        return str(Decimal(str(value)).quantize(Decimal("0.1")))
    except (InvalidOperation, ValueError):
        return str(value)


@register.filter
def points_text(item: Any) -> str:
    if item.points_kind == PointsKind.RANGE:
        return f"{_one_place(item.points_min)}–{_one_place(item.points_max)}"
    if item.points_kind == PointsKind.LEVELS:
        return " / ".join(
            f"{level.get('name', '')} {_one_place(level.get('points'))}"
            for level in item.levels or []
        )
    return _one_place(item.points) if item.points is not None else "—"


@register.filter
def cap_text(value: Any) -> str:
    return _one_place(value) if value not in (None, "") else "—"
