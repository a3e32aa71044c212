"""The pieces every .xlsx the system writes shares: the forms' styles (宋体, thin black
boxes, centred wrapped text), a title row, a header row, column widths, a box of
borders, A4 page setup, the value a cell may hold (core.spreadsheets.cell_value keeps a
typed formula as text) and the workbook as bytes for core.downloads.xlsx_response.

The exporters (declarations' form 1, appraisals' form 3, the members' import template,
the annual report, the points card and the summary table) lay out their own forms with
these, so a change of style is made once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .spreadsheets import cell_value

SONG = "宋体"  # the plan's forms are printed in 宋体
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
HEAD_FILL = PatternFill("solid", fgColor="E6ECF3")


def song(size: float = 11, *, bold: bool = False) -> Font:
    """The forms' font at a size."""
    return Font(name=SONG, size=size, bold=bold)


def sheet_title(text: str) -> str:
    """Excel refuses some characters and more than 31 in a sheet's name."""
    for bad in "[]:*?/\\":
        text = text.replace(bad, " ")
    return text[:31]


def put(
    sheet: Worksheet,
    row: int,
    column: int,
    value: Any,
    *,
    font: Font | None = None,
    align: Alignment | None = None,
    border: Border | None = None,
    fill: PatternFill | None = None,
    number_format: str | None = None,
) -> Cell:
    """One cell: its value as a cell may hold it (never a formula) and its style."""
    cell = sheet.cell(row=row, column=column, value=cell_value(value))
    if font is not None:
        cell.font = font
    if align is not None:
        cell.alignment = align
    if border is not None:
        cell.border = border
    if fill is not None:
        cell.fill = fill
    if number_format:
        cell.number_format = number_format
    return cell


def title_row(
    sheet: Worksheet,
    text: Any,
    *,
    columns: int,
    row: int = 1,
    font: Font | None = None,
    align: Alignment | None = CENTER,
    height: float | None = None,
) -> Cell:
    """A line of text across the first `columns` columns (merged), e.g. the form's name."""
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    cell = put(sheet, row, 1, text, font=font or song(16, bold=True), align=align)
    if height is not None:
        sheet.row_dimensions[row].height = height
    return cell


def header_row(
    sheet: Worksheet,
    headings: Iterable[Any],
    *,
    row: int,
    font: Font | None = None,
    fill: PatternFill | None = None,
    align: Alignment = CENTER,
    border: Border | None = BOX,
) -> None:
    """The columns' headings in one row, boxed."""
    for column, text in enumerate(headings, start=1):
        put(
            sheet,
            row,
            column,
            str(text),
            font=font or song(11, bold=True),
            align=align,
            border=border,
            fill=fill,
        )


def column_widths(sheet: Worksheet, widths: Sequence[float], *, first: int = 1) -> None:
    """Widths of consecutive columns from `first` (A is 1)."""
    for column, width in enumerate(widths, start=first):
        sheet.column_dimensions[get_column_letter(column)].width = width


def box(sheet: Worksheet, first_row: int, last_row: int, first_col: int, last_col: int) -> None:
    """Thin borders round every cell of a rectangle (merged cells included)."""
    for row in sheet.iter_rows(
        min_row=first_row, max_row=last_row, min_col=first_col, max_col=last_col
    ):
        for cell in row:
            cell.border = BOX


def a4(
    sheet: Worksheet,
    *,
    portrait: bool = True,
    margins: tuple[float, float] | None = None,
    centred: bool = False,
    print_area: str = "",
    title_rows: str = "",
) -> None:
    """Printed on A4, as wide as one page and as long as it needs."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    if portrait:
        sheet.page_setup.orientation = sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if centred:
        sheet.print_options.horizontalCentered = True
    if margins is not None:
        sheet.page_margins.left = sheet.page_margins.right = margins[0]
        sheet.page_margins.top = sheet.page_margins.bottom = margins[1]
    if print_area:
        sheet.print_area = print_area
    if title_rows:
        sheet.print_title_rows = title_rows


def excel_value(value: Any) -> tuple[Any, str | None]:
    """A value as Excel keeps it, and its number format: Decimals to one place, times in
    Beijing time (Excel has no time zones)."""
    if isinstance(value, Decimal):
        return value, "0.0"
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value, "yyyy-mm-dd hh:mm"
    if isinstance(value, dt.date):
        return value, "yyyy-mm-dd"
    return value, None


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as an .xlsx file's bytes."""
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
