"""The appraisal meeting reviews commitments and organisational life (plan 一(三)3: "党支部每
半年召开一次全体党员和群众代表参加的考评会议，对党员履行承诺、参加组织生活会等情况进行评议").
The review sheet and the phone ballot show, for each evaluee, the commitments and how they
were assessed, attendance at 三会一课 and dues paid on time, beside the points so far."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appraisals import services
from appraisals.grades import Grade
from appraisals.models import Mode
from commitments.models import Commitment
from core.periods import HalfYear
from orglife.models import Attendance, DuesRecord, Meeting, MeetingKind
from tests.factories import MemberFactory, post_points

YEAR = 2026
HELD_ON = dt.date(YEAR, 6, 20)
E, Q, B, U = Grade.EXCELLENT, Grade.QUALIFIED, Grade.BASIC, Grade.UNQUALIFIED


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def meeting(branch, kind, day, token):
    return Meeting.objects.create(
        branch=branch,
        kind=kind,
        topic="学习贯彻会议精神",
        starts_at=dt.datetime(
            YEAR, day.month, day.day, 14, 30, tzinfo=timezone.get_current_timezone()
        ),
        signin_token=token,
    )


@pytest.fixture
def lived(bureau):
    """张红梅: two commitments (kept; partly kept), present at 3 of 4 meetings of 三会一课
    and theme days (excused once), dues on time 5 months and late once. 李建国: absent from
    the group meeting, no commitment, no dues recorded. Meetings that do not count: a collective
    study, and a branch meeting after the appraisal meeting."""
    a, member, other = bureau.branch_a, bureau.member_a, bureau.other_member_a
    post_points(member, "6", year=YEAR)
    Commitment.objects.create(
        member=member,
        branch=a,
        year=YEAR,
        topic="post",
        text="按时完成地质遗迹巡查任务",
        status="approved",
        fulfilment="kept",
    )
    Commitment.objects.create(
        member=member,
        branch=a,
        year=YEAR,
        topic="serving",
        text="每季度参加一次社区志愿服务",
        status="approved",
        fulfilment="partly",
        assessment_note="二季度未参加",
    )
    Commitment.objects.create(
        member=member, branch=a, year=YEAR, topic="post", text="尚在起草的承诺", status="draft"
    )
    plan = [
        (MeetingKind.GENERAL_MEETING, dt.date(YEAR, 1, 15), Attendance.Status.PRESENT, "present"),
        (MeetingKind.PARTY_LECTURE, dt.date(YEAR, 3, 22), Attendance.Status.PRESENT, "present"),
        (MeetingKind.THEME_DAY, dt.date(YEAR, 4, 15), Attendance.Status.EXCUSED, "present"),
        (MeetingKind.GROUP_MEETING, dt.date(YEAR, 5, 15), Attendance.Status.PRESENT, "absent"),
        (MeetingKind.STUDY, dt.date(YEAR, 5, 20), Attendance.Status.ABSENT, "absent"),
        (MeetingKind.GENERAL_MEETING, dt.date(YEAR, 9, 15), Attendance.Status.ABSENT, "absent"),
    ]
    for n, (kind, day, mine, theirs) in enumerate(plan):
        held = meeting(a, kind, day, f"t{n}")
        Attendance.objects.create(meeting=held, member=member, status=mine)
        Attendance.objects.create(meeting=held, member=other, status=theirs)
    for month in range(1, 7):
        DuesRecord.objects.create(
            member=member, year=YEAR, month=month, status="late" if month == 4 else "on_time"
        )
    DuesRecord.objects.create(member=member, year=YEAR, month=8, status="late")
    return bureau


def open_session(bureau, extra=()):
    members = [bureau.member_a, bureau.other_member_a, *extra]
    return services.session_open(
        branch=bureau.branch_a,
        half_year=HalfYear(YEAR, 1),
        held_on=HELD_ON,
        mode=Mode.GRADE,
        values={E: Decimal(95), Q: Decimal(85), B: Decimal(70), U: Decimal(50)},
        evaluees=members,
        voter_members=members,
        representatives=[],
        opened_by=bureau.secretary_a,
    )


def codes(session, bureau):
    return [i.code for i in services.codes_issue(session=session, issued_by=bureau.secretary_a)]


def row_of(html: str, member) -> str:
    """The review sheet's row of the member."""
    match = re.search(rf'<tr data-member="{member.pk}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {member.name}"
    return match.group(1)


def facts_blocks(html: str) -> list[str]:
    return re.findall(r'<details class="ap-facts".*?</details>', html, re.S)


def test_the_review_sheet_shows_commitments_attendance_and_dues_beside_the_points(
    lived, client_for
):
    session = open_session(lived)
    html = (
        client_for(lived.secretary_a)
        .get(reverse("appraisals:review_sheet", args=[session.pk]))
        .content.decode()
    )
    mine = row_of(html, lived.member_a)
    assert "按时完成地质遗迹巡查任务" in mine
    assert "kept" in mine
    assert "每季度参加一次社区志愿服务" in mine
    assert "partly kept" in mine
    assert "二季度未参加" in mine
    assert "尚在起草的承诺" not in mine  # a draft is no commitment yet
    assert "3 of 4 meetings (75%)" in mine  # the study and September's meeting left out
    assert "5 of 6 months on time" in mine  # August is after the meeting
    assert "106.0" in mine  # the points so far
    theirs = row_of(html, lived.other_member_a)
    assert "3 of 4 meetings (75%)" in theirs
    assert "1 absence without leave" in theirs
    assert "no approved commitment" in theirs
    assert "no dues recorded" in theirs


def test_the_phone_ballot_shows_the_same_facts_under_each_name(lived):
    session = open_session(lived)
    code = codes(session, lived)[0]
    html = Client().get(reverse("appraisals:ballot", args=[code])).content.decode()
    blocks = facts_blocks(html)
    assert len(blocks) == 2
    mine = next(b for b in blocks if "按时完成地质遗迹巡查任务" in b)
    assert "1 of 2 commitments kept" in mine
    assert "106.0 points so far" in mine
    assert "3 of 4 meetings (75%)" in mine
    assert "5 of 6 months on time" in mine


def test_every_voter_is_shown_the_same_facts(lived):
    """Anonymity: nothing on the ballot depends on who holds the code, so the page cannot
    tell voters apart (and the ballot they cast carries nothing of it)."""
    session = open_session(lived)
    first, second = codes(session, lived)
    pages = [
        Client().get(reverse("appraisals:ballot", args=[code])).content.decode()
        for code in (first, second)
    ]
    assert facts_blocks(pages[0]) == facts_blocks(pages[1])
    # The review step and the cast ballot carry only the marks.
    url = reverse("appraisals:ballot", args=[first])
    marks = {f"g{lived.member_a.pk}": E, f"g{lived.other_member_a.pk}": Q}
    review = Client().post(url, {"step": "review", **marks}).content.decode()
    assert not facts_blocks(review)


def test_the_ballot_and_the_sheet_cost_the_same_queries_for_more_evaluees(lived, client_for):
    def ballot_queries(session):
        code = codes(session, lived)[0]
        client = Client()
        client.get(reverse("appraisals:ballot", args=[code]))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("appraisals:ballot", args=[code])).status_code == 200
        return len(queries)

    def sheet_queries(session):
        client = client_for(lived.secretary_a)
        url = reverse("appraisals:review_sheet", args=[session.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = open_session(lived)
    few = (ballot_queries(small), sheet_queries(small))
    services.session_annul(session=small, reason="重新组织", annulled_by=lived.secretary_a)
    extra = [MemberFactory(branch=lived.branch_a, name=f"党员{n}") for n in range(6)]
    for n, member in enumerate(extra):
        Commitment.objects.create(
            member=member,
            branch=lived.branch_a,
            year=YEAR,
            topic="post",
            text=f"承诺{n}",
            status="approved",
            fulfilment="kept",
        )
        DuesRecord.objects.create(member=member, year=YEAR, month=2, status="on_time")
    big = open_session(lived, extra)
    assert (ballot_queries(big), sheet_queries(big)) == few
