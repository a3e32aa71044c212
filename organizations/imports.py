"""Reading a branch's roll of party members from an .xlsx workbook.

A branch already keeps its roll in Excel. The template (`template_workbook`)
has one row per member; `read_workbook` checks every row and lists every
problem by row and column; only a workbook without problems can be imported,
after a preview. The parsed rows travel to the confirmation in a signed token.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from core import xlsx
from core.errors import DomainError
from core.spreadsheets import cell_value
from core.workbooks import column_widths, header_row, workbook_bytes

from .models import Department, Member, Organization
from .services import PHONE_RE

MAX_BYTES = 2 * 1024 * 1024  # uploaded; a roll of 2,000 members is far smaller
MAX_ROWS = 2000
# Rows read at most, blank ones included, so a workbook of empty rows cannot keep us busy.
MAX_SCANNED_ROWS = xlsx.MAX_ROWS
MAX_COLUMNS = xlsx.MAX_COLUMNS
SIGNING_SALT = "organizations.member_import"
TOKEN_MAX_AGE = 60 * 60

# The template's column headings: the plan's own words, matched literally.
NAME, GENDER, BIRTH, DEPARTMENT, POSITION, PHONE, JOINED, STANDING, RETIRED, BRANCH = (
    "姓名",
    "性别",
    "出生年月",
    "科室",
    "职务",
    "联系电话",
    "入党时间",
    "党员类别",
    "是否离退休",
    "支部代码",
)
COLUMNS = [NAME, GENDER, BIRTH, DEPARTMENT, POSITION, PHONE, JOINED, STANDING, RETIRED]
WIDTHS = {
    NAME: 12,
    GENDER: 8,
    BIRTH: 12,
    DEPARTMENT: 18,
    POSITION: 14,
    PHONE: 16,
    JOINED: 12,
    STANDING: 10,
    RETIRED: 12,
    BRANCH: 12,
}
GENDERS = {"男": Member.Gender.MALE, "女": Member.Gender.FEMALE}
STANDINGS = {"正式": Member.Standing.FULL, "预备": Member.Standing.PROBATIONARY}
YES_NO = {"是": True, "否": False}

DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月\s*)?(?:[-/.]?\s*(\d{1,2})\s*日?)?$")
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})?$")
SPACES = re.compile(r"[\s\u3000]+")


@dataclass
class MemberRow:
    """One checked row. Empty cells are None or "": an update leaves that field alone."""

    line: int
    branch_id: int
    name: str
    gender: str = ""
    birth_month: dt.date | None = None
    department: str = ""
    position: str = ""
    phone: str = ""
    joined_on: dt.date | None = None
    standing: str | None = None
    is_retired: bool | None = None
    # For the preview only.
    branch_name: str = ""
    existing: bool = False
    new_department: bool = False

    def member_fields(self) -> dict[str, Any]:
        """The fields the row gives, ready for member_create / member_update."""
        values: dict[str, Any] = {"name": self.name}
        for name in ("gender", "birth_month", "position", "phone", "joined_on"):
            value = getattr(self, name)
            if value not in (None, ""):
                values[name] = value
        if self.standing is not None:
            values["standing"] = self.standing
        if self.is_retired is not None:
            values["is_retired"] = self.is_retired
        return values


@dataclass
class ReadResult:
    rows: list[MemberRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def new_departments(self) -> list[str]:
        return sorted({r.department for r in self.rows if r.new_department})


# The template --------------------------------------------------------------


def template_workbook(
    *, branch_column: bool, example_branch: str = "", example_department: str = ""
) -> bytes:
    """The blank roll with one example row and a sheet of instructions."""
    example = {
        NAME: "张三",
        GENDER: "男",
        BIRTH: "1985-05",
        DEPARTMENT: example_department,
        POSITION: "科员",
        PHONE: "13800000000",
        JOINED: "2010-07",
        STANDING: "正式",
        RETIRED: "否",
        BRANCH: example_branch,
    }
    return _roll_workbook([example], branch_column=branch_column, example=True)


def _member_row(member: Member) -> dict[str, str]:
    genders: dict[str, str] = {v: k for k, v in GENDERS.items()}
    standings: dict[str, str] = {v: k for k, v in STANDINGS.items()}
    return {
        NAME: member.name,
        GENDER: genders.get(member.gender, ""),
        BIRTH: member.birth_month.strftime("%Y-%m") if member.birth_month else "",
        DEPARTMENT: member.department.name if member.department else "",
        POSITION: member.position,
        PHONE: member.phone,
        JOINED: member.joined_on.isoformat() if member.joined_on else "",
        STANDING: standings.get(member.standing, ""),
        RETIRED: "是" if member.is_retired else "否",
        BRANCH: member.branch.code,
    }


def members_workbook(members: list[Member], *, branch_column: bool) -> bytes:
    """The roll as it stands, in the template's own columns: imported back, it changes
    nothing (every row matches its member by name and birth month)."""
    return _roll_workbook(
        [_member_row(m) for m in members], branch_column=branch_column, example=False
    )


def _roll_workbook(rows: list[dict[str, str]], *, branch_column: bool, example: bool) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "党员信息"
    headings = COLUMNS + ([BRANCH] if branch_column else [])
    ws.append(headings)
    for row in rows:
        ws.append([cell_value(row[h]) for h in headings])
    thin = Side(style="thin", color="999999")
    header_row(
        ws,
        headings,
        row=1,
        font=Font(bold=True, color="FFFFFF"),
        fill=PatternFill("solid", fgColor="B22222"),
        align=Alignment(horizontal="center", vertical="center"),
        border=Border(left=thin, right=thin, top=thin, bottom=thin),
    )
    for col in range(1, len(headings) + 1):
        # Text cells, so that 1985.10 or a phone number is kept as typed.
        for number in range(2, max(502, len(rows) + 2)):
            ws.cell(row=number, column=col).number_format = "@"
    column_widths(ws, [WIDTHS[heading] for heading in headings])
    ws.freeze_panes = "A2"

    notes = wb.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 100
    lines = [
        _("How to fill in the roll of party members"),
        _("One member per row on the first sheet; keep the heading row as it is."),
        _("Name (姓名) is required; every other column may be left empty."),
        _("Gender (性别): 男 or 女."),
        _(
            "Birth month (出生年月) and date of joining (入党时间): "
            "e.g. 1985-05, 1985.5 or 1985年5月."
        ),
        _(
            "Department (科室): as registered in the system; unknown names are refused unless you "
            "choose to create them when uploading."
        ),
        _("Standing (党员类别): 正式 or 预备. Retired (是否离退休): 是 or 否."),
        _(
            "A member already in the branch with the same name and birth month is updated; "
            "empty cells leave the stored value unchanged. Everyone else is added."
        ),
        _("Delete the example row before importing.")
        if example
        else _("This is the roll as it stands; importing it again changes nothing."),
    ]
    if branch_column:
        lines.insert(2, _("Branch code (支部代码): the code of the member's branch, e.g. zb1."))
    for index, text in enumerate(lines, start=1):
        notes.cell(row=index, column=1, value=cell_value(text))
    notes["A1"].font = Font(bold=True, size=13)
    return workbook_bytes(wb)


# Reading -------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return SPACES.sub(" ", str(value)).strip()


def parse_date(value: Any) -> dt.date | None:
    """An Excel date or text such as 1985-05, 1985.5, 1985年5月, 1985-05-12; None if empty."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and re.fullmatch(r"\d{4}\.1", repr(value)):
        # Excel turns a typed 1985.10 into the number 1985.1.
        raise ValueError(_("1985.1 could be January or October; enter it as 1985-01 or 1985-10"))
    text = _text(value).replace(" ", "")
    match = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if not match:
        raise ValueError(_("unrecognised date “%(value)s”") % {"value": text})
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise ValueError(_("no such date “%(value)s”") % {"value": text}) from None
    if year < 1900 or date > timezone.localdate():
        raise ValueError(_("implausible date “%(value)s”") % {"value": text})
    return date


def _choice(value: Any, choices: dict[str, Any], allowed: str) -> Any:
    text = _text(value)
    if not text:
        return None
    if text not in choices:
        raise ValueError(_("“%(value)s” — use %(allowed)s") % {"value": text, "allowed": allowed})
    return choices[text]


def open_sheet(upload: IO[bytes]) -> Any:
    """The first sheet, once core.xlsx has found the upload a workbook of a sane size."""
    if upload.seekable():
        upload.seek(0)
    workbook = xlsx.open_workbook(upload.read(xlsx.MAX_UPLOAD_BYTES + 1), read_only=True)
    if not workbook.worksheets:
        raise DomainError(_("The workbook has no sheet."))
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()
    return sheet


def read_workbook(
    upload: IO[bytes],
    *,
    branches: dict[str, Organization],
    default_branch: Organization | None,
    create_departments: bool,
) -> ReadResult:
    """Every row of the first sheet, checked; `errors` lists each problem by row and column.

    `branches` are the branches the user may import into, by code; a row without
    a branch code goes to `default_branch`.
    """
    result = ReadResult()
    try:
        raw_rows = _raw_rows(open_sheet(upload), result)
    except DomainError as exc:
        result.errors.append(exc.message)
        return result
    except Exception:  # openpyxl raises many kinds of error on a damaged sheet
        result.errors.append(xlsx.not_a_workbook().message)
        return result
    if result.errors:
        return result
    known = _Known(
        branches=branches,
        default_branch=default_branch,
        departments=set(Department.objects.values_list("name", flat=True)),
        create_departments=create_departments,
    )
    for line, cells in raw_rows:
        row = _read_row(line, cells, known, result.errors)
        if row is not None:
            result.rows.append(row)
    if not raw_rows and not result.errors:
        result.errors.append(_("The sheet has no rows of members below the heading."))
    _match_existing(result)
    return result


def _row_error(line: int, column: str, message: str) -> str:
    return _("Row %(row)d, %(column)s: %(message)s") % {
        "row": line,
        "column": column,
        "message": message,
    }


def _raw_rows(sheet: Any, result: ReadResult) -> list[tuple[int, dict[str, Any]]]:
    """The non-empty rows under the heading, as {heading: value}."""
    columns: dict[int, str] | None = None
    rows: list[tuple[int, dict[str, Any]]] = []
    for line, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), 1):
        if line > MAX_SCANNED_ROWS:
            result.errors.append(
                _("The sheet is too long; import at most %(n)d members at once.") % {"n": MAX_ROWS}
            )
            break
        if not any(_text(v) for v in values):
            continue
        if columns is None:
            columns = {i: SPACES.sub("", _text(v)) for i, v in enumerate(values) if _text(v)}
            missing = [c for c in (NAME,) if c not in columns.values()]
            if missing:
                result.errors.append(
                    _("Row %(row)d: the heading row must contain the column %(column)s.")
                    % {"row": line, "column": NAME}
                )
                break
            continue
        if len(rows) >= MAX_ROWS:
            result.errors.append(
                _("The sheet is too long; import at most %(n)d members at once.") % {"n": MAX_ROWS}
            )
            break
        rows.append((line, {columns[i]: v for i, v in enumerate(values) if i in columns}))
    if columns is None:
        result.errors.append(_("The sheet is empty."))
    return rows


@dataclass(frozen=True)
class _Known:
    """What a row is checked against."""

    branches: dict[str, Organization]
    default_branch: Organization | None
    departments: set[str]
    create_departments: bool


def _read_row(
    line: int, cells: dict[str, Any], known: _Known, errors: list[str]
) -> MemberRow | None:
    problems: list[tuple[str, str]] = []

    def check(column: str, parse: Any) -> Any:
        try:
            return parse(cells.get(column))
        except ValueError as exc:
            problems.append((column, str(exc)))
            return None

    def text(column: str, limit: int) -> str:
        value = _text(cells.get(column))
        if len(value) > limit:
            problems.append((column, _("longer than %(n)d characters") % {"n": limit}))
        return value

    name = text(NAME, 50)
    if not name:
        problems.append((NAME, _("the name is required")))
    gender = check(GENDER, lambda v: _choice(v, GENDERS, "男/女"))
    birth = check(BIRTH, parse_date)
    department = text(DEPARTMENT, 100)
    new_department = bool(department) and department not in known.departments
    if new_department and not known.create_departments:
        problems.append(
            (
                DEPARTMENT,
                _("no department “%(name)s”; tick “create new departments” to add it")
                % {"name": department},
            )
        )
    position = text(POSITION, 100)
    phone = text(PHONE, 20)
    if phone and not PHONE_RE.match(phone):
        problems.append((PHONE, _("“%(value)s” is not a phone number") % {"value": phone}))
    joined = check(JOINED, parse_date)
    if birth and joined and joined < birth:
        problems.append((JOINED, _("earlier than the birth month")))
    standing = check(STANDING, lambda v: _choice(v, STANDINGS, "正式/预备"))
    retired = check(RETIRED, lambda v: _choice(v, YES_NO, "是/否"))
    code = _text(cells.get(BRANCH))
    branch = known.branches.get(code) if code else known.default_branch
    if branch is None:
        problems.append(
            (
                BRANCH,
                _("no branch “%(code)s” that you may import into") % {"code": code}
                if code
                else _("give the branch code"),
            )
        )
    errors.extend(_row_error(line, column, message) for column, message in problems)
    if problems or branch is None:
        return None
    return MemberRow(
        line=line,
        branch_id=branch.pk,
        branch_name=branch.name,
        name=name,
        gender=gender or "",
        birth_month=birth.replace(day=1) if birth else None,
        department=department,
        new_department=new_department,
        position=position,
        phone=phone,
        joined_on=joined,
        standing=standing,
        is_retired=retired,
    )


def _match_existing(result: ReadResult) -> None:
    """Mark rows that update a stored member; refuse duplicates and ambiguous matches."""
    keys = Counter((r.branch_id, r.name, r.birth_month) for r in result.rows)
    stored = Counter(
        Member.objects.filter(
            branch_id__in={r.branch_id for r in result.rows},
            name__in={r.name for r in result.rows},
            is_active=True,
        ).values_list("branch_id", "name", "birth_month")
    )
    for row in result.rows:
        key = (row.branch_id, row.name, row.birth_month)
        if keys[key] > 1:
            result.errors.append(
                _row_error(row.line, NAME, _("the same name and birth month appear more than once"))
            )
        elif stored[key] > 1:
            result.errors.append(
                _row_error(
                    row.line,
                    NAME,
                    _("%(n)d members of the branch have this name and birth month")
                    % {"n": stored[key]},
                )
            )
        row.existing = stored[key] == 1


# The signed token between preview and confirmation ------------------------


def rows_to_token(rows: list[MemberRow], *, user: Any, create_departments: bool) -> str:
    payload = {
        "user": user.pk,
        "create_departments": create_departments,
        "rows": [
            {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(row).items()}
            for row in rows
        ],
    }
    return signing.dumps(payload, salt=SIGNING_SALT, compress=True)


def rows_from_token(token: str, *, user: Any) -> tuple[list[MemberRow], bool]:
    """The rows of the preview and whether new departments may be created."""
    try:
        payload = signing.loads(token, salt=SIGNING_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise DomainError(
            _("The preview has expired or is damaged; upload the workbook again.")
        ) from None
    if payload.get("user") != user.pk:
        raise DomainError(_("The preview belongs to another user; upload the workbook again."))
    rows = []
    for data in payload["rows"]:
        for name in ("birth_month", "joined_on"):
            if data.get(name):
                data[name] = dt.date.fromisoformat(data[name])
        rows.append(MemberRow(**data))
    return rows, bool(payload.get("create_departments"))
