"""The branch's year in one report (述职评议): its sections, its print page and workbook,
for the branch's secretary and the committee only."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from appraisals.models import AppraisalSession, Evaluee
from declarations.models import Declaration
from organizations.models import Participation
from oversight.report import branch_report
from oversight.services import spot_check_draw, spot_check_item_record, spot_check_item_respond
from rules.services import scheme_for_year
from tests.factories import post_entry

YEAR = 2025
Status = Declaration.Status


@pytest.fixture
def year_of_a(bureau):
    scheme = scheme_for_year(branch=bureau.branch_a, year=YEAR)
    post_entry(bureau.member_a, "3", year=YEAR, reason="社区志愿服务")
    post_entry(
        bureau.member_a, "2", year=YEAR, month=4, code="dedication.ecology", reason="巡山护林"
    )
    post_entry(bureau.other_member_a, "1.5", year=YEAR, month=4, reason="义务植树")
    for member, month, status in (
        (bureau.member_a, 1, Status.RECOGNISED),
        (bureau.member_a, 2, Status.REJECTED),
        (bureau.other_member_a, 1, Status.SUBMITTED),
        (bureau.other_member_a, 2, Status.DRAFT),
    ):
        Declaration.objects.create(
            member=member,
            branch=member.branch,
            year=YEAR,
            month=month,
            status=status,
            name=member.name,
        )
    session = AppraisalSession.objects.create(
        branch=bureau.branch_a,
        year=YEAR,
        half=1,
        held_on=dt.date(YEAR, 6, 28),
        mode="grade",
        status="closed",
    )
    Evaluee.objects.create(session=session, member=bureau.member_a, score="92.5", grade="excellent")
    Evaluee.objects.create(
        session=session, member=bureau.other_member_a, score="85.0", grade="qualified"
    )
    check = spot_check_draw(
        committee=bureau.committee, year=YEAR, size=1, branches=[bureau.branch_a], seed=5
    )
    item = check.items.get()
    spot_check_item_record(item=item, finding="problem", note="照片不清晰")
    spot_check_item_respond(item=item, response="已补充清晰照片")
    return scheme


def test_the_report_holds_every_section(bureau, year_of_a):
    report = branch_report(bureau.branch_a, YEAR)
    assert (report.participation.members, report.participation.taking_part) == (2, 2)
    counts = {status: n for status, _label, n in report.declarations.by_status}
    assert counts[Status.RECOGNISED] == 1
    assert counts[Status.REJECTED] == 1
    assert counts[Status.SUBMITTED] == 1
    assert Status.DRAFT not in counts
    assert report.declarations.total == 3
    categories = {row.key: (row.points, row.members) for row in report.points.categories}
    assert categories == {
        "ecology": (Decimal("2.0"), 1),
        "volunteer": (Decimal("4.5"), 2),
    }
    assert report.points.dedication == Decimal("6.5")
    assert report.points.base == Decimal("200.0")
    session = report.sessions[0]
    assert (session.half, session.evaluees, session.average) == (1, 2, Decimal("88.8"))
    assert dict(session.grades)["excellent"] == 1
    assert [f.response for f in report.findings] == ["已补充清晰照片"]
    assert report.findings_summary == {"checked": 1, "confirmed": 0, "problems": 1, "open": 1}


def test_a_member_not_taking_part_is_listed_with_the_reason(bureau, year_of_a):
    Participation.objects.create(
        member=bureau.other_member_a, year=YEAR, takes_part=False, reason="因病"
    )
    report = branch_report(bureau.branch_a, YEAR)
    assert report.participation.taking_part == 1
    assert [(a.name, a.reason) for a in report.participation.absent] == [("李建国", "因病")]


def url(name: str, branch, year: int = YEAR) -> str:
    return reverse(f"oversight:{name}", kwargs={"code": branch.code, "year": year})


@pytest.mark.parametrize("who", ["secretary_a", "committee_admin"])
def test_the_secretary_and_the_committee_read_the_report(bureau, year_of_a, client_for, who):
    client = client_for(getattr(bureau, who))
    page = client.get(url("report", bureau.branch_a))
    assert page.status_code == 200
    text = page.content.decode()
    assert "照片不清晰" in text
    assert "已补充清晰照片" in text
    assert "生态保护" in text
    assert "志愿服务" in text
    printed = client.get(url("report_print", bureau.branch_a))
    assert printed.status_code == 200
    assert "年度党员奉献量化积分制管理工作情况" in printed.content.decode()
    assert 'data-testid="report-sheet"' in printed.content.decode()


def test_the_workbook_has_one_sheet_per_section(bureau, year_of_a, client_for):
    response = client_for(bureau.secretary_a).get(url("report_xlsx", bureau.branch_a))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Participation",
        "Declarations",
        "Points by category",
        "Appraisal results",
        "Publications",
        "Objections and answers",
        "Spot-check findings",
        "Contributions on platforms",
    ]
    points = book["Points by category"]
    rows = {r[0]: r[1] for r in points.iter_rows(min_row=4, values_only=True)}
    assert rows["志愿服务"] == Decimal("4.5") or float(rows["志愿服务"]) == 4.5
    findings = [r for r in book["Spot-check findings"].iter_rows(min_row=4, values_only=True)]
    assert findings[0][7] == "已补充清晰照片"


@pytest.mark.parametrize("who", ["secretary_b", "group_a", "recorder_a", "member_a_user"])
def test_anyone_else_gets_404_on_the_report(bureau, year_of_a, client_for, who):
    client = client_for(getattr(bureau, who))
    for name in ("report", "report_print", "report_xlsx"):
        assert client.get(url(name, bureau.branch_a)).status_code == 404


def test_the_report_of_an_unknown_branch_or_a_silly_year_is_404(bureau, client_for):
    client = client_for(bureau.committee_admin)
    assert client.get(url("report", bureau.committee)).status_code == 404
    assert client.get(reverse("oversight:report", args=["nope", YEAR])).status_code == 404
    assert client.get(url("report", bureau.branch_a, 1900)).status_code == 404


def test_the_report_index_takes_a_secretary_to_their_branch(bureau, client_for):
    response = client_for(bureau.secretary_b).get(reverse("oversight:report_index") + "?year=2025")
    assert response["Location"] == url("report", bureau.branch_b)
    assert (
        client_for(bureau.member_a_user).get(reverse("oversight:report_index")).status_code == 404
    )
    committee = client_for(bureau.committee_admin).get(reverse("oversight:report_index"))
    assert committee["Location"].startswith(reverse("oversight:dashboard"))


def test_an_empty_year_still_makes_a_report_and_a_workbook(bureau, client_for):
    client = client_for(bureau.secretary_a)
    assert client.get(url("report", bureau.branch_a, 2024)).status_code == 200
    assert client.get(url("report_xlsx", bureau.branch_a, 2024)).status_code == 200


def test_the_secretary_s_menu_has_the_annual_report(bureau, client_for):
    text = client_for(bureau.secretary_a).get(reverse("core:home")).content.decode()
    assert reverse("oversight:report_index") in text
    assert reverse("oversight:responses") in text


def test_the_report_lists_publications_and_objections_with_their_answers(bureau, year_of_a):
    from django.utils import timezone

    from publicity.models import Objection, Publication

    publication = Publication.objects.create(
        branch=bureau.branch_a,
        year=YEAR,
        quarter=1,
        title="2025年第一季度积分公示",
        as_of=dt.date(YEAR, 3, 31),
        window_start=dt.date(YEAR, 4, 1),
        window_end=dt.date(YEAR, 4, 8),
        window_workdays=5,
        contact_name="李书记",
    )
    Objection.objects.create(
        publication=publication,
        member=bureau.member_a,
        reason="三月志愿服务未计入",
        answer="经核实已补记",
        upheld=True,
        answered_at=timezone.now(),
    )
    report = branch_report(bureau.branch_a, YEAR)
    assert [(p.quarter, p.objections) for p in report.publications] == [(1, 1)]
    objection = report.objections[0]
    assert (objection.member, objection.answer, objection.upheld) == (
        "张红梅",
        "经核实已补记",
        True,
    )
    assert branch_report(bureau.branch_b, YEAR).objections == []
