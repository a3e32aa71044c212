"""`manage.py export_summary`: DESIGN.md §6's JSON for the shared sample workbook, CSV and
.xlsx with the same rows, an open year, and the refusals on stderr with exit status 1."""

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.utils import timezone

from ledger.services import entry_post, veto_record
from organizations.models import Participation
from rules.services import scheme_for_year
from summaries.card_import import cards_import
from tests.factories import MemberFactory, OrganizationFactory

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "points-cards-sample.xlsx"
EXPECTED = json.loads((DATA / "points-cards-sample.expected.json").read_text(encoding="utf-8"))
YEAR = 2025
KEYS = [
    "name",
    "base",
    "dedication",
    "appraisal",
    "deductions",
    "total",
    "rank",
    "vetoed",
    "award_eligible",
    "help_talk_due",
]


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def sample_branch(bureau):
    """A fresh branch holding the sample workbook's year."""
    branch = OrganizationFactory(code="zb9", name="第九党支部", parent=bureau.committee)
    result = cards_import(
        branch=branch, year=YEAR, workbook=SAMPLE.read_bytes(), create_members=True
    )
    assert result.ok, [str(p) for p in result.problems]
    return branch


def export(*args, binary=False):
    out = io.BytesIO() if binary else io.StringIO()
    call_command("export_summary", *args, stdout=out)
    return out.getvalue()


def as_json(code, year=YEAR):
    return json.loads(export("--branch", code, "--year", str(year), "--format", "json"))


def test_the_sample_workbook_exports_to_the_expected_summary(sample_branch):
    data = as_json("zb9")
    assert list(data) == ["branch", "year", "members"]
    assert data["branch"] == "zb9"
    assert data["year"] == YEAR
    assert all(list(member) == KEYS for member in data["members"])
    by_name = sorted(data["members"], key=lambda m: m["name"])
    assert by_name == sorted(EXPECTED, key=lambda m: m["name"])
    assert [m["rank"] for m in data["members"]] == [1, 2, 3]  # in the order of the ranking


def test_numbers_are_decimal_strings_and_flags_booleans(sample_branch):
    member = as_json("zb9")["members"][1]
    assert member["total"] == "207.5"
    assert member["base"] == "100"
    assert isinstance(member["rank"], int)
    assert member["vetoed"] is False
    assert member["help_talk_due"] is False


def test_csv_holds_the_same_rows(sample_branch):
    rows = list(
        csv.reader(io.StringIO(export("--branch", "zb9", "--year", "2025", "--format", "csv")))
    )
    assert rows[0] == [
        "序号",
        "党员姓名",
        "基本分",
        "奉献分",
        "评议分",
        "扣减分",
        "年度总积分",
        "名次",
        "一票否决",
    ]
    members = as_json("zb9")["members"]
    assert [
        {
            "name": r[1],
            "base": r[2],
            "dedication": r[3],
            "appraisal": r[4],
            "deductions": r[5],
            "total": r[6],
            "rank": int(r[7]),
        }
        for r in rows[1:]
    ] == [{k: m[k] for k in KEYS[:7]} for m in members]


def test_xlsx_to_a_file_holds_the_same_rows(sample_branch, tmp_path, capsys):
    target = tmp_path / "summary.xlsx"
    call_command(
        "export_summary", "--branch", "zb9", "--year", "2025", "--format", "xlsx", "-o", str(target)
    )
    ws = openpyxl.load_workbook(target).active
    rows = [r for r in ws.iter_rows(min_row=4, max_col=7, values_only=True) if r[1]]
    members = as_json("zb9")["members"]
    assert [(r[1], Decimal(str(r[6])).quantize(Decimal("0.1"))) for r in rows] == [
        (m["name"], Decimal(m["total"]).quantize(Decimal("0.1"))) for m in members
    ]
    assert ws["A2"].value == "单位：第九党支部"


def test_xlsx_goes_to_a_byte_stream_as_it_is(sample_branch):
    content = export("--branch", "zb9", "--year", "2025", "--format", "xlsx", binary=True)
    assert content[:2] == b"PK"
    assert openpyxl.load_workbook(io.BytesIO(content)).active["B4"].value == "张红梅"


def test_json_to_a_file(sample_branch, tmp_path):
    target = tmp_path / "summary.json"
    call_command(
        "export_summary", "--branch", "zb9", "--year", "2025", "--format", "JSON", "-o", str(target)
    )
    assert json.loads(target.read_text(encoding="utf-8"))["members"][0]["name"] == "张红梅"


def test_an_open_year_gives_the_totals_so_far_without_exempt_members(bureau):
    volunteer = scheme_for_year(branch=bureau.branch_a, year=2026).items.get(
        code="dedication.volunteer"
    )
    entry_post(
        member=bureau.member_a, year=2026, month=2, points="3.5", source="direct", item=volunteer
    )
    exempt = MemberFactory(branch=bureau.branch_a, name="钱秀英")
    Participation.objects.create(member=exempt, year=2026, takes_part=False)
    vetoed = MemberFactory(branch=bureau.branch_a, name="赵卫东")
    veto_record(
        member=vetoed, year=2026, ground="fraud", facts="弄虚作假", decided_on=timezone.localdate()
    )
    members = as_json("zb1", 2026)["members"]
    assert [(m["name"], m["total"], m["rank"], m["vetoed"]) for m in members] == [
        ("张红梅", "103.5", 1, False),
        ("李建国", "100", 2, False),
        ("赵卫东", "100", 3, True),
    ]
    assert members[1]["help_talk_due"]
    assert members[2]["help_talk_due"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--branch", "nope", "--year", "2025", "--format", "json"], "no branch with the code"),
        (["--branch", "jgdw", "--year", "2025", "--format", "json"], "no branch with the code"),
        (["--branch", "zb1", "--year", "20x5", "--format", "json"], "not a year"),
        (["--branch", "zb1", "--year", "1800", "--format", "json"], "not a year"),
        (["--branch", "zb1", "--year", "2025", "--format", "pdf"], "Unknown format"),
    ],
)
def test_bad_arguments_are_refused_with_a_message(bureau, args, message):
    with pytest.raises(CommandError, match=message) as refused:
        call_command("export_summary", *args, stdout=io.StringIO())
    assert refused.value.returncode == 1


def test_from_the_command_line_a_refusal_goes_to_stderr_with_exit_status_1(bureau, capsys):
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(
            [
                "manage.py",
                "export_summary",
                "--branch",
                "nope",
                "--year",
                "2025",
                "--format",
                "json",
            ]
        )
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert "nope" in captured.err
    assert captured.out == ""


def test_from_the_command_line_the_json_goes_to_stdout(sample_branch, capsys):
    execute_from_command_line(
        ["manage.py", "export_summary", "--branch", "zb9", "--year", "2025", "--format", "json"]
    )
    captured = capsys.readouterr()
    assert json.loads(captured.out)["branch"] == "zb9"


def test_an_unwritable_file_is_refused(sample_branch, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command(
            "export_summary",
            "--branch",
            "zb9",
            "--year",
            "2025",
            "--format",
            "csv",
            "-o",
            str(tmp_path / "missing" / "x.csv"),
        )
