"""Every .xlsx and .csv the system writes keeps a member's text as text (core.spreadsheets):
a name, unit or phone starting with = + - @ never becomes a live formula."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from appraisals.models import AppraisalSession
from core.spreadsheets import FORMULA_STARTS, cell_value, csv_writer, unquoted
from declarations.models import Declaration
from rules.services import scheme_for_year
from summaries.card import branch_cards
from summaries.card_export import cards_workbook
from summaries.card_reader import read_workbook
from tests.declarations_support import draft
from tests.test_forms_page import closed_session

YEAR = 2026
LINK = '=HYPERLINK("http://x.example/","y")'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+8613800000000", "'+8613800000000"),
        ("-", "'-"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("张=1", "张=1"),
        ("'=already", "'=already"),
        ("", ""),
        (-3, -3),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_a_text_that_would_start_a_formula_gets_an_apostrophe_and_numbers_stay(value, expected):
    assert cell_value(value) == expected


def test_unquoted_undoes_it_only_where_it_was_done():
    assert unquoted(cell_value(LINK)) == LINK
    assert unquoted("'quoted on purpose") == "'quoted on purpose"
    assert unquoted(7) == 7


def test_the_csv_writer_quotes_every_field():
    out = io.StringIO()
    csv_writer(out).writerows([["=1+1", 2, "-x"], ["ok"]])
    assert out.getvalue().splitlines() == ["'=1+1,2,'-x", "ok"]


@pytest.fixture
def hostile(bureau):
    """Branch A's members with a name, unit, position and phone that Excel would run."""
    bureau.department.name = "+1-2"
    bureau.department.save()
    bureau.member_a.name = LINK
    bureau.member_a.position = "-3"
    bureau.member_a.phone = "=1+1"
    bureau.member_a.save()
    bureau.other_member_a.name = "@SUM(1,2)"
    bureau.other_member_a.save()
    return bureau


def cells_of(workbook: bytes) -> list[tuple[str, object, str]]:
    wb = load_workbook(io.BytesIO(workbook))
    return [
        (f"{ws.title}!{cell.coordinate}", cell.value, cell.data_type)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
    ]


def live_formulas(cells) -> list[str]:
    return [
        f"{where}: {value!r}"
        for where, value, kind in cells
        if kind == "f" or (isinstance(value, str) and value.startswith(FORMULA_STARTS))
    ]


def texts(cells) -> str:
    return "\n".join(str(value) for _where, value, _kind in cells if isinstance(value, str))


def downloads(bureau, client) -> dict[str, bytes]:
    """Every workbook and table a branch officer downloads, by name."""
    closed_session(bureau)
    declaration = draft(bureau, "河道清理")
    assert Declaration.objects.get(pk=declaration.pk).phone == "=1+1"
    member = bureau.member_a.pk
    urls = {
        "summary.csv": reverse(
            "summaries:summary_download", kwargs={"code": "zb1", "year": YEAR, "fmt": "csv"}
        ),
        "summary.xlsx": reverse(
            "summaries:summary_download", kwargs={"code": "zb1", "year": YEAR, "fmt": "xlsx"}
        ),
        "card.xlsx": reverse("summaries:card_xlsx", kwargs={"member_pk": member, "year": YEAR}),
        "forms.zip": reverse("summaries:forms_zip", kwargs={"code": "zb1", "year": YEAR}),
        "report.xlsx": reverse("oversight:report_xlsx", kwargs={"code": "zb1", "year": YEAR}),
        "template.xlsx": reverse("organizations:member_import_template") + "?branch=zb1",
    }
    found = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, name
        found[name] = response.content
    mine = Client()
    mine.force_login(bureau.member_a_user)
    response = mine.get(reverse("declarations:form1_xlsx", kwargs={"pk": declaration.pk}))
    assert response.status_code == 200
    found["form1.xlsx"] = response.content
    session = AppraisalSession.objects.get()
    for name in ("form3_xlsx", "form3_filled_xlsx"):
        response = client.get(reverse(f"appraisals:{name}", kwargs={"pk": session.pk}))
        assert response.status_code == 200, name
        found[name] = response.content
    return found


def test_no_download_turns_a_members_text_into_a_formula(hostile, client_for):
    found = downloads(hostile, client_for(hostile.secretary_a))
    problems, every_text = [], []
    for name, content in found.items():
        if name.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
            cells = [(f"{name}:{i}", v, "s") for i, row in enumerate(rows) for v in row]
        elif name.endswith(".zip"):
            cells = []
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                for member in archive.namelist():
                    cells += [(f"{member}:{w}", v, k) for w, v, k in cells_of(archive.read(member))]
        else:
            cells = cells_of(content)
        problems += [f"{name} {p}" for p in live_formulas(cells)]
        every_text.append(texts(cells))
    assert problems == []
    shown = "\n".join(every_text)
    # The members' own texts are all there, as text.
    for text in (LINK, "=1+1", "+1-2", "@SUM(1,2)"):
        assert "'" + text in shown, text


def test_the_export_command_writes_the_same_safe_table(hostile, tmp_path):
    out = tmp_path / "summary.csv"
    call_command("export_summary", branch="zb1", year=YEAR, fmt="csv", output=str(out))
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
    assert any(row[1] == "'" + LINK for row in rows[1:])
    assert not [v for row in rows for v in row if v.startswith(FORMULA_STARTS)]


def test_a_card_workbook_reads_back_with_the_names_as_typed(hostile):
    scheme = scheme_for_year(branch=hostile.branch_a, year=YEAR)
    workbook = cards_workbook(branch_cards(hostile.branch_a, YEAR))
    reading = read_workbook(workbook, items=scheme.items.all())
    assert {card.name for card in reading.cards} == {LINK, "@SUM(1,2)"}


WRITER_MODULES_EXEMPT = {
    "core/spreadsheets.py": "the neutraliser itself",
    "summaries/bench.py": "a timing floor of bare numbers, never downloaded",
}


def test_every_module_writing_workbooks_or_csv_uses_the_neutraliser():
    """A new writer must route its cells through core.spreadsheets too."""
    missing = []
    root = Path(settings.BASE_DIR)
    for path in sorted(root.glob("*/**/*.py")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(("tests/", ".venv/", "node_modules/")) or "migrations" in relative:
            continue
        source = path.read_text(encoding="utf-8")
        writes = "Workbook(" in source or "csv.writer(" in source or "DictWriter(" in source
        # core.workbooks routes every cell it writes through core.spreadsheets.
        neutralised = "core.spreadsheets" in source or "core.workbooks" in source
        if writes and relative not in WRITER_MODULES_EXEMPT and not neutralised:
            missing.append(relative)
    assert missing == []
