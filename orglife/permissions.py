"""Who may see and keep the record of organisational life and dues.

The branch's officers and the committee see a branch's meetings and dues; the
recorder, the assessment group and the secretary keep them (plan 一(三):
记录员 keeps the record). Another branch's meeting, attendance row or dues cell
is 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from core.ids import id_or_404
from organizations.models import Member, Organization
from organizations.permissions import (
    get_branch_for_user,
    get_member_for_user,
    scope_for,
    visible_branches,
)

from .models import Attendance, Meeting


def may_keep(user: Any, branch_id: int) -> bool:
    return scope_for(user).may_record_points(branch_id)


def branch_to_keep(user: Any, code: str) -> Organization:
    """The branch if the user keeps its records; else 404."""
    branch = get_branch_for_user(user, code)
    if not may_keep(user, branch.pk):
        raise Http404
    return branch


def get_meeting_for_user(user: Any, pk: Any, *, keep: bool = False) -> Meeting:
    """The meeting if the user is an officer of its branch (keep: one who records it)."""
    meeting = Meeting.objects.select_related("branch").filter(pk=id_or_404(pk)).first()
    if meeting is None or not scope_for(user).is_officer(meeting.branch_id):
        raise Http404
    if keep and not may_keep(user, meeting.branch_id):
        raise Http404
    return meeting


def get_attendance_to_keep(user: Any, pk: Any) -> Attendance:
    row = (
        Attendance.objects.select_related("meeting__branch", "member__department")
        .filter(pk=id_or_404(pk))
        .first()
    )
    if row is None or not may_keep(user, row.meeting.branch_id):
        raise Http404
    return row


def get_member_to_keep(user: Any, pk: Any) -> Member:
    """A member whose dues the user records."""
    member = get_member_for_user(user, id_or_404(pk))
    if not may_keep(user, member.branch_id):
        raise Http404
    return member


def get_dues_branches(user: Any) -> list[Organization]:
    """The branches whose dues the user sees, in the committee's order, at least one; else
    404."""
    branches = list(visible_branches(user).order_by("order", "code"))
    if not branches:
        raise Http404
    return branches
