"""Reads for 结果运用: a branch's year of results, built on `ledger.totals`.

Each read costs a fixed number of queries whatever the size of the branches: the
summary of the year and of the year before (for the two-year rule), the year's
closing, the help talks and the handling cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from commitments.models import Commitment, Fulfilment, VanguardPost, VanguardStatus
from commitments.models import Status as CommitmentStatus
from core.nav import BadgeCounts, once_per_request
from ledger.models import PeriodLock
from ledger.totals import BranchYear, MemberResult, year_results
from organizations.models import Member, Organization
from scoring import engine

from .models import HandlingCase, HelpTalk


@dataclass(frozen=True)
class TalkDue:
    """A member due a help talk for the year, and the talks recorded for it."""

    result: MemberResult
    talks: list[HelpTalk]

    @property
    def member(self) -> Member:
        return self.result.member


@dataclass(frozen=True)
class Candidate:
    """Bottom-ranked or vetoed in the year and the year before.

    `listed`: a help talk has followed, so the plan lists the member for handling; without
    one the branch holds the talk first. `cases`: the steps taken so far, newest first.
    """

    member: Member
    listed: bool
    previous: MemberResult | None
    current: MemberResult
    talks: list[HelpTalk]
    cases: list[HandlingCase] = field(default_factory=list)

    @property
    def open_case(self) -> HandlingCase | None:
        return next((c for c in self.cases if c.status != HandlingCase.Status.REJECTED), None)


@dataclass(frozen=True)
class BranchResults:
    branch: Organization
    year: int
    by: BranchYear
    year_closed: bool
    award_eligible: list[MemberResult]
    talks_due: list[TalkDue]
    other_talks: list[HelpTalk]  # talks of the year with members no longer due one
    candidates: list[Candidate]  # listed for handling: after a help talk
    awaiting_talk: list[Candidate]  # two years running, but no help talk yet
    cases: list[HandlingCase]  # every case of the year, newest first

    @property
    def ranked_count(self) -> int:
        return len(self.by.ranked)

    @property
    def talks_held(self) -> int:
        """Members due a talk with at least one recorded."""
        return sum(1 for due in self.talks_due if due.talks)


def _flagged(result: MemberResult | None) -> bool:
    """Ranked last or vetoed: what a help talk is due for (the engine's one definition)."""
    if result is None or result.standing is None:
        return False
    return result.standing.help_talk_due


def _years_closed(year: int, branch_ids: list[int]) -> dict[int, date]:
    """The branches whose year is closed, with the day it was (the year's result)."""
    return {
        branch_id: timezone.localtime(closed_at).date()
        for branch_id, closed_at in PeriodLock.objects.filter(
            branch_id__in=branch_ids, year=year, half=2, reopened_at__isnull=True
        ).values_list("branch_id", "closed_at")
    }


def results_for(year: int, branches: Iterable[Organization]) -> dict[int, BranchResults]:
    """Each branch's results of the year, in a fixed number of queries."""
    branches = list(branches)
    ids = [b.pk for b in branches]
    now = year_results(year, branches)
    before = year_results(year - 1, branches)
    closed = _years_closed(year, ids)
    talks: dict[int, list[HelpTalk]] = defaultdict(list)
    for talk in (
        HelpTalk.objects.filter(branch_id__in=ids, year__in=(year - 1, year))
        .select_related("member", "recorded_by")
        .order_by("held_on", "pk")
    ):
        talks[talk.member_id].append(talk)
    cases: dict[int, list[HandlingCase]] = defaultdict(list)
    for case in (
        HandlingCase.objects.filter(branch_id__in=ids, year=year)
        .select_related("member", "proposed_by", "decided_by")
        .order_by("-proposed_at", "-pk")
    ):
        cases[case.branch_id].append(case)
    return {
        b.pk: _branch_results(now[b.pk], before[b.pk], closed.get(b.pk), talks, cases[b.pk])
        for b in branches
    }


def branch_results(branch: Organization, year: int) -> BranchResults:
    return results_for(year, [branch])[branch.pk]


def _branch_results(
    now: BranchYear,
    before: BranchYear,
    year_closed_on: date | None,
    talks: dict[int, list[HelpTalk]],
    cases: list[HandlingCase],
) -> BranchResults:
    year = now.year
    ranked = now.ranked
    previous = {r.member.pk: r for r in before.ranked}
    this_year = {
        r.member.pk: [t for t in talks.get(r.member.pk, []) if t.year == year] for r in ranked
    }
    due = [r for r in ranked if _flagged(r)]
    due_ids = {r.member.pk for r in due}
    flags = {
        r.member.pk: {year - 1: _flagged(previous.get(r.member.pk)), year: _flagged(r)}
        for r in ranked
    }
    # A talk counts for handling when it came before this year's result: held before the
    # year was closed (any talk so far while it is open).
    talk_years = {
        pk: [t.year for t in member_talks if year_closed_on is None or t.held_on <= year_closed_on]
        for pk, member_talks in talks.items()
    }
    listed = engine.handling_candidates(flags, talk_years, year)
    cases_of: dict[int, list[HandlingCase]] = defaultdict(list)
    for case in cases:
        cases_of[case.member_id].append(case)
    candidates: list[Candidate] = []
    awaiting: list[Candidate] = []
    for r in ranked:
        pk = r.member.pk
        if not (flags[pk][year - 1] and flags[pk][year]):
            continue
        candidate = Candidate(
            member=r.member,
            listed=pk in listed,
            previous=previous.get(pk),
            current=r,
            talks=talks.get(pk, []),
            cases=cases_of.get(pk, []),
        )
        (candidates if candidate.listed else awaiting).append(candidate)
    return BranchResults(
        branch=now.branch,
        year=year,
        by=now,
        year_closed=year_closed_on is not None,
        award_eligible=[r for r in ranked if r.standing and r.standing.award_eligible],
        talks_due=[TalkDue(r, this_year[r.member.pk]) for r in due],
        other_talks=[
            t for r in ranked if r.member.pk not in due_ids for t in this_year[r.member.pk]
        ],
        candidates=candidates,
        awaiting_talk=awaiting,
        cases=cases,
    )


def pending_cases(branch_ids: Iterable[int] | None = None) -> list[HandlingCase]:
    """Proposals waiting for the committee's decision, oldest first."""
    qs = HandlingCase.objects.filter(status=HandlingCase.Status.PROPOSED)
    if branch_ids is not None:
        qs = qs.filter(branch_id__in=list(branch_ids))
    return list(qs.select_related("branch", "member", "proposed_by").order_by("proposed_at", "pk"))


def pending_count() -> int:
    """What waits for the committee's decision: handling proposals and vanguard posts (one
    query for the menu's badge)."""
    handling = (
        HandlingCase.objects.filter(status=HandlingCase.Status.PROPOSED).order_by().values("pk")
    )
    vanguard = VanguardPost.objects.filter(status=VanguardStatus.PROPOSED).order_by().values("pk")
    return handling.union(vanguard, all=True).count()


# 党员先锋岗 (plan 二) ---------------------------------------------------------------------


@dataclass(frozen=True)
class VanguardRow:
    """A ranked member with the year's approved commitments, as assessed, and the vanguard
    posts proposed for them in the year (newest first)."""

    result: MemberResult
    commitments: list[Commitment]
    posts: list[VanguardPost]

    @property
    def member(self) -> Member:
        return self.result.member

    @property
    def made(self) -> int:
        return len(self.commitments)

    @property
    def kept(self) -> int:
        return sum(1 for c in self.commitments if c.fulfilment == Fulfilment.KEPT)

    @property
    def unassessed(self) -> int:
        return sum(1 for c in self.commitments if not c.fulfilment)

    @property
    def award_eligible(self) -> bool:
        return bool(self.result.standing and self.result.standing.award_eligible)

    @property
    def is_candidate(self) -> bool:
        """In the top 20% (not vetoed) and every approved commitment assessed as kept: what
        the system offers the branch. The branch decides whom it proposes."""
        return self.award_eligible and self.made > 0 and self.kept == self.made

    @property
    def post(self) -> VanguardPost | None:
        """The year's proposal still standing (proposed or confirmed), if any."""
        return next((p for p in self.posts if p.status != VanguardStatus.DECLINED), None)


@dataclass(frozen=True)
class VanguardBoard:
    branch: Organization
    year: int
    year_closed: bool
    ranked: int  # members ranked, the vetoed included (the top 20% is of them)
    rows: list[VanguardRow]  # every ranked member who is not vetoed, by rank

    @property
    def eligible(self) -> list[VanguardRow]:
        return [r for r in self.rows if r.award_eligible]

    @property
    def candidates(self) -> list[VanguardRow]:
        return [r for r in self.rows if r.is_candidate]

    @property
    def others(self) -> list[VanguardRow]:
        """Members the branch may still propose with its reasons, outside the top 20%."""
        return [r for r in self.rows if not r.award_eligible and r.post is None]

    @property
    def proposed(self) -> list[VanguardPost]:
        return sorted((p for r in self.rows for p in r.posts), key=lambda p: (p.proposed_at, p.pk))

    def row_of(self, member_pk: int) -> VanguardRow | None:
        return next((r for r in self.rows if r.member.pk == member_pk), None)


def vanguard_board(branch: Organization, year: int) -> VanguardBoard:
    """The branch's year for 评定党员先锋岗: the ranking (vetoed members left out), each
    member's commitments as assessed, and the posts proposed. A fixed number of queries."""
    by = year_results(year, [branch])[branch.pk]
    ranked = [r for r in by.ranked if not r.vetoed]
    ids = [r.member.pk for r in ranked]
    commitments: dict[int, list[Commitment]] = defaultdict(list)
    for commitment in Commitment.objects.filter(
        member_id__in=ids, year=year, status=CommitmentStatus.APPROVED
    ).order_by("pk"):
        commitments[commitment.member_id].append(commitment)
    posts: dict[int, list[VanguardPost]] = defaultdict(list)
    for post in (
        VanguardPost.objects.filter(branch=branch, year=year)
        .select_related("proposed_by", "decided_by")
        .order_by("-proposed_at", "-pk")
    ):
        posts[post.member_id].append(post)
    return VanguardBoard(
        branch=branch,
        year=year,
        year_closed=branch.pk in _years_closed(year, [branch.pk]),
        ranked=len(by.ranked),
        rows=[
            VanguardRow(r, commitments.get(r.member.pk, []), posts.get(r.member.pk, []))
            for r in ranked
        ],
    )


def vanguard_waiting(branch_ids: Iterable[int] | None = None) -> list[VanguardPost]:
    """Proposals waiting for the committee, oldest first."""
    qs = VanguardPost.objects.filter(status=VanguardStatus.PROPOSED)
    if branch_ids is not None:
        qs = qs.filter(branch_id__in=list(branch_ids))
    return list(qs.select_related("branch", "member", "proposed_by").order_by("proposed_at", "pk"))


@once_per_request
def badge_counts(user: Any) -> BadgeCounts:
    """The committee's badge: handling cases and vanguard posts waiting for a decision."""
    return {"pending": pending_count()}
