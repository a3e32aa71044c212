"""Who may see and act on a declaration.

The member sees their own; the branch's officers (and the committee) see the branch's;
the assessment group (group members, recorder, secretary) reviews them. Anyone else
gets 404: another branch's declarations do not exist for them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from organizations.models import Organization, Role
from organizations.permissions import get_branch_for_user, may_act_on_points, scope_for

from .models import Declaration, EvidenceFile

SEE, EDIT, REVIEW = "see", "edit", "review"


def is_own(user: Any, declaration: Declaration) -> bool:
    return declaration.member.user_id is not None and declaration.member.user_id == user.pk


def may(user: Any, declaration: Declaration, action: str) -> bool:
    scope = scope_for(user)
    if action == EDIT:
        return is_own(user, declaration)
    if action == REVIEW:
        return may_act_on_points(user, declaration.member)
    return is_own(user, declaration) or scope.is_officer(declaration.branch_id)


def _int(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404 from None


def get_declaration_for_user(user: Any, pk: Any, action: str = SEE) -> Declaration:
    """The declaration if the user may see it (else 404) and do `action` to it (else 403)."""
    declaration = (
        Declaration.objects.select_related("member", "member__user", "branch", "late_opened_by")
        .filter(pk=_int(pk))
        .first()
    )
    if declaration is None or not may(user, declaration, SEE):
        raise Http404
    if not may(user, declaration, action):
        raise PermissionDenied
    return declaration


def get_evidence_for_user(user: Any, pk: Any, file_pk: Any) -> EvidenceFile:
    """An evidence file, only for those who may see its declaration."""
    declaration = get_declaration_for_user(user, pk)
    evidence = EvidenceFile.objects.filter(declaration=declaration, pk=_int(file_pk)).first()
    if evidence is None:
        raise Http404
    evidence.declaration = declaration
    return evidence


def may_review_anywhere(user: Any) -> bool:
    scope = scope_for(user)
    return any(scope.may_record_points(branch_id) for branch_id in scope.branch_ids)


def reviewable_branch_ids(user: Any) -> list[int]:
    scope = scope_for(user)
    return [b for b in scope.branch_ids if scope.may_record_points(b)]


def get_branch_to_open_late(user: Any, code: str) -> Organization:
    """The branch, for its recorder or secretary (who alone open late declarations)."""
    branch = get_branch_for_user(user, code)
    if not scope_for(user).has_role(branch.pk, Role.RECORDER, Role.SECRETARY):
        raise Http404
    return branch
