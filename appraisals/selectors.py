"""Reads for the appraisal pages, each in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from commitments.models import Commitment, Fulfilment
from commitments.models import Status as CommitmentStatus
from ledger.totals import MemberResult, branch_year
from organizations.models import Member, Participation
from organizations.permissions import visible_branches
from orglife.selectors import LifeRecord, life_records

from .grades import ORDER, Grade, distribution
from .models import (
    DEFAULT_QUORUM,
    AppraisalSession,
    Ballot,
    BallotSource,
    CastBy,
    Evaluee,
    Voter,
    VotingCode,
)


@dataclass
class Counts:
    """What the secretary may see while voting runs: how many, never how."""

    voters: int = 0
    codes_issued: int = 0
    codes_used: int = 0
    paper_slips: int = 0
    paper_ballots: int = 0
    code_ballots: int = 0
    spoiled: int = 0
    # Turnout: who has voted, by code or on a paper form, members and representatives apart.
    member_votes: int = 0
    representative_votes: int = 0
    members_taking_part: int = 0
    quorum_percent: int = DEFAULT_QUORUM

    @property
    def ballots(self) -> int:
        return self.code_ballots + self.paper_ballots

    @property
    def valid_ballots(self) -> int:
        return self.ballots - self.spoiled

    @property
    def quorum_needed(self) -> int:
        """The fewest member votes that are more than the quorum's share of the members."""
        return self.members_taking_part * self.quorum_percent // 100 + 1

    @property
    def quorum_met(self) -> bool:
        return self.members_taking_part > 0 and self.member_votes >= self.quorum_needed

    @property
    def turnout_percent(self) -> int:
        if not self.members_taking_part:
            return 0
        return round(100 * self.member_votes / self.members_taking_part)


def members_taking_part(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """How many active members of each (branch, year) take part in the year, in two queries."""
    pairs = set(pairs)
    branch_ids = {branch_id for branch_id, _year in pairs}
    active = dict(
        Member.objects.filter(branch_id__in=branch_ids, is_active=True)
        .values("branch_id")
        .annotate(n=Count("id"))
        .values_list("branch_id", "n")
        .order_by()
    )
    absent: dict[tuple[int, int], int] = defaultdict(int)
    for branch_id, year, n in (
        Participation.objects.filter(
            member__branch_id__in=branch_ids, member__is_active=True, takes_part=False
        )
        .values("member__branch_id", "year")
        .annotate(n=Count("id"))
        .values_list("member__branch_id", "year", "n")
        .order_by()
    ):
        absent[(branch_id, year)] = n
    return {(b, y): active.get(b, 0) - absent[(b, y)] for b, y in pairs}


def counts_for(sessions: Iterable[AppraisalSession]) -> dict[int, Counts]:
    sessions = list(sessions)
    ids = [s.pk for s in sessions]
    out = {pk: Counts(quorum_percent=s.quorum_percent) for pk, s in zip(ids, sessions, strict=True)}
    open_pairs = {(s.branch_id, s.year) for s in sessions if s.members_taking_part is None}
    taking_part = members_taking_part(open_pairs) if open_pairs else {}
    for s in sessions:
        out[s.pk].members_taking_part = (
            s.members_taking_part
            if s.members_taking_part is not None
            else taking_part[(s.branch_id, s.year)]
        )
    for row in (
        Voter.objects.filter(session_id__in=ids)
        .values("session_id")
        .annotate(n=Count("id"), paper=Count("id", filter=Q(on_paper=True)))
        .order_by()
    ):
        out[row["session_id"]].voters = row["n"]
        out[row["session_id"]].paper_slips = row["paper"]
    for code_row in (
        VotingCode.objects.filter(session_id__in=ids, voided=False)
        .values("session_id")
        .annotate(
            n=Count("id"),
            n_used=Count("id", filter=Q(used=True)),
            n_members=Count("id", filter=Q(used=True, voter__member__isnull=False)),
        )
        .order_by()
    ):
        counts = out[code_row["session_id"]]
        counts.codes_issued = code_row["n"]
        counts.codes_used = code_row["n_used"]
        counts.member_votes += code_row["n_members"]
        counts.representative_votes += code_row["n_used"] - code_row["n_members"]
    for ballot_row in (
        Ballot.objects.filter(session_id__in=ids)
        .values("session_id")
        .annotate(
            code=Count("id", filter=Q(source=BallotSource.CODE)),
            paper=Count("id", filter=Q(source=BallotSource.PAPER)),
            spoiled=Count("id", filter=Q(is_valid=False)),
            paper_members=Count("id", filter=Q(cast_by=CastBy.MEMBER)),
            paper_representatives=Count("id", filter=Q(cast_by=CastBy.REPRESENTATIVE)),
        )
        .order_by()
    ):
        counts = out[ballot_row["session_id"]]
        counts.code_ballots = ballot_row["code"]
        counts.paper_ballots = ballot_row["paper"]
        counts.spoiled = ballot_row["spoiled"]
        counts.member_votes += ballot_row["paper_members"]
        counts.representative_votes += ballot_row["paper_representatives"]
    return out


def counts(session: AppraisalSession) -> Counts:
    return counts_for([session])[session.pk]


def sessions_for_user(user: Any) -> QuerySet[AppraisalSession]:
    return AppraisalSession.objects.filter(branch__in=visible_branches(user)).select_related(
        "branch"
    )


@dataclass
class VoterRow:
    voter: Voter
    state: str  # none, issued, used, paper
    voided: int  # codes of this voter voided so far


def voter_rows(session: AppraisalSession) -> list[VoterRow]:
    codes_by_voter: dict[int, list[VotingCode]] = defaultdict(list)
    for code in VotingCode.objects.filter(session=session).only("voter_id", "used", "voided"):
        codes_by_voter[code.voter_id].append(code)
    rows = []
    for voter in session.voters.select_related("member", "representative").order_by("order", "pk"):
        codes = codes_by_voter.get(voter.pk, [])
        live = next((c for c in codes if not c.voided), None)
        if voter.on_paper:
            state = "paper"
        elif live is None:
            state = "none"
        else:
            state = "used" if live.used else "issued"
        rows.append(VoterRow(voter, state, sum(1 for c in codes if c.voided)))
    return rows


def evaluees(session: AppraisalSession) -> list[Evaluee]:
    return list(
        session.evaluees.select_related("member", "member__department").order_by("order", "pk")
    )


@dataclass(frozen=True)
class EvalueeFacts:
    """What the meeting reviews about an evaluee besides the vote (plan 一(三)3: 对党员履行
    承诺、参加组织生活会等情况进行评议): the points so far, the year's approved commitments
    with how the group assessed them, attendance at organisational life and dues paid on
    time up to the meeting."""

    result: MemberResult | None
    commitments: list[Commitment]
    life: LifeRecord

    @property
    def kept(self) -> int:
        return sum(1 for c in self.commitments if c.fulfilment == Fulfilment.KEPT)

    @property
    def unassessed(self) -> int:
        return sum(1 for c in self.commitments if not c.fulfilment)


def evaluee_facts(session: AppraisalSession, rows: list[Evaluee]) -> dict[int, EvalueeFacts]:
    """The facts of every evaluee, by member id, in a fixed number of queries: the branch's
    year (ledger.totals), one for the commitments, two for attendance and dues. The
    same for every voter: nothing in them depends on who looks."""
    ids = [e.member_id for e in rows]
    by_member = {r.member.pk: r for r in branch_year(session.branch, session.year).results}
    commitments: dict[int, list[Commitment]] = defaultdict(list)
    for commitment in Commitment.objects.filter(
        member_id__in=ids, year=session.year, status=CommitmentStatus.APPROVED
    ).order_by("pk"):
        commitments[commitment.member_id].append(commitment)
    life = life_records(ids, year=session.year, until=session.held_on)
    return {pk: EvalueeFacts(by_member.get(pk), commitments.get(pk, []), life[pk]) for pk in ids}


@dataclass
class ReviewRow:
    """What the meeting reviews alongside the vote: the member's points so far, commitments
    and organisational life."""

    number: int
    evaluee: Evaluee
    facts: EvalueeFacts

    @property
    def result(self) -> MemberResult | None:
        return self.facts.result


def review_rows(session: AppraisalSession) -> list[ReviewRow]:
    rows = evaluees(session)
    facts = evaluee_facts(session, rows)
    return [
        ReviewRow(index, evaluee, facts[evaluee.member_id])
        for index, evaluee in enumerate(rows, start=1)
    ]


@dataclass
class Results:
    rows: list[Evaluee]
    distribution: list[tuple[Grade, int]]
    counts: Counts


def results(session: AppraisalSession) -> Results:
    rows = evaluees(session)
    tally = distribution(row.grade for row in rows)
    return Results(
        rows=rows,
        distribution=[(grade, tally[grade]) for grade in ORDER],
        counts=counts(session),
    )
