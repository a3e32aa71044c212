"""The points card (附件2 党员奉献量化积分制管理记录卡) as an .xlsx workbook.

One sheet per member, laid out as the form: the title row, 姓名 and 工作单位, the two
header rows (月份 merged over the twelve months), the sections' 类别 cells merged down
their rows, then 民主评议, 一票否决项 and 党员年度积分. Numbers are written as numbers.
The workbook reads back through `card_reader` to the same totals.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.spreadsheets import cell_value
from core.workbooks import BOX, CENTER, LEFT, SONG, column_widths, song, workbook_bytes

from .card import CardRow, PointsCard

TITLE = "党员奉献量化积分制管理记录卡"
# Columns: 类别, 项目, 分值, the twelve months, 年度得分.
CATEGORY, LABEL, POINTS, FIRST_MONTH, YEAR = 1, 2, 3, 4, 16
LAST = YEAR
WIDTHS = {CATEGORY: 9, LABEL: 24, POINTS: 9, YEAR: 9}
MONTH_WIDTH = 6
FONT = SONG
BORDER = BOX
CENTRE = CENTER
BODY = song(10)
BOLD = song(10, bold=True)
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def number(value: Decimal | None) -> int | float | None:
    """A Decimal as Excel stores it: an integer when whole, else a float (one place)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _points_cell(spec: str) -> int | float | str:
    """The 分值 column: a number when the item gives fixed points, else its text."""
    if not spec:
        return ""
    try:
        value = number(Decimal(spec))
    except ArithmeticError:
        return spec
    return spec if value is None else value


def sheet_title(name: str, taken: set[str]) -> str:
    """The member's name as a sheet name: Excel's forbidden characters out, at most 31
    characters, unique in the workbook (张伟, 张伟 (2), …)."""
    base = _SHEET_FORBIDDEN.sub("", name).strip("' ")[:31] or "Sheet"
    title, n = base, 1
    while title.lower() in taken:
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    taken.add(title.lower())
    return title


def cards_workbook(cards: Iterable[PointsCard]) -> bytes:
    """The cards as one workbook, a sheet per member."""
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for card in cards:
        ws = wb.create_sheet(sheet_title(card.member.name, taken))
        write_card(ws, card)
    if not wb.worksheets:
        wb.create_sheet(TITLE[:31])
    wb.properties.title = TITLE
    return workbook_bytes(wb)


def _unit(card: PointsCard) -> str:
    member = card.member
    unit = member.department.name if member.department else member.branch.name
    return f"{unit} {member.position}".strip() if member.position else unit


def _session_text(card: PointsCard) -> str:
    """The appraisal's sessions, by half-year (上半年 92；下半年 94); the score is in 年度得分."""
    return "；".join(f"{label} {number(score)}" for label, score in card.appraisal_parts)


def _veto_text(card: PointsCard) -> str:
    return card.veto_text if card.vetoes else "无"


class _Writer:
    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws

    def put(
        self,
        row: int,
        col: int,
        value: object,
        *,
        to_col: int | None = None,
        to_row: int | None = None,
        align: Alignment = CENTRE,
        font: Font = BODY,
    ) -> None:
        to_col, to_row = to_col or col, to_row or row
        if (to_col, to_row) != (col, row):
            self.ws.merge_cells(start_row=row, start_column=col, end_row=to_row, end_column=to_col)
        cell = self.ws.cell(row=row, column=col, value=cell_value(value))
        cell.alignment, cell.font = align, font
        for r in range(row, to_row + 1):
            for c in range(col, to_col + 1):
                self.ws.cell(row=r, column=c).border = BORDER

    def item_row(self, row: int, card_row: CardRow, *, year_score: bool) -> None:
        self.put(row, LABEL, card_row.label, align=LEFT)
        self.put(row, POINTS, _points_cell(card_row.points))
        for index, cell in enumerate(card_row.months):
            self.put(row, FIRST_MONTH + index, number(cell.value))
        self.put(row, YEAR, number(card_row.year_score) if year_score else None)
        # About 0.6 Chinese characters fit per unit of column width.
        lines = max(1, math.ceil(len(card_row.label) / (WIDTHS[LABEL] * 0.6)))
        self.ws.row_dimensions[row].height = 13 * lines + 5

    def section(self, first: int, rows: list[CardRow], text: str, *, show_zero: bool) -> int:
        if not rows:
            return first
        last = first + len(rows) - 1
        self.put(first, CATEGORY, text, to_row=last, font=BOLD)
        for offset, card_row in enumerate(rows):
            # As on the paper form, a dedication or deduction row nobody used stays blank.
            recorded = any(c.value is not None for c in card_row.months)
            self.item_row(first + offset, card_row, year_score=show_zero or recorded)
        return last + 1


def write_card(ws: Worksheet, card: PointsCard) -> None:
    """Lay one member's card out on the sheet, as attachment 2."""
    w = _Writer(ws)
    title = CellRichText(
        TextBlock(InlineFont(rFont=FONT, sz=16, b=True), TITLE),
        TextBlock(InlineFont(rFont=FONT, sz=11), f"（{card.year}年度）"),
    )
    w.put(1, 1, title, to_col=LAST, font=Font(name=FONT, size=16, bold=True))
    ws.row_dimensions[1].height = 32
    w.put(2, 1, "姓 名", font=BOLD)
    w.put(2, 2, card.member.name)
    w.put(2, 3, "工作单位", font=BOLD)
    w.put(2, 4, _unit(card), to_col=LAST, align=LEFT)
    ws.row_dimensions[2].height = 22
    w.put(3, CATEGORY, "类别", to_row=4, font=BOLD)
    w.put(3, LABEL, "项目", to_row=4, font=BOLD)
    w.put(3, POINTS, "分 值", to_row=4, font=BOLD)
    w.put(3, FIRST_MONTH, "月 份", to_col=FIRST_MONTH + 11, font=BOLD)
    w.put(3, YEAR, "年度得分", to_row=4, font=BOLD)
    for month in range(1, 13):
        w.put(4, FIRST_MONTH + month - 1, month, font=BOLD)
    base_text = f"（一）\n基本分\n（{number(card.base_max)}分）"
    row = w.section(5, card.base_rows, base_text, show_zero=True)
    row = w.section(row, card.dedication_rows, "（二）\n奉献分", show_zero=False)
    row = w.section(row, card.deduction_rows, "（三）\n扣减分", show_zero=False)

    w.put(row, CATEGORY, "（四）\n民主评议", font=BOLD)
    w.put(row, LABEL, _session_text(card), to_col=YEAR - 1, align=LEFT)
    w.put(row, YEAR, number(card.totals.appraisal) if card.appraisal_sessions else None)
    ws.row_dimensions[row].height = 36
    row += 1
    w.put(row, CATEGORY, "（五）一票否决项", to_col=LABEL, font=BOLD)
    w.put(row, POINTS, _veto_text(card), to_col=FIRST_MONTH + 7, align=LEFT)
    w.put(row, FIRST_MONTH + 8, "（六）党员年度积分", to_col=YEAR - 1, font=BOLD)
    w.put(row, YEAR, number(card.totals.total) if card.takes_part else None, font=BOLD)
    ws.row_dimensions[row].height = 30

    column_widths(ws, [WIDTHS.get(col, MONTH_WIDTH) for col in range(1, LAST + 1)])
    _print_setup(ws, last_row=row)


def _print_setup(ws: Worksheet, *, last_row: int) -> None:
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1  # a card is one page; fitToWidth alone may split it
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_area = f"A1:{get_column_letter(LAST)}{last_row}"
