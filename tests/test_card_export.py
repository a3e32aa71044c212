"""The points card (附件2) on paper and in Excel: layout, access, and the round trip
export → import to the same totals."""

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.models import Entry
from ledger.services import entry_post, entry_reverse, veto_record
from ledger.totals import branch_year
from organizations.models import Participation
from rules.services import item_update, scheme_for_year
from summaries.card import branch_cards, member_card
from summaries.card_export import TITLE, cards_workbook, sheet_title
from summaries.card_import import cards_import
from tests.factories import MemberFactory, OrganizationFactory

YEAR = 2025


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def year_of_points(bureau):
    """Branch A's year: every kind of row, a capped category, two appraisal sessions,
    a reversal and a veto."""
    scheme = scheme_for_year(branch=bureau.branch_a, year=YEAR)
    item = {i.code: i for i in scheme.items.all()}
    a, b = bureau.member_a, bureau.other_member_a

    def post(member, month, points, code=None, **kwargs):
        return entry_post(
            member=member,
            year=YEAR,
            month=month,
            points=points,
            item=item.get(code),
            source=kwargs.pop("source", "direct"),
            recorded_by=bureau.recorder_a,
            **kwargs,
        )

    post(a, 3, "2.5", "dedication.volunteer", reason="河道清理")
    post(a, 5, "1", "dedication.volunteer")
    post(a, 4, "1.5", "dedication.ecology")
    post(a, 4, "1", "deduction.study")
    post(a, 5, "-2", "base.1", source="adjustment", reason="缺席组织活动")
    post(a, 6, "92", kind="appraisal", source="appraisal", source_ref="appraisal:1")
    post(a, 12, "95.5", kind="appraisal", source="appraisal", source_ref="appraisal:2")
    wrong = post(a, 7, "4", "dedication.research")
    entry_reverse(entry=wrong, reason="登记错误", recorded_by=bureau.recorder_a)
    post(b, 2, "3", "dedication.double_report")
    post(b, 8, "2", "deduction.meeting_or_dues")
    post(b, 9, "2", "deduction.meeting_or_dues")
    post(b, 12, "-12", "base.3", source="adjustment", reason="党费欠缴")
    post(b, 6, "80", kind="appraisal", source="appraisal", source_ref="appraisal:1")
    veto_record(
        member=b, year=YEAR, ground="fraud", facts="虚报志愿服务时长", decided_on="2025-05-01"
    )
    # The branch tightened its scheme after the points were recorded: the card caps them.
    item_update(item=item["dedication.volunteer"], cap_year=Decimal("3"))
    return scheme


def workbook(content):
    return openpyxl.load_workbook(io.BytesIO(content))


# The layout of attachment 2


def test_a_card_exports_as_the_forms_layout(bureau, year_of_points):
    wb = workbook(cards_workbook([member_card(bureau.member_a, YEAR)]))
    assert wb.sheetnames == ["张红梅"]
    ws = wb["张红梅"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert str(ws["A1"].value).startswith(TITLE)
    assert "A1:P1" in merged
    assert (ws["A2"].value, ws["B2"].value, ws["C2"].value) == ("姓 名", "张红梅", "工作单位")
    assert ws["D2"].value.startswith("生态保护科")
    assert "D2:P2" in merged
    assert [ws.cell(3, c).value for c in (1, 2, 3, 4, 16)] == [
        "类别",
        "项目",
        "分 值",
        "月 份",
        "年度得分",
    ]
    assert {"A3:A4", "B3:B4", "C3:C4", "D3:O3", "P3:P4"} <= merged
    assert [ws.cell(4, c).value for c in range(4, 16)] == list(range(1, 13))
    # Sections merged down their rows: 5 base, 13 dedication, 5 deduction rows.
    assert {"A5:A9", "A10:A22", "A23:A27"} <= merged
    assert "基本分" in ws["A5"].value
    assert "（100分）" in ws["A5"].value
    assert "奉献分" in ws["A10"].value
    assert "扣减分" in ws["A23"].value
    assert "民主评议" in ws["A28"].value
    assert "B28:O28" in merged
    assert "一票否决项" in ws["A29"].value
    assert ws["C29"].value == "无"
    assert "党员年度积分" in ws["L29"].value
    # Numbers are numbers.
    assert (ws["B5"].value, ws["C5"].value, ws["H5"].value, ws["P5"].value) == (
        "组织活动",
        30,
        -2,
        28,
    )
    volunteer = next(r for r in range(10, 23) if ws.cell(r, 2).value == "志愿服务")
    assert (ws.cell(volunteer, 6).value, ws.cell(volunteer, 8).value) == (2.5, 1)
    assert ws.cell(volunteer, 16).value == 3  # the year's cap
    research = next(r for r in range(10, 23) if ws.cell(r, 2).value == "科学研究")
    assert ws.cell(research, 10).value == 0  # entered and reversed in July
    assert ws["P28"].value == 93.8  # mean of 92 and 95.5
    assert ws["P29"].value == float(member_card(bureau.member_a, YEAR).totals.total)
    assert ws["P29"].value == 28 + 70 + 3 + 1.5 + 93.8 - 1


def test_the_sheet_is_set_up_for_a4_landscape_one_page_wide(bureau):
    ws = workbook(cards_workbook([member_card(bureau.member_a, YEAR)])).active
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToWidth) == 1
    assert ws.column_dimensions["B"].width > ws.column_dimensions["D"].width
    assert ws["B24"].alignment.wrap_text
    assert ws["B24"].border.left.style == "thin"
    assert ws["P29"].border.bottom.style == "thin"


def test_a_veto_and_a_member_not_taking_part_show_on_the_card(bureau, year_of_points):
    Participation.objects.create(member=bureau.other_member_a, year=YEAR, takes_part=False)
    ws = workbook(cards_workbook([member_card(bureau.other_member_a, YEAR)])).active
    assert "虚报志愿服务时长" in ws["C29"].value
    assert ws["P29"].value is None


def test_a_branch_exports_one_sheet_per_member_with_unique_names(bureau):
    MemberFactory(branch=bureau.branch_a, name="李建国")
    MemberFactory(branch=bureau.branch_a, name="a/b:c*d?[e]")
    wb = workbook(cards_workbook(branch_cards(bureau.branch_a, YEAR)))
    assert sorted(wb.sheetnames) == sorted(["abcde", "张红梅", "李建国", "李建国 (2)"])
    assert [wb[name]["B2"].value for name in ("李建国", "李建国 (2)")] == ["李建国", "李建国"]


def test_sheet_titles_stay_within_excels_limits():
    taken = set()
    long = "很" * 40
    assert sheet_title(long, taken) == "很" * 31
    assert sheet_title(long, taken) == "很" * 27 + " (2)"
    assert sheet_title("", taken) == "Sheet"


# The round trip


def test_a_card_over_a_cap_is_refused_on_import_naming_the_cap(bureau, year_of_points):
    """The 3.5 volunteer points were recorded before the branch set its cap of 3: the
    ledger's gate refuses such months on import as it would any entry over the cap."""
    content = cards_workbook(branch_cards(bureau.branch_a, YEAR))
    target = OrganizationFactory(code="zb9", name="第九党支部", parent=bureau.committee)
    scheme = scheme_for_year(branch=target, year=YEAR)
    item_update(item=scheme.items.get(code="dedication.volunteer"), cap_year=Decimal("3"))
    result = cards_import(branch=target, year=YEAR, workbook=content, create_members=True)
    assert not result.ok
    assert any("yearly cap of 志愿服务 leaves 0.5" in str(p) for p in result.problems)
    assert not Entry.objects.filter(branch=target).exists()


def test_an_exported_branch_imports_to_the_same_totals(bureau, year_of_points):
    # The point over the cap is corrected first, so the card keeps to its rules.
    over = Entry.objects.get(member=bureau.member_a, month=5, item__code="dedication.volunteer")
    entry_reverse(entry=over, reason="超出年度上限", recorded_by=bureau.recorder_a)
    content = cards_workbook(branch_cards(bureau.branch_a, YEAR))
    target = OrganizationFactory(code="zb9", name="第九党支部", parent=bureau.committee)
    # The target keeps the same rules, so the capped volunteer row reads alike.
    scheme = scheme_for_year(branch=target, year=YEAR)
    item_update(item=scheme.items.get(code="dedication.volunteer"), cap_year=Decimal("3"))

    result = cards_import(branch=target, year=YEAR, workbook=content, create_members=True)
    assert result.ok, [str(p) for p in result.problems]
    assert result.warnings == []

    def totals(branch):
        return {
            r.member.name: (
                r.totals.base,
                r.totals.dedication,
                r.totals.appraisal,
                r.totals.deductions,
                r.totals.total,
                r.vetoed,
                r.rank,
            )
            for r in branch_year(branch, YEAR).results
        }

    assert totals(target) == totals(bureau.branch_a)
    assert totals(target)["张红梅"][4] == Decimal("194.8")  # 195.3 less the corrected 0.5


def test_the_sample_workbook_round_trips_through_export(bureau):
    sample = Path(__file__).parent / "data" / "points-cards-sample.xlsx"
    first = OrganizationFactory(code="zb8", name="第八党支部", parent=bureau.committee)
    assert cards_import(
        branch=first, year=YEAR, workbook=sample.read_bytes(), create_members=True
    ).ok
    content = cards_workbook(branch_cards(first, YEAR))
    second = OrganizationFactory(code="zb9", name="第九党支部", parent=bureau.committee)
    assert cards_import(branch=second, year=YEAR, workbook=content, create_members=True).ok

    def totals(branch):
        return {r.member.name: (r.totals.total, r.rank) for r in branch_year(branch, YEAR).results}

    assert totals(second) == totals(first)


# The pages


def print_url(member, year=YEAR):
    return reverse("summaries:card_print", kwargs={"member_pk": member.pk, "year": year})


def xlsx_url(member, year=YEAR):
    return reverse("summaries:card_xlsx", kwargs={"member_pk": member.pk, "year": year})


def branch_print_url(branch, year=YEAR):
    return reverse("summaries:branch_cards_print", kwargs={"code": branch.code, "year": year})


def branch_xlsx_url(branch, year=YEAR):
    return reverse("summaries:branch_cards_xlsx", kwargs={"code": branch.code, "year": year})


def test_a_member_prints_their_own_card(bureau, client_for, year_of_points):
    response = client_for(bureau.member_a_user).get(print_url(bureau.member_a))
    assert response.status_code == 200
    text = response.text
    assert TITLE in text
    assert "css/card_print.css" in text
    assert "js/card_print.js" in text
    assert text.count('class="jf-print-card"') == 1
    assert "民主评议" in text
    assert "一票否决项" in text
    assert "党员年度积分" in text
    assert "195.3" in text


def test_the_print_stylesheet_is_a4_landscape_without_navigation():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "card_print.css").read_text()
    assert "@page { size: A4 landscape" in css
    assert ".jf-header, .jf-footer { display: none !important; }" in css


def test_officers_print_every_card_of_the_branch_one_per_page(bureau, client_for):
    for user in (bureau.secretary_a, bureau.group_a, bureau.recorder_a, bureau.committee_admin):
        response = client_for(user).get(branch_print_url(bureau.branch_a))
        assert response.status_code == 200
        assert response.text.count('class="jf-print-card"') == 2
        assert "张红梅" in response.text
        assert "李建国" in response.text


def test_the_card_page_and_the_branch_table_link_to_print_and_excel(bureau, client_for):
    client = client_for(bureau.secretary_a)
    card = client.get(
        reverse("summaries:card", kwargs={"member_pk": bureau.member_a.pk, "year": YEAR})
    )
    assert print_url(bureau.member_a) in card.text
    assert xlsx_url(bureau.member_a) in card.text
    table = client.get(reverse("summaries:branch_table", kwargs={"code": "zb1", "year": YEAR}))
    assert branch_print_url(bureau.branch_a) in table.text
    assert branch_xlsx_url(bureau.branch_a) in table.text


def test_others_get_404_for_a_card_print_or_download(bureau, client_for):
    member = client_for(bureau.member_a_user)
    other = client_for(bureau.secretary_b)
    for client, url in (
        (member, print_url(bureau.other_member_a)),
        (member, xlsx_url(bureau.other_member_a)),
        (member, branch_print_url(bureau.branch_a)),
        (member, branch_xlsx_url(bureau.branch_a)),
        (other, print_url(bureau.member_a)),
        (other, xlsx_url(bureau.member_a)),
        (other, branch_print_url(bureau.branch_a)),
        (other, branch_xlsx_url(bureau.branch_a)),
        (client_for(bureau.secretary_a), print_url(bureau.member_a, 1900)),
    ):
        assert client.get(url).status_code == 404, url


def test_the_downloads_are_workbooks(bureau, client_for, year_of_points):
    response = client_for(bureau.member_a_user).get(xlsx_url(bureau.member_a))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert workbook(response.content).sheetnames == ["张红梅"]
    response = client_for(bureau.committee_admin).get(branch_xlsx_url(bureau.branch_a))
    assert sorted(workbook(response.content).sheetnames) == ["张红梅", "李建国"]


def test_branch_print_and_export_query_counts_do_not_grow_with_members(
    bureau, client_for, year_of_points
):
    client = client_for(bureau.secretary_a)

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    urls = [branch_print_url(bureau.branch_a), branch_xlsx_url(bureau.branch_a)]
    before = [queries(url) for url in urls]
    volunteer = year_of_points.items.get(code="dedication.volunteer")
    for n in range(6):
        member = MemberFactory(branch=bureau.branch_a, department=bureau.department)
        entry_post(
            member=member, year=YEAR, month=1 + n, points="1", source="direct", item=volunteer
        )
    assert [queries(url) for url in urls] == before
