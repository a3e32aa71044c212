"""Reading points cards (附件2) from an .xlsx workbook, as DESIGN.md §6 states the contract.

Pure apart from openpyxl: the branch's scheme items come in, a structured reading and
every problem (by sheet and cell) come out; nothing touches the database. The sheet is
read by its labels, never by fixed cells, so a branch's own layout of the form works.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core import xlsx
from core.spreadsheets import unquoted
from rules.models import Item, Section
from rules.points import rules_from_items
from scoring import engine

from .card_sheet import (
    ZERO,
    CellError,
    LabelIndex,
    Problem,
    RowReading,
    SheetCard,
    WorkbookReading,
    check_card,
    norm,
    read_points,
    unnumbered,
)

MAX_BYTES = xlsx.MAX_UPLOAD_BYTES
MAX_SHEETS = 1000
MAX_ROWS = 500  # a card has about 30 rows (core.xlsx caps any sheet at xlsx.MAX_ROWS)
MAX_COLUMNS = xlsx.MAX_COLUMNS
MONTHS = range(1, 13)

SECTION_WORDS = (
    ("基本分", Section.BASE),
    ("奉献分", Section.DEDICATION),
    ("扣减分", Section.DEDUCTION),
)
SECTION_NAMES: dict[str, str] = {section: word for word, section in SECTION_WORDS}
APPRAISAL, VETO, TOTAL = "民主评议", "一票否决", "党员年度积分"
NONE_WORDS = {"", "无"}
_COLON = re.compile(r"[:：]")
_CJK = re.compile(r"[\u3400-\u9fff·]+")
_MONTH = re.compile(r"^(\d{1,2})月?$")


def read_workbook(
    data: bytes, *, items: Iterable[Item], category_caps: Mapping[str, Any] | None = None
) -> WorkbookReading:
    """Read every sheet of the workbook against the scheme's items."""
    reading = WorkbookReading(sha256=hashlib.sha256(data).hexdigest())
    workbook = _open(data, reading.problems)
    if workbook is None:
        return reading
    items = list(items)
    index = LabelIndex(items)
    rules = rules_from_items(items, dict(category_caps or {}))
    sheets = [ws for ws in workbook.worksheets if isinstance(ws, Worksheet)]
    if len(sheets) > MAX_SHEETS:
        reading.problems.append(
            Problem(_("The workbook has more than %(n)d sheets.") % {"n": MAX_SHEETS})
        )
        return reading
    for ws in sheets:
        card = _SheetReader(ws, index, rules, reading).read()
        if card is not None:
            reading.cards.append(card)
    if not reading.cards and not reading.problems:
        reading.problems.append(Problem(_("The workbook holds no points card.")))
    seen: dict[str, SheetCard] = {}
    for card in reading.cards:
        key = norm(card.name)
        if key and key in seen:
            reading.problems.append(
                Problem(
                    _("%(name)s already has a card on sheet %(other)s.")
                    % {"name": card.name, "other": seen[key].sheet},
                    card.sheet,
                    card.name_cell,
                )
            )
        seen.setdefault(key, card)
    return reading


def _open(data: bytes, problems: list[Problem]) -> Any:
    try:
        return xlsx.open_workbook(data)  # the unpacked size checked before parsing
    except xlsx.WorkbookRefused as exc:
        problems.append(Problem(exc.message))
        return None


class _SheetReader:
    """Reads one sheet: labels first (姓名, 工作单位, the header row), then the rows."""

    def __init__(
        self, ws: Worksheet, index: LabelIndex, rules: engine.Rules, reading: WorkbookReading
    ) -> None:
        self.ws, self.index, self.rules = ws, index, rules
        self.problems, self.warnings = reading.problems, reading.warnings
        self.card = SheetCard(sheet=ws.title)
        self.ok = True
        self.cells: dict[tuple[int, int], Any] = {}
        # Every cell of a merged range points at the range's top-left cell and right end.
        self.merged: dict[tuple[int, int], tuple[int, int, int]] = {}

    # Helpers ---------------------------------------------------------------

    def problem(self, message: str, row: int | None = None, col: int | None = None) -> None:
        cell = f"{get_column_letter(col)}{row}" if row and col else ""
        self.problems.append(Problem(message, self.ws.title, cell))
        self.ok = False

    def value(self, row: int, col: int) -> Any:
        """The cell's value; inside a merged range, the range's value."""
        anchor = self.merged.get((row, col))
        if anchor is not None:
            return self.cells.get(anchor[:2])
        return self.cells.get((row, col))

    def after(self, row: int, col: int) -> int:
        """The column right of the cell, past the merged range it belongs to."""
        merged = self.merged.get((row, col))
        return (merged[2] if merged else col) + 1

    def find(self, test: Any) -> tuple[int, int] | None:
        for (row, col), value in sorted(self.cells.items()):
            if isinstance(value, str) and test(norm(value)):
                return row, col
        return None

    @staticmethod
    def rest_after_colon(value: Any) -> str:
        parts = _COLON.split(str(value), maxsplit=1)
        return parts[1].strip() if len(parts) == 2 else ""

    # Reading ---------------------------------------------------------------

    def read(self) -> SheetCard | None:
        ws = self.ws
        if ws.max_row > MAX_ROWS:
            self.problem(
                _("The sheet has more than %(n)d rows; a points card is much shorter.")
                % {"n": MAX_ROWS}
            )
            return None
        for row in ws.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLUMNS):
            for cell in row:
                if cell.value is not None and not (
                    isinstance(cell.value, str) and not cell.value.strip()
                ):
                    # A text the export quoted (core.spreadsheets) reads back as typed.
                    self.cells[(cell.row, cell.column)] = unquoted(cell.value)
        if not self.cells:
            self.warnings.append(Problem(_("The sheet is empty and was skipped."), ws.title))
            return None
        for rng in ws.merged_cells.ranges:  # clipped: a range may span the whole sheet
            for r in range(rng.min_row, min(rng.max_row, MAX_ROWS) + 1):
                for c in range(rng.min_col, min(rng.max_col, MAX_COLUMNS) + 1):
                    self.merged[(r, c)] = (rng.min_row, rng.min_col, rng.max_col)
        self.read_person()
        columns = self.read_header()
        if columns is not None:
            self.read_rows(*columns)
        if self.ok:
            problems, warnings = check_card(self.card, self.rules)
            self.problems.extend(problems)
            self.warnings.extend(warnings)
        return self.card

    def labelled_text(self, label: str) -> tuple[str, int, int] | None:
        """The text after a label such as 姓名: in its own cell after a colon, or in the
        next cell. Returns (text, row, column of the text) or None without the label."""
        found = self.find(lambda t: t == label or t.startswith((label + ":", label + "：")))
        if found is None:
            return None
        row, col = found
        own = self.rest_after_colon(self.cells[found])
        if own:
            return own, row, col
        col = self.after(row, col)
        value = self.value(row, col)
        return ("" if value is None else str(value).strip()), row, col

    def read_person(self) -> None:
        name = self.labelled_text("姓名")
        if name is None:
            self.problem(_("no 姓名 label was found."))
        elif not name[0]:
            self.problem(_("no name is given after 姓名."), name[1], name[2])
        else:
            self.card.name = _person_name(name[0])
            self.card.name_cell = f"{get_column_letter(name[2])}{name[1]}"
        unit = self.labelled_text("工作单位")
        if unit is not None:
            self.card.unit = " ".join(unit[0].split())

    def read_header(self) -> tuple[int, int, int, dict[int, int], int] | None:
        """(first data row, 类别 column, 项目 column, month -> column, 年度得分 column)."""
        found = self.find(lambda t: t == "项目")
        if found is None:
            self.problem(_("no header row with 项目, the months 1–12 and 年度得分 was found."))
            return None
        head, label_col = found
        months_row, month_cols = None, {}
        for row in range(head, head + 3):
            cols = {}
            for (r, col), value in self.cells.items():
                month = _month_number(value) if r == row else None
                if month is not None and month not in cols:
                    cols[month] = col
            if set(cols) == set(MONTHS):
                months_row, month_cols = row, cols
                break
        if months_row is None:
            self.problem(_("the header row has no month numbers 1–12."), head, label_col)
            return None
        year_col = category_col = None
        for (row, col), value in self.cells.items():
            if head <= row <= months_row and isinstance(value, str):
                text = norm(value)
                if text.startswith("年度得分"):
                    year_col = col
                elif text.startswith("类别"):
                    category_col = col
        if year_col is None:
            self.problem(_("the header row has no 年度得分 column."), head, label_col)
            return None
        if category_col is None:
            category_col = label_col - 1
        if category_col < 1:
            self.problem(_("the header row has no 类别 column."), head, label_col)
            return None
        return months_row + 1, category_col, label_col, month_cols, year_col

    def read_rows(
        self,
        first: int,
        category_col: int,
        label_col: int,
        month_cols: dict[int, int],
        year_col: int,
    ) -> None:
        section: str | None = None
        seen: dict[int, str] = {}
        bad_sections: set[tuple[int, int]] = set()
        last = max(row for row, _col in self.cells)
        for row in range(first, last + 1):
            if self.special_row(row):
                continue
            category = self.value(row, category_col)
            if category is not None:
                section = _section(category)
                if section is None:
                    anchor = self.merged.get((row, category_col), (row, category_col))[:2]
                    if anchor not in bad_sections:
                        bad_sections.add(anchor)
                        self.problem(
                            _("“%(text)s” is not a section of the card (基本分, 奉献分 or 扣减分).")
                            % {"text": str(category).strip()},
                            *anchor,
                        )
                    continue
            label = self.value(row, label_col)
            label = "" if label is None else str(label).strip()
            values = {m: (self.cells.get((row, col)), col) for m, col in month_cols.items()}
            year_value = self.cells.get((row, year_col))
            if not label:
                if year_value is not None or any(v is not None for v, _c in values.values()):
                    self.problem(_("the row has points but no item label."), row, label_col)
                continue
            if section is None:
                self.problem(
                    _("the row is not under a 类别 (基本分, 奉献分 or 扣减分)."), row, label_col
                )
                continue
            item = self.index.find(section, label)
            if item is None:
                self.problem(
                    _("“%(label)s” is not an item of %(section)s in the branch's scheme.")
                    % {"label": label, "section": SECTION_NAMES[section]},
                    row,
                    label_col,
                )
                continue
            if item.is_retired:
                self.problem(
                    _("the item “%(label)s” is retired.") % {"label": label}, row, label_col
                )
                continue
            if item.pk in seen:
                self.problem(
                    _("the item “%(label)s” already has a row (%(cell)s).")
                    % {"label": label, "cell": seen[item.pk]},
                    row,
                    label_col,
                )
                continue
            seen[item.pk] = f"{get_column_letter(label_col)}{row}"
            reading = RowReading(
                section=section,
                label=label,
                label_cell=seen[item.pk],
                item=item,
                year_cell=f"{get_column_letter(year_col)}{row}",
            )
            self.read_numbers(reading, row, values, year_value, year_col)
            self.card.rows.append(reading)

    def read_numbers(
        self,
        reading: RowReading,
        row: int,
        values: dict[int, tuple[Any, int]],
        year_value: Any,
        year_col: int,
    ) -> None:
        for month, (value, col) in values.items():
            try:
                points = read_points(value)
            except CellError as exc:
                self.problem(str(exc), row, col)
                continue
            if points is None:
                continue
            cell = f"{get_column_letter(col)}{row}"
            if reading.section == Section.BASE:
                if points > 0:
                    self.problem(
                        _("%(value)s is a positive base adjustment; it must be zero or less.")
                        % {"value": points},
                        row,
                        col,
                    )
                    continue
                if reading.item.points is not None and -points > reading.item.points:
                    self.problem(
                        _("the adjustment %(value)s exceeds the item's maximum of %(max)s.")
                        % {"value": points, "max": reading.item.points},
                        row,
                        col,
                    )
                    continue
            elif reading.section == Section.DEDICATION:
                if points < 0:
                    self.problem(
                        _("dedication points cannot be negative (%(value)s).") % {"value": points},
                        row,
                        col,
                    )
                    continue
            else:
                points = abs(points)
            if points != 0:
                reading.months[month] = (points, cell)
        try:
            reading.year_score = read_points(year_value)
        except CellError as exc:
            self.problem(str(exc), row, year_col)

    def special_row(self, row: int) -> bool:
        """The 民主评议, 一票否决项 and 党员年度积分 rows: label, then value."""
        cols = sorted(col for r, col in self.cells if r == row)
        special = False
        for col in cols:
            value = self.cells[(row, col)]
            if not isinstance(value, str):
                continue
            text = unnumbered(norm(value))
            if text.startswith(APPRAISAL):
                self.read_appraisal(row, col, value)
            elif text.startswith(VETO):
                self.read_veto(row, col, value)
            elif text.startswith(TOTAL):
                self.read_total(row, col, value)
            else:
                continue
            special = True
        return special

    def values_after(self, row: int, col: int, value: Any) -> list[tuple[Any, int]]:
        """(value, column) of the label's own text after a colon, then of the cells to its
        right up to the next label of the row."""
        out: list[tuple[Any, int]] = []
        own = self.rest_after_colon(value)
        if own:
            out.append((own, col))
        for c in sorted(c for r, c in self.cells if r == row and c >= self.after(row, col)):
            v = self.cells[(row, c)]
            if isinstance(v, str) and unnumbered(norm(v)).startswith((APPRAISAL, VETO, TOTAL)):
                break
            out.append((v, c))
        return out

    def first_number(self, row: int, col: int, value: Any, what: str) -> tuple[Decimal, int] | None:
        unreadable = None
        for v, c in self.values_after(row, col, value):
            try:
                number = read_points(v)
            except CellError:
                unreadable = unreadable or (v, c)
                continue
            if number is not None:
                return number, c
        if unreadable is not None and norm(unreadable[0]) not in NONE_WORDS:
            self.problem(
                _("no number for %(what)s: “%(value)s” is not a number.")
                % {"what": what, "value": str(unreadable[0]).strip()},
                row,
                unreadable[1],
            )
        return None

    def read_appraisal(self, row: int, col: int, value: Any) -> None:
        found = self.first_number(row, col, value, "民主评议")
        if found is None:
            return
        score, c = found
        if not ZERO <= score <= Decimal(100):
            self.problem(
                _("the appraisal score %(value)s is not between 0 and 100.") % {"value": score},
                row,
                c,
            )
            return
        self.card.appraisal = score
        self.card.appraisal_cell = f"{get_column_letter(c)}{row}"

    def read_veto(self, row: int, col: int, value: Any) -> None:
        parts = [(str(v).strip(), c) for v, c in self.values_after(row, col, value)]
        text = " ".join(p for p, _c in parts if p)
        if norm(text).rstrip("。.") in NONE_WORDS:
            return
        self.card.veto = text
        self.card.veto_cell = f"{get_column_letter(parts[0][1])}{row}"

    def read_total(self, row: int, col: int, value: Any) -> None:
        found = self.first_number(row, col, value, "党员年度积分")
        if found is not None:
            self.card.stated_total = found[0]
            self.card.total_cell = f"{get_column_letter(found[1])}{row}"


def _person_name(text: str) -> str:
    """A Chinese name loses the spaces that pad it on forms (王　芳 → 王芳)."""
    words = text.split()
    if all(_CJK.fullmatch(word) for word in words):
        return "".join(words)
    return " ".join(words)


def _month_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value == int(value) and 1 <= value <= 12:
        return int(value)
    if isinstance(value, str):
        match = _MONTH.match(norm(value))
        if match and 1 <= int(match.group(1)) <= 12:
            return int(match.group(1))
    return None


def _section(value: Any) -> str | None:
    text = norm(value)
    for word, section in SECTION_WORDS:
        if word in text:
            return section
    return None
