"""Reads of commitments for other parts of the plan: the lobby screen, the appraisal meeting."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from core.pinyin import name_order
from organizations.models import Member, Organization

from .models import (
    DEFAULT_MAX_PER_MEMBER,
    BranchCommitmentRule,
    Commitment,
    IdentityPost,
    Status,
)


def max_commitments(branch: Organization) -> int:
    """How many commitments a member of the branch makes in a year (default 2)."""
    value = (
        BranchCommitmentRule.objects.filter(branch=branch)
        .values_list("max_per_member", flat=True)
        .first()
    )
    return value or DEFAULT_MAX_PER_MEMBER


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
