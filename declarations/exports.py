"""Attachment 1 (月度党员奉献量化积分申报表) of one declaration: the print page's content
and an .xlsx laid out as the form (merged cells, borders, A4 portrait).

The form's own words (姓名, 出生年月 …) are the plan's Chinese text, as on paper.
When the group has decided, a row 考评小组认定意见 below the form records the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment

from core.workbooks import CENTER, TOP_LEFT, a4, box, column_widths, put, song, workbook_bytes
from rules.points import format_points as points_text

from .models import Declaration, DeclarationLine

TITLE = "月度党员奉献量化积分申报表"

OUTCOME_WORDS: dict[str, str] = {
    DeclarationLine.Outcome.RECOGNISED: "认定",
    DeclarationLine.Outcome.PARTLY: "部分认定",
    DeclarationLine.Outcome.REJECTED: "不予认定",
}


@dataclass(frozen=True)
class Form1:
    month_text: str
    name: str
    birth_month: str
    unit_and_position: str
    declared_on: str
    phone: str
    lines: list[str]
    decisions: list[str]  # empty until decided or returned


def _date(value) -> str:
    if value is None:
        return ""
    day = timezone.localtime(value).date()
    return f"{day.year}年{day.month}月{day.day}日"


def _line_text(number: int, line: DeclarationLine) -> str:
    text = f"{number}. {line.description.strip()}"
    if line.suggested_item is not None:
        text += f"（申报项目：{line.suggested_item.name}）"
    if line.platform is not None:
        text += f"（做贡献平台：{line.platform.name}）"
    return text


def _decision_text(number: int, line: DeclarationLine) -> str:
    word = OUTCOME_WORDS.get(line.outcome, "")
    if line.outcome == DeclarationLine.Outcome.REJECTED:
        return f"{number}. {word}：{line.reason}"
    if line.item is not None and line.points is not None:
        text = f"{number}. {word}：{line.item.name} {points_text(line.points)} 分"
        return text + (f"（{line.reason}）" if line.reason else "")
    return f"{number}. —"


def form1_rows(declaration: Declaration) -> Form1:
    """What the form shows; `declaration` comes from selectors.with_details."""
    lines = declaration.line_list  # type: ignore[attr-defined]
    decisions: list[str] = []
    if declaration.is_decided:
        decisions = [_decision_text(n, line) for n, line in enumerate(lines, start=1)]
        if declaration.decided_at:
            decisions.append(f"认定日期：{_date(declaration.decided_at)}")
    elif declaration.status == Declaration.Status.RETURNED:
        decisions = [f"退回补充材料：{declaration.return_reason}"]
    return Form1(
        month_text=f"（{declaration.year}年{declaration.month}月）",
        name=declaration.name,
        birth_month=declaration.birth_month,
        unit_and_position=declaration.unit_and_position,
        declared_on=_date(declaration.submitted_at),
        phone=declaration.phone,
        lines=[_line_text(n, line) for n, line in enumerate(lines, start=1)],
        decisions=decisions,
    )


def _cell(sheet, ref: str, value: str, *, bold: bool = False, align=CENTER, size: int = 12):
    cell = sheet[ref]
    put(sheet, cell.row, cell.column, value, font=song(size, bold=bold), align=align)
    return cell


def _text_height(text: str, chars_per_line: int = 38, minimum: float = 200) -> float:
    lines = sum(max(1, -(-len(part) // chars_per_line)) for part in text.split("\n"))
    return max(minimum, lines * 18.0)


def form1_workbook(declaration: Declaration) -> bytes:
    form = form1_rows(declaration)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{declaration.year}年{declaration.month}月"

    sheet.merge_cells("A1:F1")
    _cell(sheet, "A1", TITLE, bold=True, size=18)
    sheet.row_dimensions[1].height = 42
    sheet.merge_cells("A2:F2")
    _cell(sheet, "A2", form.month_text, align=Alignment(horizontal="right", vertical="center"))
    sheet.row_dimensions[2].height = 22

    _cell(sheet, "A3", "姓 名", bold=True)
    _cell(sheet, "B3", form.name)
    _cell(sheet, "C3", "出生年月", bold=True)
    _cell(sheet, "D3", form.birth_month)
    _cell(sheet, "E3", "工作单位及职务", bold=True)
    _cell(sheet, "F3", form.unit_and_position)
    sheet.row_dimensions[3].height = 48

    _cell(sheet, "A4", "申报时间", bold=True)
    _cell(sheet, "B4", form.declared_on)
    _cell(sheet, "C4", "联系电话", bold=True)
    sheet.merge_cells("D4:F4")
    _cell(sheet, "D4", form.phone)
    sheet.row_dimensions[4].height = 36

    body = "\n".join(form.lines)
    _cell(sheet, "A5", "党员办实事做奉献情况", bold=True)
    sheet.merge_cells("B5:F5")
    _cell(sheet, "B5", body, align=TOP_LEFT)
    sheet.row_dimensions[5].height = _text_height(body)
    last = 5
    if form.decisions:
        text = "\n".join(form.decisions)
        _cell(sheet, "A6", "考评小组认定意见", bold=True)
        sheet.merge_cells("B6:F6")
        _cell(sheet, "B6", text, align=TOP_LEFT)
        sheet.row_dimensions[6].height = _text_height(text, minimum=90)
        last = 6
    box(sheet, 3, last, 1, 6)
    column_widths(sheet, (12, 14, 11, 12, 13, 22))
    a4(sheet, margins=(0.7, 0.8), centred=True, print_area=f"A1:F{last}")
    return workbook_bytes(workbook)
