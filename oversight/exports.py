"""The branch's annual report as an .xlsx workbook: one sheet per section, each written
by its own function from the report's part."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from appraisals.grades import FORM_NAMES
from core.workbooks import (
    BOX,
    HEAD_FILL,
    a4,
    column_widths,
    excel_value,
    header_row,
    put,
    sheet_title,
    song,
    title_row,
    workbook_bytes,
)
from participation.models import ExemptionStatus

from .platforms import Contributions
from .report import BranchReport

HALVES = {1: "上半年", 2: "下半年"}
BODY = Alignment(vertical="center", wrap_text=True)

Rows = list[list[Any]]


def _table(
    workbook: Workbook,
    title: str,
    subtitle: str,
    headings: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int],
) -> Worksheet:
    """A sheet of its own: title, subtitle, boxed headings (repeated on every printed
    page), the rows, or "None" when there are none."""
    sheet = workbook.create_sheet(sheet_title(title))
    title_row(sheet, title, columns=len(headings), font=song(14, bold=True), align=None)
    put(sheet, 2, 1, subtitle, font=song(10))
    header_row(sheet, headings, row=3, fill=HEAD_FILL)
    row_number = 3
    for row_number, values in enumerate(rows, start=4):
        for col, raw in enumerate(values, start=1):
            value, number_format = excel_value(raw)
            put(
                sheet,
                row_number,
                col,
                value,
                font=song(11),
                border=BOX,
                align=BODY,
                number_format=number_format,
            )
    if row_number == 3:
        put(sheet, 4, 1, _("None"), font=song(11))
    column_widths(sheet, widths)
    a4(sheet, portrait=False, title_rows="3:3")
    return sheet


def _participation(workbook: Workbook, report: BranchReport, subtitle: str) -> None:
    p = report.participation
    rows: Rows = [
        [str(_("Members")), p.members, ""],
        [str(_("Taking part")), p.taking_part, ""],
        [str(_("Not taking part")), p.not_taking_part, ""],
    ]
    rows += [[a.name, "", a.reason] for a in p.absent]
    rows += [
        [str(_("Exemptions: %(status)s") % {"status": label}), p.exemptions.get(value, 0), ""]
        for value, label in ExemptionStatus.choices
    ]
    headings = ["", _("Number"), _("Reason")]
    _table(workbook, str(_("Participation")), subtitle, headings, rows, [34, 10, 50])


def _declarations(workbook: Workbook, report: BranchReport, subtitle: str) -> None:
    d = report.declarations
    rows: Rows = [[label, n] for _value, label, n in d.by_status]
    rows += [
        [str(_("Total")), d.total],
        [str(_("Lines recognised")), d.lines_recognised],
        [str(_("Points recognised from declarations")), d.points_recognised],
    ]
    headings = [_("Status"), _("Number")]
    _table(workbook, str(_("Declarations")), subtitle, headings, rows, [36, 12])


def _points(workbook: Workbook, report: BranchReport, subtitle: str) -> None:
    pts = report.points
    rows: Rows = [[c.name, c.points, c.members] for c in pts.categories]
    rows += [
        ["基本分", pts.base, pts.ranked],
        ["奉献分", pts.dedication, pts.ranked],
        ["评议分", pts.appraisal, pts.ranked],
        ["扣减分", pts.deductions, pts.ranked],
        ["年度总积分", pts.total, pts.ranked],
        [str(_("Average annual points")), pts.average, pts.ranked],
    ]
    headings = [_("Category"), _("Points"), _("Members")]
    _table(workbook, str(_("Points by category")), subtitle, headings, rows, [24, 12, 12])


def _appraisals(workbook: Workbook, report: BranchReport, subtitle: str) -> None:
    rows: Rows = [
        [HALVES.get(s.half, s.half), s.held_on, s.evaluees, *(n for _g, n in s.grades), s.average]
        for s in report.sessions
    ]
    grade_heads = (
        [FORM_NAMES[g] for g, _n in report.sessions[0].grades]
        if report.sessions
        else ["优秀", "合格", "基本合格", "不合格"]
    )
    headings = [
        _("Half year"),
        _("Held on"),
        _("Members appraised"),
        *grade_heads,
        _("Average score"),
    ]
    widths = [12, 14, 12, 10, 10, 10, 10, 12]
    _table(workbook, str(_("Appraisal results")), subtitle, headings, rows, widths)


def _publications(workbook: Workbook, report: BranchReport, subtitle: str) -> None:
    if report.publications is None:
        rows: Rows = [[str(_("Publications are not recorded in the system yet.")), "", ""]]
    else:
        rows = [
            [f"第{pub.quarter}季度", pub.published_at, pub.objections]
            for pub in report.publications
        ]
    headings = [_("Quarter"), _("Published at"), _("Objections")]
    _table(workbook, str(_("Publications")), subtitle, headings, rows, [16, 22, 12])


def _objections(workbook: Workbook, report: BranchReport, subtitle: str) -> None:
    if report.objections is None:
        rows: Rows = [[str(_("Objections are not recorded in the system yet."))]]
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
    headings = [
        _("Quarter"),
        _("Member"),
        _("Objection"),
        _("Answer"),
        _("Answered at"),
        _("Upheld"),
        _("Corrected"),
    ]
    widths = [12, 12, 40, 40, 18, 8, 8]
    _table(workbook, str(_("Objections and answers")), subtitle, headings, rows, widths)


def _findings(workbook: Workbook, report: BranchReport, subtitle: str) -> None:
    rows: Rows = [
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
    headings = [
        _("Drawn at"),
        _("Member"),
        _("Month"),
        _("Item"),
        _("Points"),
        _("Finding"),
        _("Committee's note"),
        _("Branch's response"),
        _("Closing note"),
    ]
    widths = [18, 12, 8, 18, 8, 16, 30, 30, 24]
    _table(workbook, str(_("Spot-check findings")), subtitle, headings, rows, widths)


def _contributions(workbook: Workbook, report: BranchReport, subtitle: str) -> None:
    c: Contributions | None = report.contributions
    if c is None:
        return
    rows: Rows = [
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
    headings = [
        _("Business line"),
        _("Platform"),
        _("Department"),
        _("Platforms"),
        _("Contributions declared"),
        _("Recognised"),
        _("Points recognised"),
    ]
    widths = [16, 30, 18, 10, 14, 12, 14]
    _table(workbook, str(_("Contributions on platforms")), subtitle, headings, rows, widths)


SECTIONS: list[Callable[[Workbook, BranchReport, str], None]] = [
    _participation,
    _declarations,
    _points,
    _appraisals,
    _publications,
    _objections,
    _findings,
    _contributions,
]


def report_workbook(report: BranchReport) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    subtitle = _("%(branch)s · %(year)d") % {"branch": report.branch.name, "year": report.year}
    for section in SECTIONS:
        section(workbook, report, subtitle)
    return workbook_bytes(workbook)
