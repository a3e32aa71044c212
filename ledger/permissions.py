"""Who may record, reverse and veto: each page asks here and gets the object or a 404.

Points are recorded directly by the branch's assessment group, recorder or secretary, and
by the committee where a branch has nobody else; a veto is the secretary's to record.
Another branch's objects do not exist for anyone else.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from organizations.models import Organization, Role
from organizations.permissions import get_branch_for_user, scope_for

from .models import Entry


def get_branch_for_recording(user: Any, code: str) -> Organization:
    """The branch if the user is on its assessment group, its recorder or secretary, or
    on the committee (which records where the branch has nobody else); else 404."""
    branch = get_branch_for_user(user, code)
    scope = scope_for(user)
    if not (scope.may_record_points(branch.pk) or scope.is_committee):
        raise Http404
    return branch


def get_entry_to_reverse(user: Any, pk: int) -> Entry:
    """An entry of a branch the user sees and records points for (or the committee)."""
    entry = Entry.objects.filter(pk=pk).select_related("branch", "member").first()
    scope = scope_for(user)
    if entry is None or not (scope.may_record_points(entry.branch_id) or scope.is_committee):
        raise Http404
    if not scope.sees_branch(entry.branch_id):
        raise Http404
    return entry


def get_branch_for_veto(user: Any, code: str) -> Organization:
    """The branch, for its secretary only."""
    branch = get_branch_for_user(user, code)
    if not scope_for(user).has_role(branch.pk, Role.SECRETARY):
        raise Http404
    return branch
