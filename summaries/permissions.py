"""Who may see the summaries' records and move members: each page asks here and gets the
object or a 404 (another branch's records do not exist for anyone else)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from organizations.models import Member, Organization
from organizations.permissions import get_member_for_user, may_move_member, visible_branches

from .models import ClosingSnapshot


def get_closing_snapshot(branch: Organization, year: int, pk: int) -> ClosingSnapshot:
    """A closing's snapshot of a branch the caller has already been given."""
    closing = (
        ClosingSnapshot.objects.filter(branch=branch, year=year, pk=pk)
        .select_related("lock", "reopened_by")
        .first()
    )
    if closing is None:
        raise Http404
    return closing


def get_member_to_move(user: Any, pk: int) -> tuple[Member, QuerySet[Organization]]:
    """An active member the user may move, and the open branches they may move them to
    (at least one); else 404."""
    member = get_member_for_user(user, pk)
    if not member.is_active:
        raise Http404
    branches = (
        visible_branches(user)
        .filter(closed_on__isnull=True)
        .exclude(kind=Organization.Kind.COMMITTEE)
        .exclude(pk=member.branch_id)
    )
    targets = [b.pk for b in branches if may_move_member(user, member, b)]
    if not targets:
        raise Http404
    return member, branches.filter(pk__in=targets)
