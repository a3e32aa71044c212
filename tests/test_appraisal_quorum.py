"""The appraisal's quorum, turnout, extension, spoiled forms put back, and ballots that
keep no trace of the order they were cast in."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from appraisals import services
from appraisals.grades import Grade
from appraisals.models import AppraisalSession, Ballot, BallotMark, Mode, Status
from core.errors import DomainError
from core.periods import HalfYear
from ledger.models import Entry
from notifications.models import Notification
from organizations.models import PublicRepresentative
from tests.factories import MemberFactory, UserFactory

E, Q, B, U = Grade.EXCELLENT, Grade.QUALIFIED, Grade.BASIC, Grade.UNQUALIFIED
YEAR = 2026


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def branch_of_28(bureau):
    """Branch A with 28 members taking part (the two of the bureau and 26 more)."""
    members = [bureau.member_a, bureau.other_member_a]
    for n in range(26):
        user = UserFactory(username=f"m{n}") if n < 3 else None
        members.append(MemberFactory(branch=bureau.branch_a, name=f"党员{n:02d}", user=user))
    return members


def open_session(bureau, members, *, representatives=(), quorum=50, held_on=None):
    return services.session_open(
        branch=bureau.branch_a,
        half_year=HalfYear(YEAR, 2),
        held_on=held_on or date(YEAR, 12, 1),
        mode=Mode.GRADE,
        values={E: Decimal(95), Q: Decimal(85), B: Decimal(70), U: Decimal(50)},
        evaluees=members,
        voter_members=members,
        representatives=list(representatives),
        opened_by=bureau.secretary_a,
        quorum_percent=quorum,
    )


def cast(session, codes, members, grade=Q):
    for code in codes:
        services.ballot_cast(code=code.code, marks={m.pk: (grade, None) for m in members})


def test_three_of_28_ballots_do_not_close_the_session(bureau, branch_of_28):
    session = open_session(bureau, branch_of_28)
    codes = services.codes_issue(session=session, issued_by=bureau.secretary_a)
    cast(session, codes[:3], branch_of_28)
    with pytest.raises(services.QuorumNotMet) as refused:
        services.session_close(session=session, closed_by=bureau.secretary_a)
    assert "Only 3 of the 28 members" in refused.value.message
    assert "at least 15" in refused.value.message
    session.refresh_from_db()
    assert session.status == Status.OPEN
    assert not Entry.objects.filter(kind="appraisal").exists()
    cast(session, codes[3:15], branch_of_28)
    services.session_close(session=session, closed_by=bureau.secretary_a)
    session.refresh_from_db()
    assert (session.status, session.members_taking_part) == (Status.CLOSED, 28)


def test_representatives_count_apart_and_a_higher_quorum_binds(bureau, branch_of_28):
    representatives = [
        PublicRepresentative.objects.create(branch=bureau.branch_a, name=f"群众{n}")
        for n in range(5)
    ]
    session = open_session(bureau, branch_of_28, representatives=representatives, quorum=60)
    codes = services.codes_issue(session=session, issued_by=bureau.secretary_a)
    members = [c for c in codes if c.voter.member_id]
    reps = [c for c in codes if c.voter.representative_id]
    cast(session, members[:15] + reps, branch_of_28)
    with pytest.raises(services.QuorumNotMet) as refused:
        services.session_close(session=session, closed_by=bureau.secretary_a)
    turnout = refused.value.counts
    assert (turnout.member_votes, turnout.representative_votes) == (15, 5)
    assert turnout.quorum_needed == 17  # more than 60 % of 28
    cast(session, members[15:17], branch_of_28)
    services.session_close(session=session, closed_by=bureau.secretary_a)


def test_the_close_page_shows_the_turnout_and_offers_an_extension(bureau, branch_of_28, client_for):
    session = open_session(bureau, branch_of_28)
    codes = services.codes_issue(session=session, issued_by=bureau.secretary_a)
    cast(session, codes[:3], branch_of_28)
    client = client_for(bureau.secretary_a)
    url = reverse("appraisals:session_close", kwargs={"pk": session.pk})
    page = client.get(url).content.decode()
    assert "Members who voted: 3 of the 28 taking part (11%)" in page
    assert "Too few members have voted" in page
    refused = client.post(url, follow=True)
    assert "Only 3 of the 28 members" in refused.content.decode()
    assert AppraisalSession.objects.get().status == Status.OPEN
    until = timezone.localdate() + timedelta(days=3)
    extend = reverse("appraisals:session_extend", kwargs={"pk": session.pk})
    assert client.post(extend, {"until": until.isoformat()}).status_code == 302
    session.refresh_from_db()
    assert session.voting_until == until
    # Members with a login who have not voted are told (党员01, 党员02); those who voted
    # (member A, 党员00 among them) are not.
    told = Notification.objects.filter(title__contains="open for your vote")
    assert sorted(n.user.username for n in told) == ["m1", "m2"]


def test_a_code_after_the_extended_day_is_refused(bureau, branch_of_28):
    session = open_session(bureau, branch_of_28)
    codes = services.codes_issue(session=session, issued_by=bureau.secretary_a)
    services.session_extend(session=session, until=timezone.localdate(), extended_by=None)
    AppraisalSession.objects.filter(pk=session.pk).update(
        voting_until=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(services.CodeRefused) as refused:
        cast(session, codes[:1], branch_of_28)
    assert refused.value.reason == "ended"
    with pytest.raises(DomainError):
        services.session_extend(
            session=session, until=timezone.localdate() - timedelta(days=2), extended_by=None
        )


def test_the_turnout_is_on_the_results_and_on_attachment_3(bureau, branch_of_28, client_for):
    session = open_session(bureau, branch_of_28)
    codes = services.codes_issue(session=session, issued_by=bureau.secretary_a)
    cast(session, codes[:20], branch_of_28)
    services.session_close(session=session, closed_by=bureau.secretary_a)
    client = client_for(bureau.secretary_a)
    results = client.get(reverse("appraisals:session_results", kwargs={"pk": session.pk}))
    assert "20 of 28 (71%)" in results.content.decode()
    printed = client.get(reverse("appraisals:form3_filled_print", kwargs={"pk": session.pk}))
    assert "Turnout: 20 of 28 members taking part (71%)" in printed.content.decode()
    content = client.get(reverse("appraisals:form3_filled_xlsx", kwargs={"pk": session.pk}))
    sheet = openpyxl.load_workbook(__import__("io").BytesIO(content.content)).worksheets[0]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("Turnout: 20 of 28 members taking part (71%)" in t for t in texts)


def test_closing_stores_the_ballots_again_in_a_random_order(bureau, branch_of_28):
    session = open_session(bureau, branch_of_28)
    codes = services.codes_issue(session=session, issued_by=bureau.secretary_a)
    for n, code in enumerate(codes[:20]):
        grade = E if n % 2 else Q
        services.ballot_cast(code=code.code, marks={m.pk: (grade, None) for m in branch_of_28})
    cast_ids = list(Ballot.objects.order_by("pk").values_list("pk", flat=True))
    services.session_close(session=session, closed_by=bureau.secretary_a)
    kept = set(Ballot.objects.values_list("pk", flat=True))
    assert len(kept) == 20
    assert kept.isdisjoint(cast_ids)  # no key survives from the time of casting
    assert BallotMark.objects.count() == 20 * 28
    grades = [
        m.grade for m in BallotMark.objects.filter(member=bureau.member_a).order_by("ballot__pk")
    ]
    assert sorted(grades) == sorted([E] * 10 + [Q] * 10)
    session.refresh_from_db()
    assert session.evaluees.get(member=bureau.member_a).score == Decimal("90.0")


def paper_session(bureau):
    session = services.session_open(
        branch=bureau.branch_a,
        half_year=HalfYear(YEAR, 2),
        held_on=date(YEAR, 12, 1),
        mode=Mode.GRADE,
        values={E: Decimal(95), Q: Decimal(85), B: Decimal(70), U: Decimal(50)},
        evaluees=[bureau.member_a, bureau.other_member_a],
        voter_members=[bureau.member_a, bureau.other_member_a],
        representatives=[],
        opened_by=bureau.secretary_a,
    )
    services.voters_to_paper(
        session=session, voters=list(session.voters.all()), handed_by=bureau.secretary_a
    )
    return session


def test_spoiling_a_paper_form_asks_first_and_can_be_put_back(bureau, client_for):
    session = paper_session(bureau)
    client = client_for(bureau.recorder_a)
    url = reverse("appraisals:paper_ballot", kwargs={"pk": session.pk})
    asked = client.post(url, {"spoiled": "1"})
    assert asked.status_code == 200
    assert "Record this paper form as spoiled" in asked.content.decode()
    assert "can be put back" in asked.content.decode()
    assert not Ballot.objects.exists()
    assert client.post(url, {"spoiled": "1", "confirmed": "1"}).status_code == 302
    assert Ballot.objects.get().is_valid is False
    page = client.get(url).content.decode()
    assert "Put back a spoiled form" in page
    unspoil = reverse("appraisals:paper_ballot_unspoil", kwargs={"pk": session.pk})
    assert client.post(unspoil).status_code == 302
    assert not Ballot.objects.exists()
    # The form is keyed in properly now, and the paper votes count for the turnout.
    marks = {
        f"g{bureau.member_a.pk}": E,
        f"g{bureau.other_member_a.pk}": Q,
    }
    assert client.post(url, marks).status_code == 302
    assert client.post(url, marks).status_code == 302
    services.session_close(session=session, closed_by=bureau.secretary_a)


def test_a_spoiled_form_cannot_be_put_back_once_the_session_is_closed(bureau):
    session = paper_session(bureau)
    services.paper_ballot_record(
        session=session, marks={}, spoiled=True, recorded_by=bureau.recorder_a
    )
    marks = {bureau.member_a.pk: (E, None), bureau.other_member_a.pk: (Q, None)}
    services.paper_ballot_record(session=session, marks=marks, recorded_by=bureau.recorder_a)
    services.session_close(session=session, closed_by=bureau.secretary_a)
    with pytest.raises(DomainError, match="closed"):
        services.paper_ballot_unspoil(session=session, recorded_by=bureau.recorder_a)
