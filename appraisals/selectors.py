"""Reads for the appraisal pages, each in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from organizations.permissions import visible_branches
from summaries.selectors import MemberResult, branch_year

from .grades import ORDER, Grade, distribution
from .models import AppraisalSession, Ballot, BallotSource, Evaluee, Voter, VotingCode


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

    @property
    def ballots(self) -> int:
        return self.code_ballots + self.paper_ballots

    @property
    def valid_ballots(self) -> int:
        return self.ballots - self.spoiled


def counts_for(sessions: Iterable[AppraisalSession]) -> dict[int, Counts]:
    ids = [s.pk for s in sessions]
    out = {pk: Counts() for pk in ids}
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
        .annotate(n=Count("id"), used=Count("id", filter=Q(used=True)))
        .order_by()
    ):
        out[code_row["session_id"]].codes_issued = code_row["n"]
        out[code_row["session_id"]].codes_used = code_row["used"]
    for ballot_row in (
        Ballot.objects.filter(session_id__in=ids)
        .values("session_id")
        .annotate(
            code=Count("id", filter=Q(source=BallotSource.CODE)),
            paper=Count("id", filter=Q(source=BallotSource.PAPER)),
            spoiled=Count("id", filter=Q(is_valid=False)),
        )
        .order_by()
    ):
        counts = out[ballot_row["session_id"]]
        counts.code_ballots = ballot_row["code"]
        counts.paper_ballots = ballot_row["paper"]
        counts.spoiled = ballot_row["spoiled"]
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


@dataclass
class ReviewRow:
    """What the meeting reviews alongside the vote: the member's points so far."""

    number: int
    evaluee: Evaluee
    result: MemberResult | None


def review_rows(session: AppraisalSession) -> list[ReviewRow]:
    year = branch_year(session.branch, session.year)
    by_member = {r.member.pk: r for r in year.results}
    return [
        ReviewRow(index, evaluee, by_member.get(evaluee.member_id))
        for index, evaluee in enumerate(evaluees(session), start=1)
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
