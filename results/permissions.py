"""Who may see and act on 结果运用: a branch's officers their branch, the committee all.

Handling cases and vanguard posts of other branches do not exist for anyone else (404).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from commitments.models import VanguardPost
from organizations.models import Role
from organizations.permissions import check_committee, scope_for

from .models import HandlingCase


def get_case_for_user(user: Any, pk: int) -> HandlingCase:
    """A handling case of a branch the user is an officer of (or the committee)."""
    case = (
        HandlingCase.objects.filter(pk=pk)
        .select_related("branch", "member", "proposed_by", "decided_by")
        .first()
    )
    if case is None or not scope_for(user).is_officer(case.branch_id):
        raise Http404
    return case


def may_see_consent_scan(user: Any, case: HandlingCase) -> bool:
    """The consent concerns a member's standing in the party: the committee and the branch
    secretary open its scan, nobody else."""
    scope = scope_for(user)
    return scope.is_committee or scope.has_role(case.branch_id, Role.SECRETARY)


def get_case_with_scan_for_user(user: Any, pk: int) -> HandlingCase:
    case = get_case_for_user(user, pk)
    if not may_see_consent_scan(user, case):
        raise Http404
    return case


def get_post_for_committee(user: Any, pk: int) -> VanguardPost:
    """A vanguard post for the committee to decide on."""
    check_committee(user)
    post = VanguardPost.objects.select_related("member", "branch").filter(pk=pk).first()
    if post is None:
        raise Http404
    return post
