"""评议: sessions, one-time codes, anonymous ballots, closing into the ledger."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection, models

from appraisals import services
from appraisals.grades import BallotInvalid, Grade, MarkRow, check_marks, grade_for, session_results
from appraisals.models import (
    AppraisalSession,
    Ballot,
    BallotMark,
    Mode,
    Status,
    Voter,
    VotingCode,
)
from audit.models import AuditEvent
from core.errors import DomainError
from core.periods import HalfYear
from ledger.models import Entry, PeriodLock
from ledger.totals import branch_year
from organizations.models import PublicRepresentative
from tests.factories import MemberFactory

E, Q, B, U = Grade.EXCELLENT, Grade.QUALIFIED, Grade.BASIC, Grade.UNQUALIFIED


def open_session(bureau, *, half=1, mode=Mode.GRADE, representatives=(), year=2026):
    return services.session_open(
        branch=bureau.branch_a,
        half_year=HalfYear(year, half),
        held_on=date(year, 6 if half == 1 else 12, 20),
        mode=mode,
        values={E: Decimal(95), Q: Decimal(85), B: Decimal(70), U: Decimal(50)},
        evaluees=[bureau.member_a, bureau.other_member_a],
        voter_members=[bureau.member_a, bureau.other_member_a],
        representatives=list(representatives),
        opened_by=bureau.secretary_a,
    )


def vote(bureau, a, b, *, a_score=None, b_score=None):
    """Marks for the two appraised members of branch A."""
    return {bureau.member_a.pk: (a, a_score), bureau.other_member_a.pk: (b, b_score)}


def issue_all(session, bureau):
    return {
        i.voter.name: i.code
        for i in services.codes_issue(session=session, issued_by=bureau.secretary_a)
    }


def members_vote(session, bureau, a, b):
    """Both members of branch A cast the same ballot: more than half, the quorum."""
    codes = issue_all(session, bureau)
    for name in ("张红梅", "李建国"):
        services.ballot_cast(code=codes[name], marks=vote(bureau, a, b))
    return codes


@pytest.fixture
def representative(bureau):
    return PublicRepresentative.objects.create(branch=bureau.branch_a, name="赵群众")


def test_opening_a_session_lists_the_appraised_members_and_the_voters(bureau, representative):
    session = open_session(bureau, representatives=[representative])
    assert [e.member for e in session.evaluees.all()] == [bureau.member_a, bureau.other_member_a]
    assert [v.name for v in session.voters.all()] == ["张红梅", "李建国", "赵群众"]
    assert session.status == Status.OPEN
    assert session.ledger_month == 6
    assert AuditEvent.objects.filter(action="appraisals.session.opened").count() == 1


def test_a_second_session_for_the_same_half_is_refused(bureau):
    open_session(bureau)
    with pytest.raises(DomainError):
        open_session(bureau)


def test_a_grade_value_outside_its_grade_is_refused(bureau):
    with pytest.raises(DomainError):
        services.session_open(
            branch=bureau.branch_a,
            half_year=HalfYear(2026, 1),
            held_on=date(2026, 6, 20),
            mode=Mode.GRADE,
            values={E: Decimal(95), Q: Decimal(91), B: Decimal(70), U: Decimal(50)},
            evaluees=[bureau.member_a],
            voter_members=[bureau.member_a],
            representatives=[],
            opened_by=bureau.secretary_a,
        )
    assert not AppraisalSession.objects.exists()


def test_a_member_of_another_branch_cannot_be_appraised_or_vote(bureau):
    with pytest.raises(DomainError):
        services.session_open(
            branch=bureau.branch_a,
            half_year=HalfYear(2026, 1),
            held_on=date(2026, 6, 20),
            mode=Mode.GRADE,
            values={E: Decimal(95), Q: Decimal(85), B: Decimal(70), U: Decimal(50)},
            evaluees=[bureau.member_a],
            voter_members=[bureau.member_b],
            representatives=[],
            opened_by=bureau.secretary_a,
        )


def test_codes_are_stored_only_as_a_keyed_hash(bureau):
    session = open_session(bureau)
    issued = issue_all(session, bureau)
    assert len(issued) == 2
    stored = list(VotingCode.objects.values_list("code_hash", flat=True))
    for code in issued.values():
        assert len(code) == 10
        assert all(code not in value for value in stored)


def test_issuing_twice_gives_codes_only_to_voters_without_one(bureau):
    session = open_session(bureau)
    issue_all(session, bureau)
    assert services.codes_issue(session=session, issued_by=bureau.secretary_a) == []


def test_one_code_casts_one_ballot_even_when_submitted_twice(bureau):
    session = open_session(bureau)
    code = issue_all(session, bureau)["张红梅"]
    services.ballot_cast(code=code, marks=vote(bureau, E, Q))
    with pytest.raises(services.CodeRefused) as refused:
        services.ballot_cast(code=code, marks=vote(bureau, U, U))
    assert refused.value.reason == "used"
    assert Ballot.objects.count() == 1
    assert BallotMark.objects.filter(grade=U).count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_of_one_code_store_one_ballot():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the concurrent case needs PostgreSQL")
    from tests.factories import make_bureau

    bureau = make_bureau()
    session = open_session(bureau)
    code = issue_all(session, bureau)["张红梅"]
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            services.ballot_cast(code=code, marks=vote(bureau, E, Q))
            outcomes.append("cast")
        except services.CodeRefused as exc:
            outcomes.append(exc.reason)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["cast", "used"]
    assert Ballot.objects.filter(session=session).count() == 1
    assert VotingCode.objects.filter(session=session, used=True).count() == 1


def test_a_ballot_missing_a_member_is_refused_and_nothing_is_recorded(bureau):
    session = open_session(bureau)
    code = issue_all(session, bureau)["张红梅"]
    with pytest.raises(BallotInvalid) as refused:
        services.ballot_cast(code=code, marks={bureau.member_a.pk: (E, None)})
    assert bureau.other_member_a.pk in refused.value.errors
    assert not Ballot.objects.exists()
    assert not VotingCode.objects.filter(used=True).exists()


def test_a_score_outside_its_grade_is_refused(bureau):
    session = open_session(bureau, mode=Mode.SCORE)
    code = issue_all(session, bureau)["张红梅"]
    with pytest.raises(BallotInvalid) as refused:
        services.ballot_cast(code=code, marks=vote(bureau, E, Q, a_score="85"))
    assert list(refused.value.errors) == [bureau.member_a.pk]
    assert not Ballot.objects.exists()
    services.ballot_cast(code=code, marks=vote(bureau, E, Q, a_score="92.5"))
    assert BallotMark.objects.get(member=bureau.member_a).score == Decimal("92.5")


def test_a_voided_code_cannot_vote_and_its_reissue_can(bureau):
    session = open_session(bureau)
    code = issue_all(session, bureau)["张红梅"]
    voter = Voter.objects.get(session=session, member=bureau.member_a)
    new = services.code_reissue(session=session, voter=voter, issued_by=bureau.secretary_a)
    with pytest.raises(services.CodeRefused) as refused:
        services.ballot_cast(code=code, marks=vote(bureau, E, Q))
    assert refused.value.reason == "voided"
    services.ballot_cast(code=new.code, marks=vote(bureau, E, Q))
    assert Ballot.objects.count() == 1


def test_a_used_code_cannot_be_voided(bureau):
    session = open_session(bureau)
    code = issue_all(session, bureau)["张红梅"]
    services.ballot_cast(code=code, marks=vote(bureau, E, Q))
    voter = Voter.objects.get(session=session, member=bureau.member_a)
    with pytest.raises(DomainError):
        services.code_void(session=session, voter=voter, voided_by=bureau.secretary_a)
    with pytest.raises(DomainError):
        services.code_reissue(session=session, voter=voter, issued_by=bureau.secretary_a)


def test_an_unknown_code_is_refused(bureau):
    open_session(bureau)
    for typed in ["ABCDEFGHJK", "", "abc", "x" * 500, "ABCDE-FGHJ0"]:
        with pytest.raises(services.CodeRefused) as refused:
            services.ballot_cast(code=typed, marks={})
        assert refused.value.reason == "unknown"


def test_a_code_only_grades_its_own_sessions_members(bureau, representative):
    open_session(bureau, representatives=[representative])
    session_b = services.session_open(
        branch=bureau.branch_b,
        half_year=HalfYear(2026, 1),
        held_on=date(2026, 6, 21),
        mode=Mode.GRADE,
        values={E: Decimal(95), Q: Decimal(85), B: Decimal(70), U: Decimal(50)},
        evaluees=[bureau.member_b],
        voter_members=[bureau.member_b],
        representatives=[],
        opened_by=bureau.secretary_b,
    )
    session_a = AppraisalSession.objects.get(branch=bureau.branch_a)
    code = issue_all(session_a, bureau)["赵群众"]
    with pytest.raises(BallotInvalid):
        services.ballot_cast(code=code, marks={bureau.member_b.pk: (E, None)})
    assert not Ballot.objects.exists()
    assert not session_b.ballots.exists()


def test_voting_in_a_closed_session_is_refused(bureau, representative):
    session = open_session(bureau, representatives=[representative])
    codes = members_vote(session, bureau, E, Q)
    services.session_close(session=session, closed_by=bureau.secretary_a)
    with pytest.raises(services.CodeRefused) as refused:
        services.ballot_cast(code=codes["赵群众"], marks=vote(bureau, E, Q))
    assert refused.value.reason == "closed"
    assert Ballot.objects.count() == 2


def test_closing_records_each_session_score_in_the_ledger(bureau, representative):
    session = open_session(bureau, representatives=[representative])
    codes = issue_all(session, bureau)
    services.ballot_cast(code=codes["张红梅"], marks=vote(bureau, E, Q))
    services.ballot_cast(code=codes["李建国"], marks=vote(bureau, Q, Q))
    services.ballot_cast(code=codes["赵群众"], marks=vote(bureau, Q, B))
    services.session_close(session=session, closed_by=bureau.secretary_a)

    session.refresh_from_db()
    assert session.status == Status.CLOSED
    a = session.evaluees.get(member=bureau.member_a)
    b = session.evaluees.get(member=bureau.other_member_a)
    assert (a.score, a.grade, a.votes) == (Decimal("88.3"), Q, [1, 2, 0, 0])  # (95+85+85)/3
    assert (b.score, b.grade, b.votes) == (Decimal("80.0"), Q, [0, 2, 1, 0])  # (85+85+70)/3
    entries = Entry.objects.filter(source="appraisal", source_ref=session.source_ref)
    assert {(e.member_id, e.month, e.points) for e in entries} == {
        (bureau.member_a.pk, 6, Decimal("88.3")),
        (bureau.other_member_a.pk, 6, Decimal("80.0")),
    }
    results = {r.member.pk: r.totals for r in branch_year(bureau.branch_a, 2026).results}
    assert results[bureau.member_a.pk].appraisal == Decimal("88.3")
    assert results[bureau.member_a.pk].total == Decimal("188.3")


def test_the_yearly_appraisal_score_is_the_mean_of_the_sessions(bureau):
    first = open_session(bureau, half=1)
    members_vote(first, bureau, E, Q)
    services.session_close(session=first, closed_by=bureau.secretary_a)
    second = open_session(bureau, half=2)
    members_vote(second, bureau, Q, Q)
    services.session_close(session=second, closed_by=bureau.secretary_a)
    assert second.ledger_month == 12
    results = {r.member.pk: r.totals for r in branch_year(bureau.branch_a, 2026).results}
    assert results[bureau.member_a.pk].appraisal == Decimal("90.0")  # (95 + 85) / 2
    assert results[bureau.other_member_a.pk].appraisal == Decimal("85.0")


def test_ballots_counted_equal_codes_used(bureau, representative):
    session = open_session(bureau, representatives=[representative])
    codes = members_vote(session, bureau, E, Q)
    services.ballot_cast(code=codes["赵群众"], marks=vote(bureau, B, U))
    with pytest.raises(services.CodeRefused):
        services.ballot_cast(code=codes["赵群众"], marks=vote(bureau, E, E))
    used = VotingCode.objects.filter(session=session, used=True).count()
    assert used == 3
    assert Ballot.objects.filter(session=session, source="code").count() == used
    services.session_close(session=session, closed_by=bureau.secretary_a)
    event = AuditEvent.objects.get(action="appraisals.session.closed")
    assert event.after["codes_used"] == event.after["ballots_by_code"] == 3
    assert (event.after["member_votes"], event.after["representative_votes"]) == (2, 1)


def test_closing_twice_is_refused_and_a_closed_session_cannot_reopen(bureau):
    session = open_session(bureau)
    members_vote(session, bureau, E, Q)
    services.session_close(session=session, closed_by=bureau.secretary_a)
    with pytest.raises(DomainError):
        services.session_close(session=session, closed_by=bureau.secretary_a)
    with pytest.raises(DomainError):
        services.codes_issue(session=session, issued_by=bureau.secretary_a)
    assert Entry.objects.filter(source_ref=session.source_ref).count() == 2


def test_closing_without_a_ballot_is_refused(bureau):
    session = open_session(bureau)
    with pytest.raises(DomainError):
        services.session_close(session=session, closed_by=bureau.secretary_a)
    assert AppraisalSession.objects.get().status == Status.OPEN


def test_closing_into_a_closed_half_year_is_refused_and_changes_nothing(bureau):
    session = open_session(bureau)
    members_vote(session, bureau, E, Q)
    PeriodLock.objects.create(branch=bureau.branch_a, year=2026, half=1)
    with pytest.raises(DomainError):
        services.session_close(session=session, closed_by=bureau.secretary_a)
    session.refresh_from_db()
    assert session.status == Status.OPEN
    assert not Entry.objects.exists()


def test_annulling_a_closed_session_reverses_its_scores(bureau):
    session = open_session(bureau)
    members_vote(session, bureau, E, Q)
    services.session_close(session=session, closed_by=bureau.secretary_a)
    with pytest.raises(DomainError):
        services.session_annul(session=session, reason=" ", annulled_by=bureau.secretary_a)
    services.session_annul(
        session=session, reason="评议对象名单有误", annulled_by=bureau.secretary_a
    )
    session.refresh_from_db()
    assert session.status == Status.ANNULLED
    assert Entry.objects.filter(source_ref=session.source_ref, reverses__isnull=False).count() == 2
    results = {r.member.pk: r.totals for r in branch_year(bureau.branch_a, 2026).results}
    assert results[bureau.member_a.pk].appraisal == Decimal("0")
    # The half year is free again for a proper session.
    open_session(bureau)


def test_paper_forms_are_keyed_up_to_the_number_handed_out(bureau, representative):
    session = open_session(bureau, representatives=[representative])
    voters = list(session.voters.filter(representative=representative))
    services.voters_to_paper(session=session, voters=voters, handed_by=bureau.secretary_a)
    assert services.codes_issue(session=session, issued_by=bureau.secretary_a)  # the members
    count = services.paper_ballot_record(
        session=session, marks=vote(bureau, E, B), recorded_by=bureau.recorder_a
    )
    assert count == 1
    with pytest.raises(DomainError):
        services.paper_ballot_record(
            session=session, marks=vote(bureau, E, B), recorded_by=bureau.recorder_a
        )
    assert session.ballots.filter(source="paper").count() == 1


def test_a_spoiled_paper_form_is_kept_but_not_counted(bureau):
    session = open_session(bureau)
    services.voters_to_paper(
        session=session, voters=list(session.voters.all()), handed_by=bureau.secretary_a
    )
    services.paper_ballot_record(
        session=session, marks=vote(bureau, E, Q), recorded_by=bureau.recorder_a
    )
    services.paper_ballot_record(
        session=session, marks={}, spoiled=True, recorded_by=bureau.recorder_a
    )
    services.session_close(session=session, closed_by=bureau.secretary_a)
    a = session.evaluees.get(member=bureau.member_a)
    assert (a.score, a.votes) == (Decimal("95.0"), [1, 0, 0, 0])


def test_handing_a_paper_form_voids_the_unused_code(bureau):
    session = open_session(bureau)
    code = issue_all(session, bureau)["张红梅"]
    voter = Voter.objects.get(session=session, member=bureau.member_a)
    services.voters_to_paper(session=session, voters=[voter], handed_by=bureau.secretary_a)
    with pytest.raises(services.CodeRefused):
        services.ballot_cast(code=code, marks=vote(bureau, E, Q))


# -- Anonymity: what is stored cannot re-link a ballot to a voter ---------------------


def _fields(model):
    return [f for f in model._meta.get_fields() if f.concrete]


@pytest.mark.parametrize("model", [Ballot, BallotMark])
def test_a_ballot_carries_no_voter_no_code_no_time_and_no_sequential_key(model):
    for field in _fields(model):
        assert not isinstance(field, models.DateField | models.DateTimeField | models.TimeField)
        assert not isinstance(field, models.AutoField | models.BigAutoField)
    assert isinstance(model._meta.pk, models.UUIDField)
    assert model._meta.ordering == []


def test_a_ballot_relates_only_to_its_session_and_a_mark_only_to_its_ballot_and_member():
    assert {f.name for f in _fields(Ballot) if f.is_relation} == {"session"}
    assert {f.name for f in _fields(BallotMark) if f.is_relation} == {"ballot", "member"}


def test_a_code_carries_no_reference_to_a_ballot_and_no_time_of_use():
    names = {f.name for f in VotingCode._meta.get_fields()}
    assert not {n for n in names if "ballot" in n}
    assert {f.related_model for f in _fields(VotingCode) if f.is_relation} <= {
        AppraisalSession,
        Voter,
        VotingCode.issued_by.field.related_model,
    }
    assert "used_at" not in names
    assert not any("ballot" in f.name for f in Voter._meta.get_fields())


def test_casting_leaves_no_audit_row_and_no_order_to_follow(bureau):
    session = open_session(bureau)
    codes = issue_all(session, bureau)
    before = AuditEvent.objects.count()
    services.ballot_cast(code=codes["张红梅"], marks=vote(bureau, E, Q))
    services.ballot_cast(code=codes["李建国"], marks=vote(bureau, U, U))
    assert AuditEvent.objects.count() == before
    keys = [str(b.pk) for b in Ballot.objects.all()]
    assert all(len(k) == 36 for k in keys)


# -- The arithmetic, without the database -------------------------------------------


def test_a_grade_follows_the_plans_bands():
    assert [
        grade_for(Decimal(s)) for s in ["100", "90", "89.9", "80", "79.9", "60", "59.9", "0"]
    ] == [
        E,
        E,
        Q,
        Q,
        B,
        B,
        U,
        U,
    ]


def test_the_session_score_is_the_mean_rounded_half_up():
    values = {E: Decimal(95), Q: Decimal(85), B: Decimal(70), U: Decimal(50)}
    rows = [
        MarkRow(member_id=1, grade=E, count=2, scored=1, score_sum=Decimal("90.5")),
        MarkRow(member_id=1, grade=Q, count=2, scored=0, score_sum=Decimal(0)),
    ]
    result = session_results(rows, evaluees=[1, 2], values=values)[1]
    # (90.5 + 95 + 85 + 85) / 4 = 88.875 -> 88.9
    assert result.score == Decimal("88.9")
    assert result.grade == Q
    assert result.votes == {E: 2, Q: 2, B: 0, U: 0}
    assert session_results(rows, evaluees=[1, 2], values=values)[2].score is None
    half = [MarkRow(member_id=1, grade=Q, count=2, scored=2, score_sum=Decimal("161.9"))]
    assert session_results(half, evaluees=[1], values=values)[1].score == Decimal("81.0")


def test_checking_marks_ignores_scores_in_grade_mode_and_rejects_strangers():
    marks = check_marks({1: (E, "12")}, evaluees=[1], with_scores=False)
    assert marks[1].score is None
    with pytest.raises(DomainError):
        check_marks({1: (E, None), 9: (E, None)}, evaluees=[1], with_scores=False)
    with pytest.raises(DomainError):
        check_marks({1: ("best", None)}, evaluees=[1], with_scores=False)
    with pytest.raises(DomainError):
        check_marks({1: (E, "92.55")}, evaluees=[1], with_scores=True)
    with pytest.raises(DomainError):
        check_marks({1: (E, "NaN")}, evaluees=[1], with_scores=True)


def test_an_inactive_member_cannot_be_added_to_a_session(bureau):
    gone = MemberFactory(branch=bureau.branch_a, name="已调离", is_active=False)
    with pytest.raises(DomainError):
        services.session_open(
            branch=bureau.branch_a,
            half_year=HalfYear(2026, 1),
            held_on=date(2026, 6, 20),
            mode=Mode.GRADE,
            values={E: Decimal(95), Q: Decimal(85), B: Decimal(70), U: Decimal(50)},
            evaluees=[gone],
            voter_members=[bureau.member_a],
            representatives=[],
            opened_by=bureau.secretary_a,
        )
