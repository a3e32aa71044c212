"""附件4 汇总表: the rows, the secretary's confirmation and when it goes stale, the committee's
view of every branch, the print page and the downloads."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appraisals.models import AppraisalSession, Mode
from audit.models import AuditEvent
from core.errors import DomainError, PermissionDenied
from declarations.models import Declaration
from ledger.models import PeriodLock
from ledger.services import veto_record
from organizations.models import Participation
from rules.services import scheme_for_year
from summaries.closing import period_close, period_reopen
from summaries.models import SummaryConfirmation
from summaries.summary_table import (
    State,
    UnreviewedDeclarations,
    decimal_text,
    distribution,
    summary_confirm,
    summary_table,
)
from tests.factories import MemberFactory, OrganizationFactory, post_points

YEAR = 2025


pytestmark = pytest.mark.usefixtures("english")


def item(branch, code="dedication.volunteer"):
    return scheme_for_year(branch=branch, year=YEAR).items.get(code=code)


def post(member, points, month=3, code="dedication.volunteer"):
    return post_points(member, points, year=YEAR, month=month, code=code)


def close_year(branch, secretary):
    for half in (1, 2):
        AppraisalSession.objects.get_or_create(
            branch=branch,
            year=YEAR,
            half=half,
            defaults={"held_on": date(YEAR, 6 * half, 20), "mode": Mode.GRADE, "status": "closed"},
        )
        period_close(branch=branch, year=YEAR, half=half, closed_by=secretary)


@pytest.fixture
def branch_a(bureau):
    """Branch A: four members with points, one vetoed, one exempt."""
    a = bureau.branch_a
    post(bureau.member_a, "12.5")
    post(bureau.other_member_a, "3")
    vetoed = MemberFactory(branch=a, name="赵卫东")
    post(vetoed, "20")
    veto_record(
        member=vetoed, year=YEAR, ground="fraud", facts="弄虚作假", decided_on=date(2025, 9, 1)
    )
    exempt = MemberFactory(branch=a, name="钱秀英")
    Participation.objects.create(member=exempt, year=YEAR, takes_part=False, reason="因病")
    MemberFactory(branch=a, name="孙志强")  # no points: the full base score
    return bureau


def confirm(bureau, who=None):
    return summary_confirm(
        branch=bureau.branch_a, year=YEAR, confirmed_by=who or bureau.secretary_a
    )


# Rows --------------------------------------------------------------------------


def test_the_rows_follow_the_ranking_with_exempt_members_left_out(branch_a):
    table = summary_table(branch_a.branch_a, YEAR)
    assert [(r.number, r.member.name, r.total, r.rank) for r in table.rows] == [
        (1, "张红梅", Decimal("112.5"), 1),
        (2, "李建国", Decimal("103.0"), 2),
        (3, "孙志强", Decimal("100.0"), 3),
        (4, "赵卫东", Decimal("120.0"), 4),  # vetoed: after everyone else
    ]
    assert table.rows[-1].vetoed
    assert table.vetoed_names == ["赵卫东"]
    assert table.state == State.OPEN
    assert list(table.blank_rows) == list(range(5, 21))


def test_figures_are_written_as_the_design_says():
    assert [decimal_text(Decimal(v)) for v in ("100.0", "90.5", "0.0", "-0.0", "207.5")] == [
        "100",
        "90.5",
        "0",
        "0",
        "207.5",
    ]


def test_the_distribution_counts_members_per_band_of_ten(branch_a):
    chart = distribution(summary_table(branch_a.branch_a, YEAR).rows)
    assert chart == {
        "labels": ["100–110", "110–120", "120–130"],
        "values": ["2", "1", "1"],
    }
    assert distribution([]) == {"labels": [], "values": []}


# Confirming --------------------------------------------------------------------


def test_the_secretary_confirms_the_table_of_a_closed_year(branch_a):
    close_year(branch_a.branch_a, branch_a.secretary_a)
    assert summary_table(branch_a.branch_a, YEAR).state == State.UNCONFIRMED
    confirmation = confirm(branch_a)
    assert confirmation.confirmed_by == branch_a.secretary_a
    assert confirmation.confirmed_by_name == "secretary_a"
    assert confirmation.confirmed_at
    table = summary_table(branch_a.branch_a, YEAR)
    assert table.state == State.CONFIRMED
    assert table.secretary_name == "secretary_a"
    event = AuditEvent.objects.get(action="summaries.summary.confirmed")
    assert event.actor == branch_a.secretary_a
    assert event.after["members"] == 4


def test_the_signature_is_the_secretarys_member_name_when_they_have_one(branch_a):
    branch_a.other_member_a.user = branch_a.secretary_a
    branch_a.other_member_a.save()
    close_year(branch_a.branch_a, branch_a.secretary_a)
    assert confirm(branch_a).confirmed_by_name == "李建国"


def test_confirming_an_open_year_is_refused(branch_a):
    with pytest.raises(DomainError, match="Close the year 2025"):
        confirm(branch_a)
    assert not SummaryConfirmation.objects.exists()


@pytest.mark.parametrize("who", ["group_a", "committee_admin", "secretary_b"])
def test_only_the_branch_secretary_confirms(branch_a, who):
    close_year(branch_a.branch_a, branch_a.secretary_a)
    with pytest.raises(PermissionDenied):
        confirm(branch_a, who=getattr(branch_a, who))
    assert not SummaryConfirmation.objects.exists()


def test_confirming_twice_without_a_change_is_refused(branch_a):
    close_year(branch_a.branch_a, branch_a.secretary_a)
    confirm(branch_a)
    with pytest.raises(DomainError, match="already confirmed"):
        confirm(branch_a)
    assert SummaryConfirmation.objects.count() == 1


def test_declarations_awaiting_review_stop_the_confirmation_and_are_listed(branch_a):
    close_year(branch_a.branch_a, branch_a.secretary_a)
    waiting = Declaration.objects.create(
        member=branch_a.member_a,
        branch=branch_a.branch_a,
        year=YEAR,
        month=11,
        status=Declaration.Status.UNDER_REVIEW,
        name="张红梅",
    )
    with pytest.raises(UnreviewedDeclarations) as refused:
        confirm(branch_a)
    assert refused.value.declarations == [waiting]
    assert not SummaryConfirmation.objects.exists()


def test_a_reopened_year_makes_the_confirmation_stale_until_confirmed_again(branch_a):
    close_year(branch_a.branch_a, branch_a.secretary_a)
    confirm(branch_a)
    lock = summary_table(branch_a.branch_a, YEAR).year_lock
    period_reopen(lock=lock, reason="补录", reopened_by=branch_a.committee_admin)
    table = summary_table(branch_a.branch_a, YEAR)
    assert table.state == State.STALE
    assert table.secretary_name == ""
    with pytest.raises(DomainError, match="Close the year"):
        confirm(branch_a)
    period_close(branch=branch_a.branch_a, year=YEAR, half=2, closed_by=branch_a.secretary_a)
    assert summary_table(branch_a.branch_a, YEAR).state == State.STALE  # same totals, new closing
    confirm(branch_a)
    assert summary_table(branch_a.branch_a, YEAR).state == State.CONFIRMED


def test_a_change_of_the_totals_after_confirmation_makes_it_stale(branch_a):
    close_year(branch_a.branch_a, branch_a.secretary_a)
    confirm(branch_a)
    # An exemption filed late is not a ledger entry: it changes the ranking of a closed year.
    from organizations.models import Participation

    Participation.objects.create(member=branch_a.member_a, year=YEAR, takes_part=False)
    assert summary_table(branch_a.branch_a, YEAR).state == State.STALE
    confirm(branch_a)
    assert SummaryConfirmation.objects.count() == 2


# Pages -------------------------------------------------------------------------


def summary_url(name="summary", code="zb1", year=YEAR, **kwargs):
    return reverse(f"summaries:{name}", kwargs={"code": code, "year": year, **kwargs})


def test_the_summary_page_shows_the_table_and_the_chart(branch_a, client_for):
    response = client_for(branch_a.group_a).get(summary_url())
    assert response.status_code == 200
    text = response.content.decode()
    assert "112.5" in text
    assert "钱秀英" not in text
    assert 'id="jf-summary-distribution"' in text
    assert "js/charts.js" in text
    assert 'data-state="open"' in text
    assert 'data-testid="summary-confirm"' not in text


def test_the_secretary_confirms_through_the_page(branch_a, client_for):
    close_year(branch_a.branch_a, branch_a.secretary_a)
    client = client_for(branch_a.secretary_a)
    assert 'data-testid="summary-confirm"' in client.get(summary_url()).content.decode()
    asked = client.post(summary_url("summary_confirm"))
    assert "sent to the party committee as the branch" in asked.content.decode()
    assert not SummaryConfirmation.objects.exists()
    response = client.post(summary_url("summary_confirm"), {"confirmed": "1"}, follow=True)
    text = response.content.decode()
    assert "is confirmed by secretary_a" in text
    assert 'data-state="confirmed"' in text
    assert SummaryConfirmation.objects.count() == 1


def test_a_refused_confirmation_shows_the_reason_and_the_waiting_declarations(branch_a, client_for):
    close_year(branch_a.branch_a, branch_a.secretary_a)
    Declaration.objects.create(
        member=branch_a.member_a,
        branch=branch_a.branch_a,
        year=YEAR,
        month=11,
        status=Declaration.Status.SUBMITTED,
        name="张红梅",
    )
    response = client_for(branch_a.secretary_a).post(summary_url("summary_confirm"), follow=True)
    text = response.content.decode()
    assert "still await review" in text
    assert 'data-testid="summary-unreviewed"' in text
    assert not SummaryConfirmation.objects.exists()


def test_a_group_member_cannot_confirm_through_the_page(branch_a, client_for):
    close_year(branch_a.branch_a, branch_a.secretary_a)
    response = client_for(branch_a.group_a).post(summary_url("summary_confirm"), follow=True)
    assert "Only the branch secretary confirms" in response.content.decode()
    assert not SummaryConfirmation.objects.exists()


@pytest.mark.parametrize("who", ["secretary_b", "member_a_user"])
def test_other_branches_and_members_get_404(branch_a, client_for, who):
    close_year(branch_a.branch_a, branch_a.secretary_a)
    client = client_for(getattr(branch_a, who))
    for url in (
        summary_url(),
        summary_url("summary_print"),
        summary_url("summary_download", fmt="xlsx"),
        summary_url("summary_download", fmt="json"),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(summary_url("summary_confirm")).status_code == 404
    assert not SummaryConfirmation.objects.exists()


def test_an_unknown_download_format_is_404(branch_a, client_for):
    client = client_for(branch_a.secretary_a)
    url = summary_url("summary_download", fmt="xlsx").replace("summary.xlsx", "summary.pdf")
    assert client.get(url).status_code == 404


def test_the_print_page_reproduces_the_form_with_a_blank_signature_even_when_confirmed(
    branch_a, client_for
):
    client = client_for(branch_a.secretary_a)
    text = client.get(summary_url("summary_print")).content.decode()
    assert "党员奉献量化积分制管理汇总表" in text
    assert "单位：第一党支部" in text
    assert 'class="jf-summary-blank"' in text
    assert "年度<br>总积分" in text
    assert text.count("<tr>") >= 21  # the heading and the form's twenty rows
    close_year(branch_a.branch_a, branch_a.secretary_a)
    confirm(branch_a)
    text = client.get(summary_url("summary_print")).content.decode()
    # Confirmed or not, the signature is left for the secretary's hand; the confirmation
    # is a note below the table (it filled the signature with the name).
    head = text[text.index('class="jf-summary-head"') : text.index("jf-summary-form")]
    assert 'data-testid="signature-line"></span>' in head
    assert "secretary_a" not in head
    assert 'data-testid="confirmed-note"' in text
    assert "secretary_a" in text


def xlsx_rows(content):
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    return ws, [
        [c for c in row]
        for row in ws.iter_rows(min_row=4, max_col=7, values_only=True)
        if row[1] is not None
    ]


def test_the_xlsx_reproduces_the_form(branch_a, client_for):
    close_year(branch_a.branch_a, branch_a.secretary_a)
    confirm(branch_a)
    response = client_for(branch_a.committee_admin).get(summary_url("summary_download", fmt="xlsx"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    ws, rows = xlsx_rows(response.content)
    assert "党员奉献量化积分制管理汇总表" in str(ws["A1"].value)
    assert "2025年度" in str(ws["A1"].value)
    assert ws["A2"].value == "单位：第一党支部"
    assert ws["D2"].value.startswith("党组织书记签名：secretary_a")
    assert [c.value for c in ws[3]] == [
        "序号",
        "党员姓名",
        "基本分",
        "奉献分",
        "评议分",
        "扣减分",
        "年度\n总积分",
    ]
    assert [(r[0], r[1], r[6]) for r in rows] == [
        (1, "张红梅", 112.5),
        (2, "李建国", 103),
        (3, "孙志强", 100),
        (4, "赵卫东", 120),
    ]
    assert ws.max_row == 3 + 20 + 2  # twenty numbered rows, the note on the veto, the chain head
    assert ws["A23"].value == 20
    assert ws["A23"].border.left.style == "thin"
    assert "赵卫东" in ws["A24"].value
    assert {"A1:G1", "A2:C2", "D2:G2"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws.page_setup.orientation == "portrait"
    assert ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$3:$3"
    assert ws.column_dimensions["B"].width == 16


def test_the_csv_download_holds_the_same_rows(branch_a, client_for):
    response = client_for(branch_a.secretary_a).get(summary_url("summary_download", fmt="csv"))
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:7] == ["序号", "党员姓名", "基本分", "奉献分", "评议分", "扣减分", "年度总积分"]
    assert [(r[1], r[6], r[7], r[8]) for r in rows[1:]] == [
        ("张红梅", "112.5", "1", "否"),
        ("李建国", "103", "2", "否"),
        ("孙志强", "100", "3", "否"),
        ("赵卫东", "120", "4", "是"),
    ]


def test_the_json_download_is_the_machine_readable_summary(branch_a, client_for):
    response = client_for(branch_a.secretary_a).get(summary_url("summary_download", fmt="json"))
    data = response.json()
    assert data["branch"] == "zb1"
    assert data["year"] == YEAR
    assert [m["name"] for m in data["members"]] == ["张红梅", "李建国", "孙志强", "赵卫东"]


# The committee -----------------------------------------------------------------


def committee_url(year=YEAR):
    return reverse("summaries:summary_committee", kwargs={"year": year})


def test_the_committee_sees_which_branches_have_confirmed(branch_a, client_for):
    close_year(branch_a.branch_a, branch_a.secretary_a)
    confirm(branch_a)
    response = client_for(branch_a.committee_admin).get(committee_url())
    assert response.status_code == 200
    states = {t.branch.code: t.state for t in response.context["tables"]}
    assert states == {"zb1": State.CONFIRMED, "zb2": State.OPEN}
    text = response.content.decode()
    assert 'data-branch="zb1" data-state="confirmed"' in text
    assert summary_url("summary_print") in text  # the confirmed table, to print


@pytest.mark.parametrize("who", ["secretary_a", "secretary_b", "member_a_user"])
def test_only_the_committee_sees_every_branchs_table(branch_a, client_for, who):
    assert client_for(getattr(branch_a, who)).get(committee_url()).status_code == 404


def test_the_menu_entry_leads_each_user_to_their_page(branch_a, client_for):
    home = reverse("summaries:summary_home")
    assert (
        client_for(branch_a.secretary_a)
        .get(home)["Location"]
        .endswith(f"/zb1/{timezone.localdate().year}/summary/")
    )
    assert "committee" in client_for(branch_a.committee_admin).get(home)["Location"]
    assert client_for(branch_a.member_a_user).get(home).status_code == 404


# Queries -----------------------------------------------------------------------


def queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def grow(branch, n):
    for member in MemberFactory.create_batch(n, branch=branch):
        post(member, "1.5", month=5)


def reopen_year(bureau):
    for half in (2, 1):
        lock = PeriodLock.objects.get(
            branch=bureau.branch_a, year=YEAR, half=half, reopened_at__isnull=True
        )
        period_reopen(lock=lock, reason="补录", reopened_by=bureau.committee_admin)


def test_the_summary_page_costs_the_same_queries_as_the_branch_grows(branch_a, client_for):
    close_year(branch_a.branch_a, branch_a.secretary_a)
    confirm(branch_a)
    client = client_for(branch_a.secretary_a)
    few = queries(client, summary_url())
    reopen_year(branch_a)
    grow(branch_a.branch_a, 30)
    close_year(branch_a.branch_a, branch_a.secretary_a)
    confirm(branch_a)
    assert queries(client, summary_url()) == few
    assert queries(client, summary_url("summary_print")) <= few


def test_the_committee_page_costs_the_same_queries_for_more_branches(branch_a, client_for):
    client = client_for(branch_a.committee_admin)
    few = queries(client, committee_url())
    for n in range(3):
        grow(OrganizationFactory(code=f"zbx{n}", parent=branch_a.committee), 5)
    assert queries(client, committee_url()) == few
