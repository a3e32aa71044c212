"""A points card as read from a sheet, and the checks of its figures against the engine.

The reading (`card_reader`) fills a `SheetCard` from the sheet's cells; `check_card`
holds it against the scoring engine. Everything here is pure: no database, no workbook.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.numbers import NotOnePlace, one_place
from rules.defaults import DEDICATION_ITEMS
from rules.models import Category, Item, Section
from rules.services import normalized_label
from scoring import engine

ZERO = Decimal(0)
# "(四)", "（五）", "4." … in front of a row's label.
_NUMBERING = re.compile(
    r"^(?:[(（][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十\d]+[、.．])"
)


def norm(value: Any) -> str:
    """A cell's text as labels are compared: NFKC, no white space, no quote marks."""
    if value is None:
        return ""
    return normalized_label(unicodedata.normalize("NFKC", str(value)))


def unnumbered(text: str) -> str:
    """A label without its "(四)" in front."""
    return _NUMBERING.sub("", text)


@dataclass(frozen=True)
class Problem:
    """Something that stops the import (or, as a warning, deserves a look)."""

    message: str
    sheet: str = ""
    cell: str = ""

    def __str__(self) -> str:
        if self.sheet and self.cell:
            return _("Sheet %(sheet)s, cell %(cell)s: %(message)s") % {
                "sheet": self.sheet,
                "cell": self.cell,
                "message": self.message,
            }
        if self.sheet:
            return _("Sheet %(sheet)s: %(message)s") % {
                "sheet": self.sheet,
                "message": self.message,
            }
        return self.message


class CellError(ValueError):
    """A cell's value cannot be read as points."""


def read_points(value: Any) -> Decimal | None:
    """A cell as points: None when empty; a Decimal of one place; else CellError."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a number.") % {"value": value})
    if isinstance(value, datetime | date | time):
        raise CellError(_("the cell holds a date, not a number."))
    if isinstance(value, str):
        if not unicodedata.normalize("NFKC", value).strip():
            return None
    elif not isinstance(value, int | float | Decimal):
        raise CellError(_("“%(value)s” is not a number.") % {"value": value})
    try:
        return one_place(value)
    except NotOnePlace as refused:
        shown = value.strip() if isinstance(value, str) else value
        if refused.reason == "places":
            raise CellError(
                _("%(value)s has more than one decimal place.") % {"value": shown}
            ) from None
        if refused.reason == "too_large" or isinstance(value, int | float | Decimal):
            raise CellError(
                _("“%(value)s” is not a number of points.") % {"value": shown}
            ) from None
        raise CellError(_("“%(value)s” is not a number.") % {"value": shown}) from None


@dataclass
class RowReading:
    """One item row of a card: its item and its month cells as the ledger will take them."""

    section: str
    label: str
    label_cell: str
    item: Item
    # month -> (points as posted: base adjustment ≤ 0, dedication > 0, deduction magnitude)
    months: dict[int, tuple[Decimal, str]] = field(default_factory=dict)
    year_score: Decimal | None = None
    year_cell: str = ""
    # A base row with only 年度得分: the assessed yearly score, posted as one December adjustment.
    assessed: bool = False


@dataclass
class SheetCard:
    """What one sheet says about one member's year."""

    sheet: str
    name: str = ""
    name_cell: str = ""
    unit: str = ""
    rows: list[RowReading] = field(default_factory=list)
    appraisal: Decimal | None = None
    appraisal_cell: str = ""
    veto: str = ""
    veto_cell: str = ""
    stated_total: Decimal | None = None
    total_cell: str = ""
    totals: engine.MemberTotals | None = None  # the card's own rows through the engine

    def section_rows(self, section: str) -> list[RowReading]:
        return [row for row in self.rows if row.section == section]

    @property
    def base_rows(self) -> list[RowReading]:
        return self.section_rows(Section.BASE)

    @property
    def dedication_rows(self) -> list[RowReading]:
        return self.section_rows(Section.DEDICATION)

    @property
    def deduction_rows(self) -> list[RowReading]:
        return self.section_rows(Section.DEDUCTION)

    def postings(self) -> list[tuple[Item, int, Decimal, str]]:
        """(item, month, points, cell) of every ledger entry the sheet gives."""
        return [
            (row.item, month, points, cell)
            for row in self.rows
            for month, (points, cell) in sorted(row.months.items())
        ]


@dataclass
class WorkbookReading:
    sha256: str
    cards: list[SheetCard] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


class LabelIndex:
    """The scheme's rows by normalised label, per section: labels first, then short names;
    a dedication row may also carry its category's name."""

    def __init__(self, items: Iterable[Item]) -> None:
        self.by_section: dict[str, dict[str, Item]] = {s: {} for s in Section.values}
        items = sorted(items, key=lambda i: (i.is_retired, i.order, i.pk or 0))
        for item in reversed(items):  # the earliest, non-retired item wins a shared key
            self._categories(item)
        for item in reversed(items):
            self.by_section[item.section][norm(item.name)] = item
        for item in reversed(items):
            self.by_section[item.section][norm(item.label)] = item

    def _categories(self, item: Item) -> None:
        if item.section != Section.DEDICATION or item.category not in Category.values:
            return
        names = {str(Category(item.category).label)}
        names.update(name for code, name in DEDICATION_ITEMS if code == item.category)
        for name in names:
            self.by_section[Section.DEDICATION][norm(name)] = item

    def find(self, section: str, label: str) -> Item | None:
        return self.by_section[section].get(norm(label))


def check_card(card: SheetCard, rules: engine.Rules) -> tuple[list[Problem], list[Problem]]:
    """Turn assessed base scores into adjustments, run the engine over the card's own rows,
    and check each 年度得分 (a problem) and the stated 党员年度积分 (a warning) against it.
    Returns (problems, warnings); the card's `totals` are set when there is no problem."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for reading in card.base_rows:
        message = _base_year(reading)
        if message:
            problems.append(Problem(message, card.sheet, reading.year_cell))
    if problems:
        return problems, warnings
    entries = [
        engine.Entry(
            member_id=0,
            month=month,
            section=item.section,  # type: ignore[arg-type]
            points=points,
            item_id=item.pk,
        )
        for item, month, points, _cell in card.postings()
    ]
    if card.appraisal is not None:
        entries.append(
            engine.Entry(
                member_id=0,
                month=12,
                section="appraisal",
                points=card.appraisal,
                session="import",
            )
        )
    totals = engine.member_totals(rules, 0, entries)
    card.totals = totals
    per_category: dict[str, int] = {}
    for reading in card.dedication_rows:
        per_category[reading.item.category] = per_category.get(reading.item.category, 0) + 1
    for reading in card.rows:
        if reading.section == Section.BASE or reading.year_score is None:
            continue
        stated = (
            abs(reading.year_score) if reading.section == Section.DEDUCTION else reading.year_score
        )
        months = sum((p for p, _c in reading.months.values()), ZERO)
        # A yearly score the scheme's caps explain is consistent too (an exported card).
        if reading.section == Section.DEDUCTION:
            capped = totals.deductions_by_item.get(reading.item.pk)
        elif per_category[reading.item.category] == 1:
            capped = totals.dedication_by_category.get(reading.item.category)
        else:
            capped = None
        if stated not in (months, capped):
            problems.append(
                Problem(
                    _("年度得分 is %(stated)s but the months add up to %(months)s.")
                    % {"stated": reading.year_score, "months": months},
                    card.sheet,
                    reading.year_cell,
                )
            )
    if card.stated_total is not None and card.stated_total != totals.total:
        warnings.append(
            Problem(
                _("党员年度积分 is %(stated)s but the card's rows give %(total)s.")
                % {"stated": card.stated_total, "total": totals.total},
                card.sheet,
                card.total_cell,
            )
        )
    if problems:
        card.totals = None
    return problems, warnings


def _base_year(reading: RowReading) -> str:
    """Check a base row's 年度得分; alone, it is the assessed score (a December adjustment)."""
    maximum = reading.item.points or ZERO
    score = reading.year_score
    if score is None:
        return ""
    if not reading.months:
        if not ZERO <= score <= maximum:
            return _(
                "the yearly score %(value)s of a base item must lie between 0 and %(max)s."
            ) % {"value": score, "max": maximum}
        if score != maximum:
            reading.months[12] = (score - maximum, reading.year_cell)
            reading.assessed = True
        return ""
    adjusted = maximum + sum((p for p, _c in reading.months.values()), ZERO)
    expected = min(max(adjusted, ZERO), maximum)
    if score != expected:
        return _(
            "年度得分 is %(stated)s but the item's maximum and the months give %(expected)s."
        ) % {"stated": score, "expected": expected}
    return ""
