"""评议 pages: who may open them, the voter's pages without login, printing and exports."""

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from appraisals import services
from appraisals.grades import Grade
from appraisals.models import AppraisalSession, Ballot, Mode, Status, Voter, VotingCode
from audit.models import AuditEvent
from core.periods import HalfYear
from ledger.models import Entry
from organizations.models import PublicRepresentative

E, Q, B, U = Grade.EXCELLENT, Grade.QUALIFIED, Grade.BASIC, Grade.UNQUALIFIED


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def open_session(bureau, *, half=1, mode=Mode.GRADE, branch=None):
    branch = branch or bureau.branch_a
    members = (
        [bureau.member_a, bureau.other_member_a] if branch == bureau.branch_a else [bureau.member_b]
    )
    return services.session_open(
        branch=branch,
        half_year=HalfYear(2026, half),
        held_on=date(2026, 6, 20),
        mode=mode,
        values={E: Decimal(95), Q: Decimal(85), B: Decimal(70), U: Decimal(50)},
        evaluees=members,
        voter_members=members,
        representatives=[],
        opened_by=bureau.secretary_a if branch == bureau.branch_a else bureau.secretary_b,
    )


def issue(session, user):
    return {i.voter.name: i.code for i in services.codes_issue(session=session, issued_by=user)}


def ballot_data(bureau, step, a=E, b=Q, a_score="", b_score=""):
    return {
        "step": step,
        f"g{bureau.member_a.pk}": a,
        f"s{bureau.member_a.pk}": a_score,
        f"g{bureau.other_member_a.pk}": b,
        f"s{bureau.other_member_a.pk}": b_score,
    }


def session_urls(session):
    pk = session.pk
    names = [
        "session_detail",
        "session_count",
        "session_close",
        "session_annul",
        "paper_ballot",
        "review_sheet",
        "form3_print",
        "form3_xlsx",
    ]
    return [reverse(f"appraisals:{name}", kwargs={"pk": pk}) for name in names]


# -- Access ---------------------------------------------------------------------------


def test_a_secretary_of_another_branch_gets_404(bureau, client_for):
    session = open_session(bureau)
    client = client_for(bureau.secretary_b)
    for url in session_urls(session):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("appraisals:codes_issue", args=[session.pk])).status_code == 404
    assert client.post(reverse("appraisals:session_close", args=[session.pk])).status_code == 404
    assert client.get(reverse("appraisals:session_create", args=["zb1"])).status_code == 404
    assert not VotingCode.objects.exists()


def test_a_member_cannot_open_the_session_pages(bureau, client_for):
    session = open_session(bureau)
    client = client_for(bureau.member_a_user)
    assert client.get(reverse("appraisals:index")).status_code == 404
    for url in session_urls(session):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("appraisals:session_create", args=["zb1"])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(bureau):
    session = open_session(bureau)
    response = Client().get(reverse("appraisals:session_detail", args=[session.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_group_sees_the_session_but_only_the_secretary_runs_it(bureau, client_for):
    session = open_session(bureau)
    client = client_for(bureau.group_a)
    assert client.get(reverse("appraisals:session_detail", args=[session.pk])).status_code == 200
    assert client.post(reverse("appraisals:codes_issue", args=[session.pk])).status_code == 403
    assert client.get(reverse("appraisals:session_create", args=["zb1"])).status_code == 403
    assert client.post(reverse("appraisals:session_close", args=[session.pk])).status_code == 403


def test_the_index_lists_only_the_users_branches_in_constant_queries(bureau, client_for):
    open_session(bureau)
    open_session(bureau, branch=bureau.branch_b)
    client = client_for(bureau.secretary_a)
    response = client.get(reverse("appraisals:index"))
    assert response.status_code == 200
    assert "第一党支部" in response.content.decode()
    assert "第二党支部" not in response.content.decode()
    with CaptureQueriesContext(connection) as few:
        client_for(bureau.committee_admin).get(reverse("appraisals:index"))
    open_session(bureau, half=2)
    open_session(bureau, half=2, branch=bureau.branch_b)
    with CaptureQueriesContext(connection) as more:
        client_for(bureau.committee_admin).get(reverse("appraisals:index"))
    assert len(more) == len(few)


# -- Opening, codes, the voter's pages --------------------------------------------------


def test_the_secretary_opens_a_session_through_the_form(bureau, client_for):
    PublicRepresentative.objects.create(branch=bureau.branch_a, name="赵群众")
    client = client_for(bureau.secretary_a)
    url = reverse("appraisals:session_create", args=["zb1"])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert set(form.initial["evaluees"]) == {bureau.member_a.pk, bureau.other_member_a.pk}
    data = {
        "half_year": "2026-1",
        "held_on": "2026-06-20",
        "mode": "score",
        "value_excellent": "96",
        "value_qualified": "85",
        "value_basic": "70",
        "value_unqualified": "50",
        "evaluees": [bureau.member_a.pk, bureau.other_member_a.pk],
        "voter_members": [bureau.member_a.pk],
        "representatives": [form.initial["representatives"][0]],
        "quorum_percent": "60",
    }
    response = client.post(url, data)
    session = AppraisalSession.objects.get()
    assert response.status_code == 302
    assert session.value_excellent == Decimal("96")
    assert session.quorum_percent == 60
    assert session.voters.count() == 2
    # A member of another branch in the post is refused next to the field, not a 500.
    data["evaluees"] = [bureau.member_b.pk]
    data["half_year"] = "2026-2"
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["evaluees"]
    # A grade value outside its band is refused with a message.
    data["evaluees"] = [bureau.member_a.pk]
    data["value_excellent"] = "80"
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert AppraisalSession.objects.count() == 1


def test_issuing_codes_prints_slips_with_qr_codes_drawn_by_the_app(bureau, client_for):
    session = open_session(bureau)
    client = client_for(bureau.secretary_a)
    response = client.post(reverse("appraisals:codes_issue", args=[session.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert html.count('class="qr"') == 2
    assert html.count('data-testid="slip-code"') == 2
    codes = re.findall(r'data-testid="slip-code">([A-Z0-9-]{11})<', html)
    assert len(codes) == 2
    assert "http://testserver/appraisals/v/" in html
    assert not re.search(r'src="https?://', html)
    # Issuing again gives nobody a second code.
    again = client.post(reverse("appraisals:codes_issue", args=[session.pk]))
    assert again.status_code == 302
    assert VotingCode.objects.count() == 2


def test_a_voter_opens_reviews_and_casts_a_ballot_without_signing_in(bureau):
    session = open_session(bureau)
    code = issue(session, bureau.secretary_a)["张红梅"]
    voter = Client()
    start = voter.post(reverse("appraisals:vote_start"), {"code": code[:5] + "-" + code[5:]})
    assert start.status_code == 302
    url = reverse("appraisals:ballot", args=[code])
    assert start["Location"] == url
    page = voter.get(url)
    assert page.status_code == 200
    assert "李建国" in page.content.decode()
    review = voter.post(url, ballot_data(bureau, "review"))
    assert review.status_code == 200
    assert "appraisals/ballot_review.html" in [t.name for t in review.templates]
    assert not Ballot.objects.exists()
    cast = voter.post(url, ballot_data(bureau, "cast"))
    assert cast.status_code == 302
    assert cast["Location"] == reverse("appraisals:vote_done")
    assert Ballot.objects.count() == 1
    again = voter.post(url, ballot_data(bureau, "cast", a=U))
    assert again.status_code == 400
    assert "already been used" in again.content.decode()
    assert Ballot.objects.count() == 1


def test_a_ballot_missing_a_member_comes_back_with_the_reason(bureau):
    session = open_session(bureau)
    code = issue(session, bureau.secretary_a)["张红梅"]
    url = reverse("appraisals:ballot", args=[code])
    data = ballot_data(bureau, "cast")
    del data[f"g{bureau.other_member_a.pk}"]
    response = Client().post(url, data)
    assert response.status_code == 400
    assert "Choose a grade." in response.content.decode()
    assert not Ballot.objects.exists()
    assert not VotingCode.objects.filter(used=True).exists()


def test_a_score_outside_the_grade_comes_back_with_the_reason(bureau):
    session = open_session(bureau, mode=Mode.SCORE)
    code = issue(session, bureau.secretary_a)["张红梅"]
    url = reverse("appraisals:ballot", args=[code])
    response = Client().post(url, ballot_data(bureau, "review", a_score="75"))
    assert response.status_code == 400
    assert "lies within 90–100" in response.content.decode()
    response = Client().post(url, ballot_data(bureau, "cast", a_score="abc"))
    assert response.status_code == 400
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("step", ["cast", "review", "edit", "nonsense"])
def test_odd_ballot_posts_never_fail(bureau, step):
    session = open_session(bureau, mode=Mode.SCORE)
    code = issue(session, bureau.secretary_a)["张红梅"]
    url = reverse("appraisals:ballot", args=[code])
    response = Client().post(url, {"step": step, f"g{bureau.member_a.pk}": "x" * 100, "s1": "1e9"})
    assert response.status_code in {200, 400}


def test_an_unknown_code_gets_a_clear_message_and_is_audited(bureau):
    open_session(bureau)
    response = Client().get(reverse("appraisals:ballot", args=["ABCDEFGHJK"]))
    assert response.status_code == 400
    assert "does not exist" in response.content.decode()
    event = AuditEvent.objects.get(action="appraisals.code.refused")
    assert event.after["reason"] == "unknown"
    assert event.after["count"] == 1
    assert event.client_address == "127.0.0.1"


def test_a_code_of_a_closed_session_says_voting_has_ended(bureau):
    session = open_session(bureau)
    codes = issue(session, bureau.secretary_a)
    for name in ("张红梅", "李建国"):
        services.ballot_cast(
            code=codes[name],
            marks={bureau.member_a.pk: (E, None), bureau.other_member_a.pk: (Q, None)},
        )
    services.session_close(session=session, closed_by=bureau.secretary_a)
    response = Client().get(reverse("appraisals:ballot", args=[codes["李建国"]]))
    assert response.status_code == 400
    assert "has ended" in response.content.decode()


def test_wrong_codes_from_one_address_never_lock_out_a_right_one(bureau):
    """An office behind one NAT: ten wrong codes from the address (a colleague mistyping,
    or someone guessing) and the next colleague's right code still votes."""
    session = open_session(bureau)
    codes = issue(session, bureau.secretary_a)
    office = Client(REMOTE_ADDR="10.1.2.3")
    start = reverse("appraisals:vote_start")
    for n in range(9):
        assert office.post(start, {"code": f"ABCDEFGH{n + 2}K"}).status_code == 400
    tenth = office.post(start, {"code": "ZZZZZZZZZZ"})
    assert tenth.status_code == 429
    assert "a right code is always accepted" in tenth.content.decode()

    good = codes["张红梅"]
    opened = office.post(start, {"code": good})
    assert opened.status_code == 302
    assert opened["Location"] == reverse("appraisals:ballot", args=[good])
    url = reverse("appraisals:ballot", args=[good])
    assert office.get(url).status_code == 200
    assert office.post(url, ballot_data(bureau, "cast")).status_code == 302
    assert Ballot.objects.count() == 1
    # Wrong codes go on being told "too many"; they are audited by count, not one by one.
    assert office.post(start, {"code": "YYYYYYYYYY"}).status_code == 429
    assert AuditEvent.objects.filter(action="appraisals.code.locked_out").count() == 1
    refused = AuditEvent.objects.filter(action="appraisals.code.refused").order_by("pk")
    assert [event.after["count"] for event in refused] == [1, 10]
    assert all(event.client_address == "10.1.2.3" for event in refused)


# -- The secretary's side -----------------------------------------------------------------


def test_the_live_count_shows_codes_used_not_votes(bureau, client_for):
    session = open_session(bureau)
    codes = issue(session, bureau.secretary_a)
    services.ballot_cast(
        code=codes["张红梅"],
        marks={bureau.member_a.pk: (U, None), bureau.other_member_a.pk: (U, None)},
    )
    client = client_for(bureau.secretary_a)
    response = client.get(reverse("appraisals:session_count", args=[session.pk]))
    html = response.content.decode()
    assert "1 / 2" in html
    assert 'hx-trigger="every 5s"' in html
    assert all(str(grade.label) not in html for grade in Grade)
    detail = client.get(reverse("appraisals:session_detail", args=[session.pk])).content.decode()
    assert "Session score" not in detail
    results = client.get(reverse("appraisals:session_results", args=[session.pk]))
    assert results.status_code == 302


def test_voiding_and_reissuing_a_code_through_the_page(bureau, client_for):
    session = open_session(bureau)
    old = issue(session, bureau.secretary_a)["张红梅"]
    voter = Voter.objects.get(session=session, member=bureau.member_a)
    client = client_for(bureau.secretary_a)
    response = client.post(reverse("appraisals:code_reissue", args=[session.pk, voter.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="slip"') == 1
    assert Client().get(reverse("appraisals:ballot", args=[old])).status_code == 400
    response = client.post(reverse("appraisals:code_void", args=[session.pk, voter.pk]))
    assert response.status_code == 302
    assert VotingCode.objects.filter(voter=voter, voided=False).count() == 0
    # A voter of another session is 404.
    other = open_session(bureau, branch=bureau.branch_b)
    stranger = other.voters.get()
    assert (
        client.post(reverse("appraisals:code_void", args=[session.pk, stranger.pk])).status_code
        == 404
    )


def test_the_recorder_keys_paper_forms_up_to_the_number_handed_out(bureau, client_for):
    session = open_session(bureau)
    secretary = client_for(bureau.secretary_a)
    voter = Voter.objects.get(session=session, member=bureau.member_a)
    secretary.post(reverse("appraisals:voters_to_paper", args=[session.pk]), {"voter": voter.pk})
    recorder = client_for(bureau.recorder_a)
    url = reverse("appraisals:paper_ballot", args=[session.pk])
    page = recorder.get(url)
    assert page.status_code == 200
    assert "0 / 1" in page.content.decode()
    missing = recorder.post(url, {f"g{bureau.member_a.pk}": E})
    assert missing.status_code == 200
    assert not Ballot.objects.exists()
    assert recorder.post(url, ballot_data(bureau, "")).status_code == 302
    refused = recorder.post(url, ballot_data(bureau, ""))
    assert "have been keyed in" in refused.content.decode()
    assert Ballot.objects.filter(source="paper").count() == 1
    assert client_for(bureau.secretary_b).get(url).status_code == 404
    assert client_for(bureau.member_a_user).get(url).status_code == 404


def test_closing_shows_the_results_and_records_the_scores(bureau, client_for):
    session = open_session(bureau)
    codes = issue(session, bureau.secretary_a)
    for name, (a, b) in {"张红梅": (E, Q), "李建国": (Q, B)}.items():
        services.ballot_cast(
            code=codes[name],
            marks={bureau.member_a.pk: (a, None), bureau.other_member_a.pk: (b, None)},
        )
    client = client_for(bureau.secretary_a)
    url = reverse("appraisals:session_close", args=[session.pk])
    assert "2 of 2" in client.get(url).content.decode()
    response = client.post(url)
    assert response["Location"] == reverse("appraisals:session_results", args=[session.pk])
    results = client.get(response["Location"])
    html = results.content.decode()
    assert "90.0" in html
    assert "77.5" in html
    assert Entry.objects.filter(source_ref=session.source_ref).count() == 2
    # Closing again does not reopen or post twice.
    again = client.post(url)
    assert again.status_code == 302
    assert Entry.objects.filter(source_ref=session.source_ref).count() == 2
    # The group may read the results; another branch may not.
    assert client_for(bureau.group_a).get(response["Location"]).status_code == 200
    assert client_for(bureau.secretary_b).get(response["Location"]).status_code == 404


def test_annulling_through_the_page_needs_a_reason(bureau, client_for):
    session = open_session(bureau)
    client = client_for(bureau.secretary_a)
    url = reverse("appraisals:session_annul", args=[session.pk])
    assert client.post(url, {"reason": ""}).status_code == 200
    assert client.post(url, {"reason": "日期错误"}).status_code == 302
    session.refresh_from_db()
    assert session.status == Status.ANNULLED
    assert AuditEvent.objects.filter(action="appraisals.session.annulled").count() == 1


# -- Printing and attachment 3 ------------------------------------------------------------


def test_the_blank_form_3_workbook_reproduces_the_form(bureau, client_for):
    session = open_session(bureau)
    response = client_for(bureau.secretary_a).get(
        reverse("appraisals:form3_xlsx", args=[session.pk])
    )
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet["A1"].value == "党员奉献量化积分民主评议表"
    assert "A1:F1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A3"].value == "序号"
    assert "评议对象" in sheet["B3"].value
    assert "综合评定" in sheet["B3"].value
    assert sheet["C3"].value == "优 秀\n（90分-100分）"
    assert sheet["F3"].value == "不 合 格\n（60分以下）"
    assert [sheet.cell(row=r, column=2).value for r in (4, 5)] == ["张红梅", "李建国"]
    assert sheet.cell(row=21, column=1).value == 18
    assert sheet.cell(row=4, column=3).value is None
    assert sheet["C4"].border.left.style == "thin"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.column_dimensions["B"].width == 22


def test_the_filled_form_3_carries_the_votes_per_grade(bureau, client_for):
    session = open_session(bureau)
    codes = issue(session, bureau.secretary_a)
    for name, (a, b) in {"张红梅": (E, Q), "李建国": (E, U)}.items():
        services.ballot_cast(
            code=codes[name],
            marks={bureau.member_a.pk: (a, None), bureau.other_member_a.pk: (b, None)},
        )
    client = client_for(bureau.secretary_a)
    filled_url = reverse("appraisals:form3_filled_xlsx", args=[session.pk])
    assert client.get(filled_url).status_code == 404  # not before closing
    services.session_close(session=session, closed_by=bureau.secretary_a)
    workbook = load_workbook(BytesIO(client.get(filled_url).content))
    sheet = workbook.worksheets[0]
    assert [sheet.cell(row=4, column=c).value for c in range(2, 7)] == ["张红梅", 2, 0, 0, 0]
    assert [sheet.cell(row=5, column=c).value for c in range(2, 7)] == ["李建国", 0, 1, 0, 1]
    scores = workbook.worksheets[1]
    assert scores.cell(row=4, column=7).value == 95
    assert scores.cell(row=5, column=8).value == "基本合格"  # (85 + 50) / 2 = 67.5


def test_the_print_pages_render_for_officers(bureau, client_for):
    session = open_session(bureau)
    client = client_for(bureau.recorder_a)
    page = client.get(reverse("appraisals:form3_print", args=[session.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "党员奉献量化积分民主评议表" in html
    assert "张红梅" in html
    review = client.get(reverse("appraisals:review_sheet", args=[session.pk]))
    assert review.status_code == 200
    assert "100.0" in review.content.decode()  # full base score so far
    assert (
        client.get(reverse("appraisals:form3_filled_print", args=[session.pk])).status_code == 404
    )


# -- Printing the slips again --------------------------------------------------------


def vote_marks(bureau):
    return {bureau.member_a.pk: (E, None), bureau.other_member_a.pk: (Q, None)}


def slip_codes(response) -> dict[str, str]:
    """{voter name: code} on a sheet of slips."""
    html = response.content.decode()
    names = re.findall(r'class="ap-slip-voter">([^<]+)<', html)
    codes = re.findall(r'data-testid="slip-code">([A-Z0-9-]{11})<', html)
    return dict(zip(names, [c.replace("-", "") for c in codes], strict=True))


def test_a_closed_sheet_of_slips_is_printed_again_in_one_step(bureau, client_for):
    """The slips tab was closed before printing: the codes were gone, to be reissued one by
    one. Now the unused ones are replaced for everyone in one step, the voted left alone."""
    session = open_session(bureau)
    client = client_for(bureau.secretary_a)
    first = slip_codes(client.post(reverse("appraisals:codes_issue", args=[session.pk])))
    services.ballot_cast(code=first["李建国"], marks=vote_marks(bureau))
    page = client.get(reverse("appraisals:session_detail", args=[session.pk])).content.decode()
    assert 'data-testid="reprint-slips"' in page
    voter_a = Voter.objects.get(session=session, member=bureau.member_a)
    voter_b = Voter.objects.get(session=session, member=bureau.other_member_a)
    assert f'name="voters" value="{voter_a.pk}"' in page
    assert f'name="voters" value="{voter_b.pk}"' not in page  # voted: nothing to reprint

    url = reverse("appraisals:codes_reissue_unused", args=[session.pk])
    response = client.post(url, {"voters": [voter_a.pk, voter_b.pk], "confirm": "1"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    again = slip_codes(response)
    assert list(again) == ["张红梅"]
    assert again["张红梅"] != first["张红梅"]
    with pytest.raises(services.CodeRefused):
        services.find_code(first["张红梅"])  # the lost slip no longer votes
    services.ballot_cast(code=again["张红梅"], marks=vote_marks(bureau))
    assert Ballot.objects.filter(session=session).count() == 2
    event = AuditEvent.objects.get(action="appraisals.codes.reissued")
    assert event.after == {"voters": [voter_a.pk], "voided_previous": 1}
    assert first["张红梅"] not in str(event.after)
    assert again["张红梅"] not in str(event.after)


def test_printing_again_needs_the_confirmation_and_a_voter(bureau, client_for):
    session = open_session(bureau)
    client = client_for(bureau.secretary_a)
    first = slip_codes(client.post(reverse("appraisals:codes_issue", args=[session.pk])))
    url = reverse("appraisals:codes_reissue_unused", args=[session.pk])
    voter = Voter.objects.get(session=session, member=bureau.member_a)
    for data in ({"voters": [voter.pk]}, {"confirm": "1"}, {"voters": ["x"], "confirm": "1"}):
        assert client.post(url, data).status_code == 302
    assert services.find_code(first["张红梅"])  # nothing was voided
    assert not AuditEvent.objects.filter(action="appraisals.codes.reissued").exists()


@pytest.mark.parametrize("who", ["secretary_b", "member_a_user"])
def test_nobody_else_prints_the_slips_again(bureau, client_for, who):
    session = open_session(bureau)
    first = issue(session, bureau.secretary_a)
    voter = Voter.objects.get(session=session, member=bureau.member_a)
    url = reverse("appraisals:codes_reissue_unused", args=[session.pk])
    response = client_for(getattr(bureau, who)).post(url, {"voters": [voter.pk], "confirm": "1"})
    assert response.status_code == 404
    assert services.find_code(first["张红梅"])


def test_a_closed_session_prints_no_slips_again(bureau, client_for):
    session = open_session(bureau)
    issue(session, bureau.secretary_a)
    AppraisalSession.objects.filter(pk=session.pk).update(status=Status.CLOSED)
    voter = Voter.objects.get(session=session, member=bureau.member_a)
    url = reverse("appraisals:codes_reissue_unused", args=[session.pk])
    client = client_for(bureau.secretary_a)
    response = client.post(url, {"voters": [voter.pk], "confirm": "1"}, follow=True)
    assert b"alert-danger" in response.content
    assert VotingCode.objects.filter(session=session).count() == 2
