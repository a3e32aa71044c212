"""A branch's forms of the year in one place (附件1–4) and the .zip of its workbooks."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appraisals import services as appraisals
from appraisals.grades import Grade
from appraisals.models import Mode
from core.periods import HalfYear
from tests.factories import MemberFactory

YEAR = 2026
E, Q, B, U = Grade.EXCELLENT, Grade.QUALIFIED, Grade.BASIC, Grade.UNQUALIFIED


def page_url(code="zb1", year=YEAR):
    return reverse("summaries:forms", kwargs={"code": code, "year": year})


def zip_url(code="zb1", year=YEAR):
    return reverse("summaries:forms_zip", kwargs={"code": code, "year": year})


def open_session(bureau, half):
    return appraisals.session_open(
        branch=bureau.branch_a,
        half_year=HalfYear(YEAR, half),
        held_on=date(YEAR, 6 if half == 1 else 12, 20),
        mode=Mode.GRADE,
        values={E: Decimal(95), Q: Decimal(85), B: Decimal(70), U: Decimal(50)},
        evaluees=[bureau.member_a, bureau.other_member_a],
        voter_members=[bureau.member_a, bureau.other_member_a],
        representatives=[],
        opened_by=bureau.secretary_a,
    )


def closed_session(bureau, half=1):
    session = open_session(bureau, half)
    issued = appraisals.codes_issue(session=session, issued_by=bureau.secretary_a)
    for one in issued:
        appraisals.ballot_cast(
            code=one.code,
            marks={bureau.member_a.pk: (E, None), bureau.other_member_a.pk: (Q, None)},
        )
    return appraisals.session_close(session=session, closed_by=bureau.secretary_a)


@pytest.mark.parametrize("who", ["secretary_a", "group_a", "recorder_a", "committee_admin"])
def test_the_page_renders_for_the_branch_officers_and_the_committee(bureau, client_for, who):
    response = client_for(getattr(bureau, who)).get(page_url())
    assert response.status_code == 200
    html = response.content.decode()
    for testid in ("forms-form1", "forms-form2", "forms-form3", "forms-form4", "forms-zip"):
        assert f'data-testid="{testid}"' in html
    assert reverse("summaries:branch_cards_xlsx", kwargs={"code": "zb1", "year": YEAR}) in html
    assert (
        reverse("summaries:summary_download", kwargs={"code": "zb1", "year": YEAR, "fmt": "json"})
        in html
    )
    assert 'data-state="open"' in html


@pytest.mark.parametrize("who", ["member_a_user", "secretary_b", "member_b_user"])
def test_a_member_and_a_secretary_of_another_branch_get_404(bureau, client_for, who):
    client = client_for(getattr(bureau, who))
    assert client.get(page_url()).status_code == 404
    assert client.get(zip_url()).status_code == 404


def test_an_unknown_branch_or_a_year_out_of_range_is_404(bureau, client_for):
    client = client_for(bureau.committee_admin)
    assert client.get(page_url(code="nope")).status_code == 404
    assert client.get(page_url(code="jgdw")).status_code == 404
    assert client.get(page_url(year=1900)).status_code == 404


def test_sessions_list_blank_forms_and_filled_forms_only_once_closed(bureau, client_for):
    closed = closed_session(bureau, half=1)
    still_open = open_session(bureau, half=2)
    html = client_for(bureau.secretary_a).get(page_url()).content.decode()
    for session in (closed, still_open):
        assert reverse("appraisals:form3_xlsx", kwargs={"pk": session.pk}) in html
        assert reverse("appraisals:form3_print", kwargs={"pk": session.pk}) in html
    assert reverse("appraisals:form3_filled_xlsx", kwargs={"pk": closed.pk}) in html
    assert reverse("appraisals:form3_filled_print", kwargs={"pk": closed.pk}) in html
    assert reverse("appraisals:form3_filled_xlsx", kwargs={"pk": still_open.pk}) not in html


def test_the_months_link_to_the_declarations_queue_of_the_branch(bureau, client_for):
    html = client_for(bureau.secretary_a).get(page_url(year=2025)).content.decode()
    assert html.count('data-testid="forms-month"') == 12
    assert "branch=zb1&amp;month=2025-03&amp;status=all" in html


def test_the_branch_table_links_to_the_page(bureau, client_for):
    url = reverse("summaries:branch_table", kwargs={"code": "zb1", "year": YEAR})
    html = client_for(bureau.secretary_a).get(url).content.decode()
    assert page_url() in html


def test_the_menu_entry_leads_an_officer_to_their_branch(bureau, client_for):
    response = client_for(bureau.secretary_a).get(reverse("summaries:forms_home"))
    assert response.status_code == 302
    assert "/branch/zb1/" in response["Location"]
    assert client_for(bureau.member_a_user).get(reverse("summaries:forms_home")).status_code == 404


def test_the_zip_holds_the_cards_each_closed_session_and_the_summary(bureau, client_for):
    closed_session(bureau, half=1)
    open_session(bureau, half=2)
    response = client_for(bureau.secretary_a).get(zip_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert names == [
        f"附件2-党员奉献量化积分制管理记录卡-第一党支部-{YEAR}.xlsx",
        f"附件3-党员奉献量化积分民主评议表-第一党支部-{YEAR}年第1半年.xlsx",
        f"附件4-党员奉献量化积分制管理汇总表-第一党支部-{YEAR}.xlsx",
    ]
    books = {name: openpyxl.load_workbook(io.BytesIO(archive.read(name))) for name in names}
    cards = books[names[0]]
    assert len(cards.sheetnames) == 2  # a sheet per member of branch A
    assert "王晓燕" not in "".join(cards.sheetnames)  # branch B's member is not there
    form3 = books[names[1]]
    assert len(form3.sheetnames) == 2  # the filled form and its results
    assert books[names[2]].active.max_row >= 20


def test_the_page_makes_no_query_per_member_or_session(bureau, client_for):
    client = client_for(bureau.secretary_a)
    client.get(page_url())  # warm up caches (sessions, content types)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url()).status_code == 200
        return len(captured)

    before = queries()
    closed_session(bureau, half=1)
    for n in range(6):
        MemberFactory(branch=bureau.branch_a, name=f"成员{n}")
    open_session(bureau, half=2)
    assert queries() == before
