"""Reads for 结果运用: a branch's year of results, built on `summaries.selectors`.

Each read costs a fixed number of queries whatever the size of the branches: the
summary of the year and of the year before (for the two-year rule), the year's
closing, the help talks and the handling cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from ledger.models import PeriodLock
from organizations.models import Member, Organization
from scoring import engine
from summaries.selectors import BranchYear, MemberResult, year_results

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
    return HandlingCase.objects.filter(status=HandlingCase.Status.PROPOSED).count()
