"""The branch's annual report as an .xlsx workbook: one sheet per section."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from appraisals.grades import FORM_NAMES
from core.spreadsheets import cell_value
from participation.models import ExemptionStatus

from .platforms import Contributions
from .report import BranchReport

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="E6ECF3")
SONG = "宋体"
HALVES = {1: "上半年", 2: "下半年"}


def _sheet_title(text: str) -> str:
    """Excel refuses some characters and more than 31 in a sheet's name."""
    for bad in "[]:*?/\\":
        text = text.replace(bad, " ")
    return text[:31]


def _table(
    sheet: Worksheet,
    title: str,
    subtitle: str,
    headings: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int],
) -> None:
    columns = len(headings)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    sheet.cell(row=1, column=1, value=cell_value(title)).font = Font(name=SONG, size=14, bold=True)
    sheet.cell(row=2, column=1, value=cell_value(subtitle)).font = Font(name=SONG, size=10)
    for col, text in enumerate(headings, start=1):
        cell = sheet.cell(row=3, column=col, value=cell_value(str(text)))
        cell.font = Font(name=SONG, size=11, bold=True)
        cell.fill = HEAD_FILL
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    row_number = 3
    for row_number, values in enumerate(rows, start=4):
        for col, raw in enumerate(values, start=1):
            value, number_format = _cell_value(raw)
            cell = sheet.cell(row=row_number, column=col, value=cell_value(value))
            if number_format:
                cell.number_format = number_format
            cell.font = Font(name=SONG, size=11)
            cell.border = BOX
            cell.alignment = Alignment(vertical="center", wrap_text=True)
    if row_number == 3:
        sheet.cell(row=4, column=1, value=_("None")).font = Font(name=SONG, size=11)
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=3, column=col).column_letter].width = width
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "3:3"


def _cell_value(value: Any) -> tuple[Any, str | None]:
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


def report_workbook(report: BranchReport) -> bytes:
    workbook = Workbook()
    subtitle = _("%(branch)s · %(year)d") % {"branch": report.branch.name, "year": report.year}
    p = report.participation

    sheet = workbook.active
    sheet.title = _sheet_title(str(_("Participation")))
    rows: list[list[Any]] = [
        [str(_("Members")), p.members, ""],
        [str(_("Taking part")), p.taking_part, ""],
        [str(_("Not taking part")), p.not_taking_part, ""],
    ]
    rows += [[a.name, "", a.reason] for a in p.absent]
    rows += [
        [str(_("Exemptions: %(status)s") % {"status": label}), p.exemptions.get(value, 0), ""]
        for value, label in ExemptionStatus.choices
    ]
    _table(
        sheet, str(_("Participation")), subtitle, ["", _("Number"), _("Reason")], rows, [34, 10, 50]
    )

    d = report.declarations
    sheet = workbook.create_sheet(_sheet_title(str(_("Declarations"))))
    rows = [[label, n] for _value, label, n in d.by_status]
    rows += [
        [str(_("Total")), d.total],
        [str(_("Lines recognised")), d.lines_recognised],
        [str(_("Points recognised from declarations")), d.points_recognised],
    ]
    _table(sheet, str(_("Declarations")), subtitle, [_("Status"), _("Number")], rows, [36, 12])

    pts = report.points
    sheet = workbook.create_sheet(_sheet_title(str(_("Points by category"))))
    rows = [[c.name, c.points, c.members] for c in pts.categories]
    rows += [
        ["基本分", pts.base, pts.ranked],
        ["奉献分", pts.dedication, pts.ranked],
        ["评议分", pts.appraisal, pts.ranked],
        ["扣减分", pts.deductions, pts.ranked],
        ["年度总积分", pts.total, pts.ranked],
        [str(_("Average annual points")), pts.average, pts.ranked],
    ]
    _table(
        sheet,
        str(_("Points by category")),
        subtitle,
        [_("Category"), _("Points"), _("Members")],
        rows,
        [24, 12, 12],
    )

    sheet = workbook.create_sheet(_sheet_title(str(_("Appraisal results"))))
    rows = [
        [
            HALVES.get(s.half, s.half),
            s.held_on,
            s.evaluees,
            *(n for _grade, n in s.grades),
            s.average,
        ]
        for s in report.sessions
    ]
    grade_heads = (
        [FORM_NAMES[g] for g, _n in report.sessions[0].grades]
        if report.sessions
        else [
            "优秀",
            "合格",
            "基本合格",
            "不合格",
        ]
    )
    _table(
        sheet,
        str(_("Appraisal results")),
        subtitle,
        [_("Half year"), _("Held on"), _("Members appraised"), *grade_heads, _("Average score")],
        rows,
        [12, 14, 12, 10, 10, 10, 10, 12],
    )

    sheet = workbook.create_sheet(_sheet_title(str(_("Publications"))))
    if report.publications is None:
        rows = [[str(_("Publications are not recorded in the system yet.")), "", ""]]
    else:
        rows = [
            [f"第{pub.quarter}季度", pub.published_at, pub.objections]
            for pub in report.publications
        ]
    _table(
        sheet,
        str(_("Publications")),
        subtitle,
        [_("Quarter"), _("Published at"), _("Objections")],
        rows,
        [16, 22, 12],
    )

    sheet = workbook.create_sheet(_sheet_title(str(_("Objections and answers"))))
    if report.objections is None:
        rows = [[str(_("Objections are not recorded in the system yet."))]]
    else:
        rows = [
            [
                f"第{o.quarter}季度" if o.quarter else "",
                o.member,
                o.reason,
                o.answer,
                o.answered_at,
                "" if o.upheld is None else ("是" if o.upheld else "否"),
                "是" if o.corrected else "",
            ]
            for o in report.objections
        ]
    _table(
        sheet,
        str(_("Objections and answers")),
        subtitle,
        [
            _("Quarter"),
            _("Member"),
            _("Objection"),
            _("Answer"),
            _("Answered at"),
            _("Upheld"),
            _("Corrected"),
        ],
        rows,
        [12, 12, 40, 40, 18, 8, 8],
    )

    sheet = workbook.create_sheet(_sheet_title(str(_("Spot-check findings"))))
    rows = [
        [
            f.drawn_at,
            f.member,
            f.month,
            f.item,
            f.points,
            f.status_label,
            f.note,
            f.response,
            f.closing_note,
        ]
        for f in report.findings
    ]
    _table(
        sheet,
        str(_("Spot-check findings")),
        subtitle,
        [
            _("Drawn at"),
            _("Member"),
            _("Month"),
            _("Item"),
            _("Points"),
            _("Finding"),
            _("Committee's note"),
            _("Branch's response"),
            _("Closing note"),
        ],
        rows,
        [18, 12, 8, 18, 8, 16, 30, 30, 24],
    )
    if report.contributions is not None:
        _contributions_sheet(workbook, report.contributions, subtitle)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _contributions_sheet(workbook: Workbook, c: Contributions, subtitle: str) -> None:
    title = str(_("Contributions on platforms"))
    sheet = workbook.create_sheet(_sheet_title(title))
    rows: list[list[Any]] = [
        [line.label, "", "", line.platforms, line.declared, line.recognised, line.points]
        for line in c.lines
    ]
    rows += [
        [
            row.platform.get_business_line_display(),
            row.platform.name,
            row.platform.department.name,
            "",
            row.declared,
            row.recognised,
            row.points,
        ]
        for row in c.platforms
    ]
    _table(
        sheet,
        title,
        subtitle,
        [
            _("Business line"),
            _("Platform"),
            _("Department"),
            _("Platforms"),
            _("Contributions declared"),
            _("Recognised"),
            _("Points recognised"),
        ],
        rows,
        [16, 30, 18, 10, 14, 12, 14],
    )
