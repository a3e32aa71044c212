"""The summary table (附件4) as DESIGN.md §6's JSON, as CSV and as an .xlsx form.

The workbook reproduces the printed form: the title with the year, 单位 and the
secretary's signature line, the heading row and at least the form's twenty numbered
rows, bordered, on A4 portrait with the heading repeated on every page. It is written
in openpyxl's write-only mode with each cell's style copied from a prototype, so that
a table of 10,000 members costs little more than writing the bare values.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Border, Font
from openpyxl.utils import get_column_letter

from audit.services import chain_head
from core.spreadsheets import cell_value, csv_writer
from core.workbooks import BOX, CENTER, TOP_LEFT, column_widths, song, workbook_bytes

from .summary_table import HEADINGS, MIN_ROWS, TITLE, SummaryTable, decimal_text

FORMATS = ("json", "csv", "xlsx")
CSV_HEADINGS = (*HEADINGS, "名次", "一票否决")
FORM_HEADINGS = (*HEADINGS[:-1], "年度\n总积分")  # as the form breaks the last heading
FONT = "宋体"
WIDTHS = (7, 16, 11, 11, 11, 11, 13)
LAST = len(HEADINGS)
BLANK_SIGNATURE = "_" * 14

_BORDER = BOX
_CENTRE = CENTER


def summary_json(table: SummaryTable) -> dict[str, Any]:
    """DESIGN.md §6 "Machine-readable summary", members by rank, exempt members left out."""
    return {
        "branch": table.branch.code,
        "year": table.year,
        "members": [
            {
                "name": row.member.name,
                "base": decimal_text(row.base),
                "dedication": decimal_text(row.dedication),
                "appraisal": decimal_text(row.appraisal),
                "deductions": decimal_text(row.deductions),
                "total": decimal_text(row.total),
                "rank": row.rank,
                "vetoed": row.vetoed,
                "award_eligible": row.award_eligible,
                "help_talk_due": row.help_talk_due,
            }
            for row in table.rows
        ],
    }


def summary_csv(table: SummaryTable) -> str:
    """The form's columns, then the rank and the veto (是/否), one line per member."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADINGS)
    for row in table.rows:
        writer.writerow(
            [
                row.number,
                row.member.name,
                *(decimal_text(value) for value in row.figures),
                row.rank,
                "是" if row.vetoed else "否",
            ]
        )
    return out.getvalue()


def number(value: Decimal) -> int | float:
    """A figure as Excel stores it: an integer when whole, else a float with one place."""
    return int(value) if value == value.to_integral_value() else float(value)


def signature_text(table: SummaryTable) -> str:
    confirmation = table.confirmation
    if not table.is_confirmed or confirmation is None:
        return f"党组织书记签名：{BLANK_SIGNATURE}"
    day = timezone.localtime(confirmation.confirmed_at)
    when = f"{day.year}年{day.month}月{day.day}日确认"
    return f"党组织书记签名：{confirmation.confirmed_by_name}（{when}）"


class _Styles:
    """Prototype cells whose style arrays every written cell copies."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.title = self._make(song(18, bold=True), _CENTRE)
        self.line = self._make(song(11), Alignment(horizontal="left", vertical="center"))
        self.line_right = self._make(song(11), Alignment(horizontal="right", vertical="center"))
        self.heading = self._make(song(11, bold=True), _CENTRE, _BORDER)
        self.body = self._make(song(11), _CENTRE, _BORDER)
        # Figures show their one decimal place, as on the print page (100.0, 92.5).
        self.figure = self._make(song(11), _CENTRE, _BORDER, "0.0")
        self.total = self._make(song(11, bold=True), _CENTRE, _BORDER, "0.0")
        self.note = self._make(song(10), TOP_LEFT)

    def _make(
        self,
        font: Font,
        alignment: Alignment,
        border: Border | None = None,
        number_format: str = "General",
    ) -> Any:
        cell = WriteOnlyCell(self.ws)
        cell.font = font
        cell.alignment = alignment
        cell.number_format = number_format
        if border is not None:
            cell.border = border
        return cell._style

    def cell(self, value: Any, style: Any) -> Cell:
        # Cells share their prototype's style array: writing only reads it.
        return Cell(self.ws, row=1, column=1, value=cell_value(value), style_array=style)


def _placed(cells: list[Cell | None], row_idx: int) -> Iterator[Cell]:
    for col_idx, cell in enumerate(cells, 1):
        if cell is not None:
            cell.row, cell.column = row_idx, col_idx
            yield cell


def summary_xlsx(table: SummaryTable) -> bytes:
    """The summary table as attachment 4, one sheet, ready to print on A4 portrait."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("汇总表")
    # Every appended value is already a styled cell: place it, skipping openpyxl's attempt
    # to bind it as a value first (an exception per cell). Without this hook (another
    # openpyxl), the default path writes the same cells, only slower.
    ws._values_to_row = _placed
    styles = _Styles(ws)
    column_widths(ws, WIDTHS)
    # Write-only: the sheet's properties go out with the first row, so set them all first.
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.7
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.print_title_rows = "3:3"
    ws.sheet_format.defaultRowHeight = 20
    ws.sheet_format.customHeight = True
    ws.row_dimensions[1].height = 40
    ws.row_dimensions[2].height = 24
    ws.row_dimensions[3].height = 34

    last_col = get_column_letter(LAST)
    title = CellRichText(
        TextBlock(InlineFont(rFont=FONT, sz=18, b=True), TITLE),
        TextBlock(InlineFont(rFont=FONT, sz=12), f"（{table.year}年度）"),
    )
    ws.merged_cells.add(f"A1:{last_col}1")
    ws.append([styles.cell(title, styles.title)])
    ws.merged_cells.add("A2:C2")
    ws.merged_cells.add(f"D2:{last_col}2")
    ws.append(
        [
            styles.cell(f"单位：{table.branch.name}", styles.line),
            None,
            None,
            styles.cell(signature_text(table), styles.line_right),
        ]
    )
    ws.append([styles.cell(text, styles.heading) for text in FORM_HEADINGS])

    body, figure, bold = styles.body, styles.figure, styles.total
    for row in table.rows:
        ws.append(
            [
                styles.cell(row.number, body),
                styles.cell(row.member.name, body),
                styles.cell(number(row.base), figure),
                styles.cell(number(row.dedication), figure),
                styles.cell(number(row.appraisal), figure),
                styles.cell(number(row.deductions), figure),
                styles.cell(number(row.total), bold),
            ]
        )
    for n in range(len(table.rows) + 1, MIN_ROWS + 1):
        ws.append([styles.cell(n, body), *(styles.cell(None, body) for _ in range(LAST - 1))])
    last_row = 3 + max(len(table.rows), MIN_ROWS)
    vetoed = table.vetoed_names
    if vetoed:
        last_row += 1
        ws.merged_cells.add(f"A{last_row}:{last_col}{last_row}")
        ws.append([styles.cell("注：一票否决，排名列后：" + "、".join(vetoed), styles.note)])
    head = chain_head()
    if head is not None:
        last_row += 1
        ws.merged_cells.add(f"A{last_row}:{last_col}{last_row}")
        text = _("Audit chain head when exported: %(short)s (whole hash %(hash)s)") % {
            "short": head.short,
            "hash": head.hash,
        }
        ws.append([styles.cell(text, styles.note)])

    ws.print_area = f"A1:{last_col}{last_row}"
    wb.properties.title = TITLE
    return workbook_bytes(wb)
