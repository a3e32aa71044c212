"""Importing points cards (附件2) from Excel: DESIGN.md §6, the sample workbook, every
kind of bad cell, the command and the upload–preview–confirm pages."""

import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from audit.models import AuditEvent
from ledger.models import Entry, PeriodLock, Source, Veto
from ledger.services import entry_post, entry_reverse
from ledger.totals import branch_year
from organizations.models import Member
from rules.models import Scheme
from rules.services import scheme_for_year
from summaries.card_import import cards_import
from summaries.card_sheet import read_points
from tests.factories import MemberFactory, OrganizationFactory

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "points-cards-sample.xlsx"
EXPECTED = json.loads((DATA / "points-cards-sample.expected.json").read_text(encoding="utf-8"))
YEAR = 2025


def sample_bytes(edits=None, *, drop=()):
    """The sample workbook, with {(sheet, cell): value} written into it."""
    wb = openpyxl.load_workbook(SAMPLE)
    for (sheet, cell), value in (edits or {}).items():
        wb[sheet][cell] = value
    for sheet in drop:
        wb.remove(wb[sheet])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(branch, data=None, *, create=True, **kwargs):
    return cards_import(
        branch=branch,
        year=YEAR,
        workbook=SAMPLE.read_bytes() if data is None else data,
        create_members=create,
        **kwargs,
    )


def summary(branch):
    """The branch's year as DESIGN.md §6's machine-readable summary gives it."""
    out = []
    for r in branch_year(branch, YEAR).results:
        t = r.totals
        out.append(
            {
                "name": r.member.name,
                "base": f"{t.base.normalize():f}",
                "dedication": f"{t.dedication.normalize():f}",
                "appraisal": f"{t.appraisal.normalize():f}",
                "deductions": f"{t.deductions.normalize():f}",
                "total": f"{t.total.normalize():f}",
                "vetoed": r.vetoed,
                "rank": r.rank,
                "award_eligible": r.standing.award_eligible,
                "help_talk_due": r.standing.help_talk_due,
            }
        )
    return sorted(out, key=lambda m: m["name"])


def nothing_written(branch):
    return (
        not Entry.objects.filter(branch=branch).exists()
        and not Veto.objects.filter(branch=branch).exists()
        and not Scheme.objects.filter(organization=branch, year=YEAR).exists()
        and not AuditEvent.objects.filter(action="summaries.cards.imported").exists()
    )


pytestmark = pytest.mark.usefixtures("english")


def problem_cells(response):
    return {(p.sheet, p.cell) for p in response.context["result"].problems}


@pytest.fixture
def fresh_branch(bureau):
    return OrganizationFactory(code="zb9", name="第九党支部", parent=bureau.committee)


# The sample workbook


def test_the_sample_imports_into_a_fresh_branch_to_the_expected_totals(fresh_branch):
    result = run(fresh_branch)
    assert result.ok, [str(p) for p in result.problems]
    assert result.written
    assert result.warnings == []
    assert summary(fresh_branch) == sorted(EXPECTED, key=lambda m: m["name"])
    assert set(Member.objects.filter(branch=fresh_branch).values_list("name", flat=True)) == {
        "张红梅",
        "李建国",
        "王晓燕",
    }


def test_the_sample_matches_existing_members_and_creates_the_others(bureau):
    result = run(bureau.branch_a)
    assert result.ok
    assert result.new_names == {"王晓燕"}
    assert summary(bureau.branch_a) == sorted(EXPECTED, key=lambda m: m["name"])
    assert Entry.objects.filter(member=bureau.member_a).count() == 6  # 5 dedication + appraisal
    assert not Entry.objects.filter(member=bureau.member_b).exists()  # her namesake in B


def test_the_branch_scheme_is_copied_from_the_template_on_first_use(fresh_branch):
    assert not Scheme.objects.filter(organization=fresh_branch).exists()
    run(fresh_branch)
    scheme = Scheme.objects.get(organization=fresh_branch, year=YEAR)
    assert scheme.copied_from.is_template
    items = Entry.objects.filter(branch=fresh_branch, item__isnull=False)
    assert items.exists()
    assert not items.exclude(item__scheme=scheme).exists()


def test_imported_entries_have_source_import_and_can_be_reversed(fresh_branch, bureau):
    result = run(fresh_branch)
    prefix = f"import:{result.sha256[:12]}:"
    entries = Entry.objects.filter(branch=fresh_branch)
    assert set(entries.values_list("source", flat=True)) == {Source.IMPORT}
    assert all(e.source_ref.startswith(prefix) for e in entries)
    appraisal = entries.get(member__name="张红梅", kind="appraisal")
    assert (appraisal.item, appraisal.month, appraisal.points) == (None, 12, Decimal("93.0"))
    assert appraisal.source_ref == prefix + "appraisal"
    ecology = entries.filter(member__name="张红梅", item__code="dedication.ecology")
    assert sorted(ecology.values_list("month", "points")) == [
        (3, Decimal("5.0")),
        (4, Decimal("5.0")),
        (9, Decimal("8.0")),
    ]
    base = entries.get(member__name="李建国", kind="base")
    assert (base.month, base.points, base.item.code) == (7, Decimal("-3.0"), "base.2")
    entry_reverse(entry=ecology.get(month=9), reason="重复登记", recorded_by=bureau.secretary_a)
    totals = {r.member.name: r.totals for r in branch_year(fresh_branch, YEAR).results}
    assert totals["张红梅"].dedication == Decimal("14.0")


def test_the_same_workbook_is_refused_the_second_time(fresh_branch):
    assert run(fresh_branch).ok
    entries = Entry.objects.count()
    again = run(fresh_branch)
    assert not again.ok
    assert not again.written
    assert "already imported" in str(again.problems[0])
    assert Entry.objects.count() == entries


def test_the_same_workbook_may_go_into_another_year(fresh_branch):
    assert run(fresh_branch).ok
    other = cards_import(
        branch=fresh_branch, year=YEAR + 1, workbook=SAMPLE.read_bytes(), create_members=False
    )
    assert other.ok, [str(p) for p in other.problems]


def test_a_dry_run_shows_the_totals_and_writes_nothing(fresh_branch):
    result = run(fresh_branch, dry_run=True)
    assert result.ok
    assert not result.written
    assert {r.member.name: r.totals.total for r in result.results} == {
        "张红梅": Decimal("215.0"),
        "李建国": Decimal("192.0"),
        "王晓燕": Decimal("207.5"),
    }
    assert nothing_written(fresh_branch)
    assert not Member.objects.filter(branch=fresh_branch).exists()


# Reading by the labels


def test_labels_ignore_white_space_and_quote_marks(fresh_branch):
    data = sample_bytes(
        {
            ("李建国", "B20"): '"双 报到"',
            ("李建国", "B23"): "不按时参加 集体学习\n每次计",
            ("李建国", "A2"): "姓　　名",
        }
    )
    result = run(fresh_branch, data)
    assert result.ok, [str(p) for p in result.problems]
    assert summary(fresh_branch) == sorted(EXPECTED, key=lambda m: m["name"])


def test_a_padded_name_matches_the_member_and_a_registered_unit_gives_the_department(bureau):
    from organizations.models import Department

    Department.objects.create(name="宣传交流科")
    data = sample_bytes({("张红梅", "B2"): "张　红梅"})
    assert run(bureau.branch_a, data).ok
    assert Member.objects.filter(branch=bureau.branch_a, name="张红梅").count() == 1
    created = Member.objects.get(branch=bureau.branch_a, name="王晓燕")
    assert (created.department.name, created.position) == ("宣传交流科", "副科长")


def test_a_short_item_name_matches_as_well_as_the_form_label(fresh_branch):
    data = sample_bytes({("李建国", "B23"): "不按时参加集体学习"})
    assert run(fresh_branch, data).ok


def test_an_assessed_yearly_base_score_becomes_one_december_adjustment(fresh_branch):
    data = sample_bytes({("张红梅", "P8"): 8})
    assert run(fresh_branch, data).ok
    entry = Entry.objects.get(member__name="张红梅", kind="base")
    assert (entry.month, entry.points, entry.item.code) == (12, Decimal("-2.0"), "base.4")


def test_a_negative_deduction_counts_as_its_magnitude(fresh_branch):
    data = sample_bytes({("李建国", "K23"): -1, ("李建国", "P23"): -1})
    assert run(fresh_branch, data).ok
    assert summary(fresh_branch) == sorted(EXPECTED, key=lambda m: m["name"])


def test_veto_text_records_a_veto_and_none_means_none(fresh_branch):
    data = sample_bytes({("李建国", "B29"): "虚报志愿服务时长", ("张红梅", "B29"): "无"})
    result = run(fresh_branch, data)
    assert result.ok
    veto = Veto.objects.get(branch=fresh_branch)
    assert (veto.member.name, veto.ground, veto.facts) == ("李建国", "other", "虚报志愿服务时长")
    standing = {r.member.name: r.standing for r in branch_year(fresh_branch, YEAR).results}
    assert standing["李建国"].vetoed
    assert standing["李建国"].rank == 3
    assert standing["李建国"].help_talk_due
    assert standing["王晓燕"].help_talk_due


def test_veto_text_in_the_label_cell_after_the_colon(fresh_branch):
    data = sample_bytes({("王晓燕", "A29"): "(五) 一票否决项：组织参与非法上访"})
    assert run(fresh_branch, data).ok
    assert Veto.objects.get(branch=fresh_branch).facts == "组织参与非法上访"


def test_a_stated_annual_total_that_differs_is_a_warning_not_a_problem(fresh_branch):
    data = sample_bytes({("张红梅", "N29"): 210, ("李建国", "N29"): 192})
    result = run(fresh_branch, data)
    assert result.ok
    assert result.written
    assert [str(w) for w in result.warnings] == [
        "Sheet 张红梅, cell N29: 党员年度积分 is 210.0 but the card's rows give 215.0."
    ]


def test_an_empty_sheet_is_skipped_with_a_warning(fresh_branch):
    wb = openpyxl.load_workbook(io.BytesIO(sample_bytes()))
    wb.create_sheet("Sheet1")
    out = io.BytesIO()
    wb.save(out)
    result = run(fresh_branch, out.getvalue())
    assert result.ok
    assert len(result.cards) == 3
    assert "Sheet1" in str(result.warnings[0])


# Bad cells: every problem by sheet and cell, and nothing written


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        ({("李建国", "F9"): "abc"}, "Sheet 李建国, cell F9: “abc” is not a number."),
        ({("李建国", "F9"): 1.25}, "Sheet 李建国, cell F9: 1.25 has more than one decimal place."),
        ({("张红梅", "E5"): 2}, "Sheet 张红梅, cell E5: 2.0 is a positive base adjustment"),
        ({("张红梅", "E5"): -31}, "Sheet 张红梅, cell E5: the adjustment -31.0 exceeds"),
        ({("张红梅", "P7"): 25}, "Sheet 张红梅, cell P7: the yearly score 25.0 of a base item"),
        ({("王晓燕", "B14"): "科学发现"}, "Sheet 王晓燕, cell B14: “科学发现” is not an item"),
        ({("王晓燕", "E13"): -4}, "Sheet 王晓燕, cell E13: dedication points cannot be negative"),
        ({("张红梅", "P10"): 17}, "Sheet 张红梅, cell P10: 年度得分 is 17.0 but the months add up"),
        ({("李建国", "P23"): 2}, "Sheet 李建国, cell P23: 年度得分 is 2.0 but the months add up"),
        ({("张红梅", "A2"): None}, "Sheet 张红梅: no 姓名 label was found."),
        ({("张红梅", "B2"): None}, "Sheet 张红梅, cell B2: no name is given after 姓名."),
        ({("王晓燕", "B3"): None}, "Sheet 王晓燕: no header row with 项目"),
        ({("王晓燕", "H4"): None}, "Sheet 王晓燕, cell B3: the header row has no month numbers"),
        ({("王晓燕", "P3"): None}, "Sheet 王晓燕, cell B3: the header row has no 年度得分"),
        ({("王晓燕", "D28"): "九十"}, "Sheet 王晓燕, cell D28: no number for 民主评议"),
        ({("王晓燕", "D28"): 101}, "Sheet 王晓燕, cell D28: the appraisal score 101.0"),
        ({("王晓燕", "N29"): "两百"}, "Sheet 王晓燕, cell N29: no number for 党员年度积分"),
        ({("王晓燕", "B2"): "张红梅"}, "Sheet 王晓燕, cell B2: 张红梅 already has a card"),
        ({("王晓燕", "F12"): "2026-03-01"}, "Sheet 王晓燕, cell F12: “2026-03-01” is not"),
    ],
)
def test_a_bad_cell_is_reported_by_sheet_and_cell_and_nothing_is_written(
    fresh_branch, edits, expected
):
    result = run(fresh_branch, sample_bytes(edits))
    assert not result.ok
    assert not result.written
    assert any(str(p).startswith(expected) for p in result.problems), [
        str(p) for p in result.problems
    ]
    assert nothing_written(fresh_branch)
    assert not Member.objects.filter(branch=fresh_branch).exists()


def test_every_problem_of_the_workbook_is_listed_at_once(fresh_branch):
    data = sample_bytes({("李建国", "F9"): "abc", ("王晓燕", "B14"): "科学发现"})
    result = run(fresh_branch, data, create=False)
    cells = {(p.sheet, p.cell) for p in result.problems}
    assert {("李建国", "F9"), ("王晓燕", "B14")} <= cells
    assert {("张红梅", "B2"), ("李建国", "B2"), ("王晓燕", "B2")} <= cells  # unknown members


def test_an_unknown_member_is_a_problem_without_create_members(bureau):
    result = run(bureau.branch_a, create=False)
    assert [str(p) for p in result.problems] == [
        "Sheet 王晓燕, cell B2: no member of 第一党支部 is named 王晓燕; add the member first "
        "or let the import create the missing members."
    ]
    assert not Entry.objects.exists()


def test_an_ambiguous_member_is_a_problem(bureau):
    MemberFactory(branch=bureau.branch_a, name="张红梅")
    result = run(bureau.branch_a)
    assert [(p.sheet, p.cell) for p in result.problems] == [("张红梅", "B2")]
    assert "2 members of the branch are named 张红梅" in str(result.problems[0])
    assert not Entry.objects.exists()
    assert not Member.objects.filter(name="王晓燕", branch=bureau.branch_a).exists()


def test_a_member_already_vetoed_cannot_be_vetoed_again_by_the_import(bureau):
    from ledger.services import veto_record

    veto_record(
        member=bureau.member_a, year=YEAR, ground="fraud", facts="虚报", decided_on="2025-05-01"
    )
    result = run(bureau.branch_a, sample_bytes({("张红梅", "B29"): "其他问题"}))
    assert [(p.sheet, p.cell) for p in result.problems] == [("张红梅", "B29")]


def test_a_closed_half_year_refuses_the_import(bureau, fresh_branch):
    PeriodLock.objects.create(branch=fresh_branch, year=YEAR, half=1, closed_by=bureau.secretary_a)
    result = run(fresh_branch)
    assert not result.ok
    assert "first half is closed" in str(result.problems[0])
    assert not Entry.objects.filter(branch=fresh_branch).exists()


def test_existing_points_of_the_year_are_a_warning(bureau):
    scheme = scheme_for_year(branch=bureau.branch_a, year=YEAR)
    entry_post(
        member=bureau.member_a,
        year=YEAR,
        month=2,
        points="1",
        source="direct",
        item=scheme.items.get(code="dedication.volunteer"),
    )
    result = run(bureau.branch_a)
    assert result.ok
    assert any("张红梅 already has 1 entries" in str(w) for w in result.warnings)


@pytest.mark.parametrize(
    "data", [b"", b"not a workbook", b"PK\x03\x04broken zip", SAMPLE.read_bytes()[:4000]]
)
def test_a_file_that_is_not_a_workbook_is_a_problem(fresh_branch, data):
    result = run(fresh_branch, data)
    assert not result.ok
    assert "not an Excel workbook" in str(result.problems[0])
    assert nothing_written(fresh_branch)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("  ", None),
        (3, Decimal("3.0")),
        (2.5, Decimal("2.5")),
        ("４", Decimal("4.0")),
        (" -1 ", Decimal("-1.0")),
    ],
)
def test_cells_read_as_points(value, expected):
    assert read_points(value) == expected


# The command


def test_the_command_imports_and_prints_each_members_totals(fresh_branch, capsys):
    call_command(
        "import_cards", str(SAMPLE), "--branch", "zb9", "--year", str(YEAR), "--create-members"
    )
    out = capsys.readouterr().out
    assert "张红梅\t100.0\t22.0\t93.0\t0.0\t215.0\t1" in out
    assert "王晓燕\t100.0\t17.0\t90.5\t0.0\t207.5\t2" in out
    assert "李建国\t97.0\t10.0\t86.0\t1.0\t192.0\t3" in out
    assert Entry.objects.filter(branch=fresh_branch).exists()


def test_the_command_prints_each_problem_and_exits_non_zero(fresh_branch, tmp_path, capsys):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(sample_bytes({("李建国", "F9"): "abc"}))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_cards", str(path), "--branch", "zb9", "--year", str(YEAR))
    assert excinfo.value.returncode == 1
    err = capsys.readouterr().err
    assert "Sheet 李建国, cell F9: “abc” is not a number." in err
    assert "Sheet 张红梅, cell B2: no member of 第九党支部 is named 张红梅" in err
    assert nothing_written(fresh_branch)


def test_the_command_refuses_the_same_file_twice(fresh_branch, capsys):
    args = ["import_cards", str(SAMPLE), "--branch", "zb9", "--year", str(YEAR)]
    call_command(*args, "--create-members")
    with pytest.raises(CommandError) as excinfo:
        call_command(*args, "--create-members")
    assert excinfo.value.returncode == 1
    assert "already imported" in capsys.readouterr().err


def test_the_command_dry_run_writes_nothing(fresh_branch, capsys):
    call_command(
        "import_cards",
        str(SAMPLE),
        "--branch",
        "zb9",
        "--year",
        str(YEAR),
        "--create-members",
        "--dry-run",
    )
    assert "215.0" in capsys.readouterr().out
    assert nothing_written(fresh_branch)


@pytest.mark.parametrize(
    "args",
    [
        ["--branch", "nope", "--year", "2025"],
        ["--branch", "jgdw", "--year", "2025"],  # the committee keeps no cards
        ["--branch", "zb9", "--year", "1900"],
    ],
)
def test_the_command_refuses_a_bad_branch_or_year(fresh_branch, args):
    with pytest.raises(CommandError):
        call_command("import_cards", str(SAMPLE), *args)


def test_the_command_refuses_a_missing_file(fresh_branch, tmp_path):
    with pytest.raises(CommandError):
        call_command(
            "import_cards", str(tmp_path / "none.xlsx"), "--branch", "zb9", "--year", "2025"
        )


# The pages: upload, preview, confirm


def upload_url(branch, year=YEAR):
    return reverse("summaries:cards_import", kwargs={"code": branch.code, "year": year})


def confirm_url(branch, year=YEAR):
    return reverse("summaries:cards_import_confirm", kwargs={"code": branch.code, "year": year})


def xlsx_file(data=None, name="积分卡.xlsx"):
    return SimpleUploadedFile(name, SAMPLE.read_bytes() if data is None else data)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_officers_of_the_branch_and_the_committee_see_the_upload_form(bureau, client_for):
    for user in (bureau.secretary_a, bureau.group_a, bureau.recorder_a, bureau.committee_admin):
        response = client_for(user).get(upload_url(bureau.branch_a))
        assert response.status_code == 200
        assert 'type="file"' in response.text


def test_a_member_and_another_branchs_officer_get_404(bureau, client_for, media):
    for user in (bureau.member_a_user, bureau.secretary_b):
        client = client_for(user)
        assert client.get(upload_url(bureau.branch_a)).status_code == 404
        response = client.post(upload_url(bureau.branch_a), {"file": xlsx_file()})
        assert response.status_code == 404
        assert client.post(confirm_url(bureau.branch_a), {"token": "x"}).status_code == 404
    assert not Entry.objects.exists()


def test_the_branch_table_links_to_the_import(bureau, client_for):
    url = reverse("summaries:branch_table", kwargs={"code": "zb1", "year": YEAR})
    response = client_for(bureau.secretary_a).get(url)
    assert upload_url(bureau.branch_a) in response.text


def test_upload_preview_and_confirm_import_the_cards(bureau, client_for, media):
    client = client_for(bureau.recorder_a)
    response = client.post(
        upload_url(bureau.branch_a), {"file": xlsx_file(), "create_members": "on"}
    )
    assert response.status_code == 200
    text = response.text
    assert "215.0" in text
    assert "207.5" in text
    assert "192.0" in text
    assert [row["new"] for row in response.context["rows"]] == [False, False, True]  # 王晓燕
    token = response.context["token"]
    assert token
    assert not Entry.objects.exists()

    response = client.post(confirm_url(bureau.branch_a), {"token": token})
    assert response.status_code == 302
    assert response.url == reverse("summaries:branch_table", kwargs={"code": "zb1", "year": YEAR})
    assert summary(bureau.branch_a) == sorted(EXPECTED, key=lambda m: m["name"])
    assert set(Entry.objects.values_list("recorded_by", flat=True)) == {bureau.recorder_a.pk}
    assert not list(media.glob("card-imports/*"))

    # A second confirmation of the same preview is re-validated and refused.
    entries = Entry.objects.count()
    response = client.post(confirm_url(bureau.branch_a), {"token": token})
    assert Entry.objects.count() == entries
    assert response.status_code in (200, 302)


def test_confirming_re_validates_the_workbook(bureau, client_for, media):
    client = client_for(bureau.secretary_a)
    response = client.post(
        upload_url(bureau.branch_a), {"file": xlsx_file(), "create_members": "on"}
    )
    token = response.context["token"]
    # Meanwhile someone imports the same workbook through the command.
    assert run(bureau.branch_a).ok
    entries = Entry.objects.count()
    response = client.post(confirm_url(bureau.branch_a), {"token": token})
    assert response.status_code == 200
    assert [(p.sheet, p.cell) for p in response.context["result"].problems] == [("", "")]
    assert response.context["token"] == ""
    assert Entry.objects.count() == entries


def test_a_workbook_with_problems_shows_them_and_offers_no_confirmation(bureau, client_for, media):
    data = sample_bytes({("李建国", "F9"): "abc"})
    response = client_for(bureau.secretary_a).post(
        upload_url(bureau.branch_a), {"file": xlsx_file(data)}
    )
    assert response.status_code == 200
    assert problem_cells(response) == {("李建国", "F9"), ("王晓燕", "B2")}
    assert "F9" in response.text
    assert "“abc”" in response.text
    assert response.context["token"] == ""
    assert confirm_url(bureau.branch_a) not in response.text
    assert not list(media.glob("card-imports/*"))


def test_a_token_of_another_user_or_a_forged_one_is_refused(bureau, client_for, media):
    response = client_for(bureau.secretary_a).post(
        upload_url(bureau.branch_a), {"file": xlsx_file(), "create_members": "on"}
    )
    token = response.context["token"]
    for client, data in (
        (client_for(bureau.recorder_a), {"token": token}),
        (client_for(bureau.secretary_a), {"token": token + "x"}),
        (client_for(bureau.secretary_a), {}),
    ):
        response = client.post(confirm_url(bureau.branch_a), data)
        assert response.status_code == 302
        assert response.url == upload_url(bureau.branch_a)
    assert not Entry.objects.exists()


def test_a_token_for_another_branch_is_refused(bureau, client_for, media):
    client = client_for(bureau.committee_admin)
    response = client.post(
        upload_url(bureau.branch_a), {"file": xlsx_file(), "create_members": "on"}
    )
    response = client.post(confirm_url(bureau.branch_b), {"token": response.context["token"]})
    assert response.status_code == 302
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cards.xls", None),
        ("cards.csv", b"a,b"),
        ("cards.xlsx", b""),
        ("cards.xlsx", b"x" * (5 * 1024 * 1024 + 1)),
    ],
)
def test_a_wrong_file_gets_the_form_back_with_the_reason(bureau, client_for, name, data):
    response = client_for(bureau.secretary_a).post(
        upload_url(bureau.branch_a), {"file": xlsx_file(data, name)}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors
    assert errors[0] in response.text
    assert not Entry.objects.exists()


def test_a_post_without_a_file_gets_the_form_back(bureau, client_for):
    response = client_for(bureau.secretary_a).post(upload_url(bureau.branch_a), {})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_confirm_accepts_only_post(bureau, client_for):
    assert client_for(bureau.secretary_a).get(confirm_url(bureau.branch_a)).status_code == 405


def test_a_corrupt_workbook_gets_a_message(bureau, client_for, media):
    response = client_for(bureau.secretary_a).post(
        upload_url(bureau.branch_a), {"file": xlsx_file(b"PK\x03\x04 corrupt")}
    )
    assert response.status_code == 200
    assert problem_cells(response) == {("", "")}
    assert response.context["token"] == ""


def test_a_year_out_of_range_is_404(bureau, client_for):
    url = reverse("summaries:cards_import", kwargs={"code": "zb1", "year": 1900})
    assert client_for(bureau.secretary_a).get(url).status_code == 404
