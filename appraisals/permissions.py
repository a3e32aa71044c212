"""Who may run an appraisal: the branch's officers see it, the secretary runs it,
the recorder (and the group) key in paper forms. Another branch's session is 404."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from organizations.models import Organization, Role
from organizations.permissions import get_branch_for_user, scope_for

from .models import AppraisalSession, Status

SEE, RUN, KEY_PAPER, ANNUL = "see", "run", "key_paper", "annul"


def may(user: Any, branch_id: int, action: str) -> bool:
    scope = scope_for(user)
    if action == RUN:
        return scope.has_role(branch_id, Role.SECRETARY)
    if action == ANNUL:
        # The committee annuls where the secretary was appraised in the session.
        return scope.has_role(branch_id, Role.SECRETARY) or scope.is_committee
    if action == KEY_PAPER:
        return scope.may_record_points(branch_id)
    return scope.is_officer(branch_id)


def get_session_for_user(user: Any, pk: int, action: str = SEE) -> AppraisalSession:
    """The session if the user is an officer of its branch; 403 when the action is not theirs."""
    session = AppraisalSession.objects.select_related("branch").filter(pk=pk).first()
    if session is None or not may(user, session.branch_id, SEE):
        raise Http404
    if not may(user, session.branch_id, action):
        raise PermissionDenied
    return session


def get_branch_to_run(user: Any, code: str) -> Organization:
    branch = get_branch_for_user(user, code)
    if not may(user, branch.pk, RUN):
        raise PermissionDenied
    return branch


def get_filled_session_for_user(user: Any, pk: int) -> AppraisalSession:
    """A closed session the user sees (its filled-in form 3 exists); else 404."""
    session = get_session_for_user(user, pk)
    if session.status == Status.OPEN or session.closed_at is None:
        raise Http404
    return session
