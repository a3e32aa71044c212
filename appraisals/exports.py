"""Attachment 3 (党员奉献量化积分民主评议表) as an .xlsx workbook.

Blank: the appraised members' names in rows, for marking on paper at the meeting.
Filled: the votes each member received per grade, after the session is closed, with
a second sheet holding the session scores and grades.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border
from openpyxl.worksheet.worksheet import Worksheet

from core.workbooks import (
    BOX,
    CENTER,
    THIN,
    a4,
    column_widths,
    header_row,
    put,
    song,
    title_row,
    workbook_bytes,
)

from .grades import FORM_HEADINGS, FORM_NAMES, ORDER
from .models import AppraisalSession, Evaluee, Status
from .selectors import Counts

TITLE = "党员奉献量化积分民主评议表"
MIN_ROWS = 18  # the printed form has 18 numbered rows
DIAGONAL = Border(left=THIN, right=THIN, top=THIN, bottom=THIN, diagonal=THIN, diagonalDown=True)


def subtitle(session: AppraisalSession) -> str:
    half = "上半年" if session.half == 1 else "下半年"
    text = (
        f"单位：{session.branch.name}　　{session.year}年{half}　　"
        f"评议日期：{session.held_on.year}年{session.held_on.month}月{session.held_on.day}日"
    )
    return text + ("　　（本次评议已作废）" if session.status == Status.ANNULLED else "")


def _a4(sheet: Worksheet, last_row: int, last_col: str) -> None:
    area = f"A1:{last_col}{last_row}"
    a4(sheet, margins=(0.6, 0.8), centred=True, print_area=area, title_rows="3:3")


def _form_sheet(
    sheet: Worksheet, session: AppraisalSession, evaluees: list[Evaluee], filled: bool
) -> int:
    sheet.title = "民主评议表"
    title_row(sheet, TITLE, columns=6, font=song(18, bold=True), height=40)
    left = Alignment(horizontal="left", vertical="center")
    title_row(sheet, subtitle(session), columns=6, row=2, font=song(11), align=left, height=22)
    headings = ["序号", "　　　 综合评定\n评议对象", *(FORM_HEADINGS[g] for g in ORDER)]
    header_row(sheet, headings, row=3)
    sheet["B3"].border = DIAGONAL
    sheet["B3"].alignment = Alignment(vertical="center", wrap_text=True)
    sheet.row_dimensions[3].height = 42

    row = 3
    for number in range(1, max(MIN_ROWS, len(evaluees)) + 1):
        row = 3 + number
        evaluee = evaluees[number - 1] if number <= len(evaluees) else None
        values: list[object] = [number, evaluee.member.name if evaluee else None]
        values += evaluee.votes if (filled and evaluee is not None) else [None] * 4
        for col, value in enumerate(values, start=1):
            put(sheet, row, col, value, font=song(12), align=CENTER, border=BOX)
        sheet.row_dimensions[row].height = 26
    column_widths(sheet, (8, 22, 16, 16, 16, 16))
    return row


def _results_sheet(sheet: Worksheet, evaluees: list[Evaluee]) -> int:
    sheet.title = "评议结果"
    headings = ["序号", "姓名", *(FORM_NAMES[g] for g in ORDER), "评议得分", "等次"]
    header_row(sheet, headings, row=3)
    title_row(sheet, "民主评议结果", columns=8, font=song(16, bold=True))
    row = 3
    for number, evaluee in enumerate(evaluees, start=1):
        row = 3 + number
        values = [
            number,
            evaluee.member.name,
            *evaluee.votes,
            evaluee.score,
            FORM_NAMES.get(evaluee.grade, ""),
        ]
        for col, value in enumerate(values, start=1):
            number_format = "0.0" if col == 7 else None
            put(sheet, row, col, value, align=CENTER, border=BOX, number_format=number_format)
    column_widths(sheet, (8, 16, 10, 10, 10, 10, 12, 12))
    return row


def form3_workbook(
    session: AppraisalSession, evaluees: list[Evaluee], counts: Counts, *, filled: bool
) -> bytes:
    filled = filled and session.status != Status.OPEN and any(e.score for e in evaluees)
    workbook = Workbook()
    sheet = workbook.active
    last = _form_sheet(sheet, session, evaluees, filled)
    if filled:
        note_row = last + 1
        sheet.merge_cells(f"A{note_row}:F{note_row}")
        sheet[f"A{note_row}"] = _(
            "Ballots received: %(total)d (%(by_code)d by code, %(on_paper)d on paper); "
            "valid: %(valid)d; spoiled: %(spoiled)d."
        ) % {
            "total": counts.ballots,
            "by_code": counts.code_ballots,
            "on_paper": counts.paper_ballots,
            "valid": counts.valid_ballots,
            "spoiled": counts.spoiled,
        }
        sheet[f"A{note_row}"].font = song(11)
        turnout_row = note_row + 1
        sheet.merge_cells(f"A{turnout_row}:F{turnout_row}")
        sheet[f"A{turnout_row}"] = _(
            "Turnout: %(voted)d of %(members)d members taking part (%(percent)d%%), and "
            "%(representatives)d public representatives."
        ) % {
            "voted": counts.member_votes,
            "members": counts.members_taking_part,
            "percent": counts.turnout_percent,
            "representatives": counts.representative_votes,
        }
        sheet[f"A{turnout_row}"].font = song(11)
        last = turnout_row
    _a4(sheet, last, "F")
    if filled:
        results = workbook.create_sheet()
        _a4(results, _results_sheet(results, evaluees), "H")
    return workbook_bytes(workbook)
