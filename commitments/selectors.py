"""Reads of commitments for other parts of the plan: the lobby screen, the appraisal meeting."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from core.nav import BadgeCounts, once_per_request
from core.pinyin import name_order
from organizations.models import Member, Organization, Participation
from organizations.permissions import scope_for
from organizations.settings_selectors import branch_settings, branch_settings_of

from .models import (
    Commitment,
    IdentityPost,
    Status,
    VanguardPost,
    VanguardStatus,
)
from .permissions import DECIDERS

# A member "has made" a commitment once it is submitted to the branch: a draft or one
# returned for revision is still the member's to finish.
MADE = (Status.SUBMITTED, Status.APPROVED)


def max_commitments(branch: Organization) -> int:
    """How many commitments a member of the branch makes in a year (default 2)."""
    return branch_settings(branch).commitments_per_member


def deadline_date(year: int, month: int, day: int) -> dt.date:
    """The day of the year (the 31st of a shorter month is its last day)."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def commitment_deadlines(branch_ids: Iterable[int], year: int) -> dict[int, dt.date]:
    """By when each branch's members make their commitment for the year (one query)."""
    return {
        pk: deadline_date(year, values.commitment_deadline_month, values.commitment_deadline_day)
        for pk, values in branch_settings_of(branch_ids).items()
    }


def commitment_deadline(branch: Organization, year: int) -> dt.date:
    return commitment_deadlines([branch.pk], year)[branch.pk]


def members_without_commitment(branch_ids: Iterable[int], year: int) -> QuerySet[Member]:
    """Active members taking part in the year who have made no commitment for it (plan: 每年
    ……作出 1-2 项承诺): none submitted or approved. One query."""
    out = Participation.objects.filter(year=year, takes_part=False).values("member_id")
    made = Commitment.objects.filter(year=year, status__in=MADE).values("member_id")
    return (
        Member.objects.filter(branch_id__in=list(branch_ids), is_active=True)
        .exclude(pk__in=out)
        .exclude(pk__in=made)
        .order_by(*name_order(), "pk")
    )


@dataclass(frozen=True)
class BranchCommitments:
    branch: Organization
    deadline: dt.date
    without: int  # members taking part with no commitment made
    past_deadline: bool

    @property
    def late(self) -> bool:
        return self.past_deadline and self.without > 0


def commitments_by_branch(
    branches: Iterable[Organization], year: int, today: dt.date
) -> list[BranchCommitments]:
    """Each branch's deadline and how many of its members have made no commitment for the
    year (the committee's dashboard): two queries."""
    branches = list(branches)
    deadlines = commitment_deadlines([b.pk for b in branches], year)
    counts = dict(
        members_without_commitment(deadlines, year)
        .order_by()
        .values_list("branch_id")
        .annotate(n=Count("pk"))
    )
    return [
        BranchCommitments(b, deadlines[b.pk], counts.get(b.pk, 0), today > deadlines[b.pk])
        for b in branches
    ]


def approved_commitments(branch: Organization, year: int) -> list[Commitment]:
    """What the branch has published for the year: approved commitments of active members,
    by member name (the lobby screen and the notice board show these)."""
    return list(
        Commitment.objects.filter(
            branch=branch, year=year, status=Status.APPROVED, member__is_active=True
        )
        .select_related("member")
        .order_by(*name_order("member__"), "member_id", "pk")
    )


def member_approved_commitments(member: Member, year: int) -> list[Commitment]:
    return list(
        Commitment.objects.filter(member=member, year=year, status=Status.APPROVED).order_by("pk")
    )


def commitments_for_appraisal(branch: Organization, year: int) -> list[Commitment]:
    """Approved commitments with the member's report and the group's assessment, by member:
    what the half-yearly appraisal meeting reviews (plan: 对党员履行承诺……进行评议)."""
    return list(
        Commitment.objects.filter(branch=branch, year=year, status=Status.APPROVED)
        .select_related("member", "assessed_by")
        .order_by(*name_order("member__"), "member_id", "pk")
    )


@dataclass
class MemberRow:
    member: Member
    commitments: list[Commitment] = field(default_factory=list)


def branch_rows(branch: Organization, year: int) -> list[MemberRow]:
    """Every active member of the branch with all their commitments of the year (two queries)."""
    rows = {
        m.pk: MemberRow(m)
        for m in Member.objects.filter(branch=branch, is_active=True).order_by(*name_order(), "pk")
    }
    extra: dict[int, MemberRow] = defaultdict(lambda: MemberRow(member=None))  # type: ignore[arg-type]
    for commitment in (
        Commitment.objects.filter(branch=branch, year=year)
        .select_related("member", "reviewed_by", "assessed_by")
        .order_by("pk")
    ):
        row = rows.get(commitment.member_id)
        if row is None:  # a member who has since left: still shown with what they made
            row = extra[commitment.member_id]
            row.member = commitment.member
        row.commitments.append(commitment)
    return list(rows.values()) + list(extra.values())


def post_of(member: Member) -> IdentityPost | None:
    """The member's 共产党员岗 page, if it has been made (services.post_for_member)."""
    return IdentityPost.objects.filter(member=member).first()


def branch_posts(branch: Organization) -> dict[int, IdentityPost]:
    """The post pages made for the branch's active members, by member id."""
    return {
        post.member_id: post
        for post in IdentityPost.objects.filter(member__branch=branch, member__is_active=True)
    }


# 党员先锋岗 -------------------------------------------------------------------------


def vanguard_posts_shown(members: Iterable[Member], year: int) -> dict[int, list[VanguardPost]]:
    """The confirmed vanguard posts a member's post shows in `year`: the year's and the one
    before (a post named for a year is announced, and hangs, in the next). One query."""
    shown: dict[int, list[VanguardPost]] = defaultdict(list)
    for post in VanguardPost.objects.filter(
        member__in=[m.pk for m in members],
        year__in=(year - 1, year),
        status=VanguardStatus.CONFIRMED,
    ).order_by("-year", "pk"):
        shown[post.member_id].append(post)
    return shown


def confirmed_vanguard_posts(branch_ids: Iterable[int], year: int) -> list[VanguardPost]:
    """The branches' confirmed vanguard posts of the latest year up to `year` that has any:
    what the lobby screen shows. Two queries."""
    ids = list(branch_ids)
    confirmed = VanguardPost.objects.filter(
        branch_id__in=ids, status=VanguardStatus.CONFIRMED, year__lte=year, member__is_active=True
    )
    latest = confirmed.order_by("-year").values_list("year", flat=True).first()
    if latest is None:
        return []
    return list(
        confirmed.filter(year=latest)
        .select_related("member", "branch")
        .order_by("branch__order", "branch__code", *name_order("member__"), "pk")
    )


@once_per_request
def badge_counts(user: Any) -> BadgeCounts:
    """The officers' badge: commitments submitted in the branches the user decides for."""
    scope = scope_for(user)
    deciding = [b for b, roles in scope.branch_roles.items() if roles & set(DECIDERS)]
    submitted = (
        Commitment.objects.filter(branch_id__in=deciding, status=Status.SUBMITTED).count()
        if deciding
        else 0
    )
    return {"submitted": submitted}
