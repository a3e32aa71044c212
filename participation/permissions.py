"""Who may see and decide participation.

A member sees their own applications. The branch's officers see the branch's; its
secretary approves or refuses them. The committee files or returns them and sees
every branch. A department head sees the retired members of their departments and
decides whether they take part. Anything else is 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.ids import id_or_404
from organizations.models import Member, Role
from organizations.permissions import scope_for

from .models import DepartmentHead, Exemption, RetireeDecision


def _exemption(pk: Any) -> Exemption:
    exemption = (
        Exemption.objects.select_related("member", "branch", "member__department")
        .filter(pk=id_or_404(pk))
        .first()
    )
    if exemption is None:
        raise Http404
    return exemption


def get_exemption_for_user(user: Any, pk: Any) -> Exemption:
    """The applicant, the branch's officers and the committee see an application."""
    exemption = _exemption(pk)
    scope = scope_for(user)
    own = scope.member is not None and scope.member.pk == exemption.member_id
    if not (own or scope.is_officer(exemption.branch_id)):
        raise Http404
    return exemption


def may_open_attachments(user: Any, branch_id: int) -> bool:
    """An application's attachment (a medical certificate and the like: health data,
    sensitive personal information under PIPL) is for those who decide: the branch's
    secretary and the committee; the applicant always sees their own. The recorder and
    the assessment group see the application, not its attachment."""
    scope = scope_for(user)
    return scope.is_committee or scope.has_role(branch_id, Role.SECRETARY)


def get_exemption_attachment_for_user(user: Any, pk: Any) -> Exemption:
    """The application whose attachment the user may open; other officers 403, others 404."""
    exemption = get_exemption_for_user(user, pk)
    member = scope_for(user).member
    own = member is not None and member.pk == exemption.member_id
    if not (own or may_open_attachments(user, exemption.branch_id)):
        raise PermissionDenied
    return exemption


def get_exemption_for_branch(user: Any, pk: Any) -> Exemption:
    """An application the branch decides: its secretary; other officers 403, others 404."""
    exemption = _exemption(pk)
    scope = scope_for(user)
    if not scope.is_officer(exemption.branch_id):
        raise Http404
    if not scope.has_role(exemption.branch_id, Role.SECRETARY):
        raise PermissionDenied
    return exemption


def get_exemption_for_committee(user: Any, pk: Any) -> Exemption:
    if not scope_for(user).is_committee:
        raise Http404
    return _exemption(pk)


def headed_department_ids(user: Any) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_jifen_headed", None)
    if cached is None:
        cached = list(
            DepartmentHead.objects.filter(user=user).values_list("department_id", flat=True)
        )
        user._jifen_headed = cached
    return cached


def get_retiree_for_head(user: Any, pk: Any) -> Member:
    """A retired member of a department the user heads; 404 otherwise."""
    member = (
        Member.objects.select_related("branch", "department")
        .filter(
            pk=id_or_404(pk),
            is_retired=True,
            is_active=True,
            department_id__in=headed_department_ids(user),
        )
        .first()
    )
    if member is None:
        raise Http404
    return member


def get_retiree_decision_for_committee(user: Any, pk: Any) -> RetireeDecision:
    """A department's decision on a retiree, for the committee to file; 404 for others."""
    if not scope_for(user).is_committee:
        raise Http404
    decision = RetireeDecision.objects.select_related("member").filter(pk=id_or_404(pk)).first()
    if decision is None:
        raise Http404
    return decision


def get_department_head(pk: Any) -> DepartmentHead:
    """A department head's appointment (the caller has checked the committee), else 404."""
    head = DepartmentHead.objects.select_related("user").filter(pk=id_or_404(pk)).first()
    if head is None:
        raise Http404
    return head


def check_department_head(user: Any) -> list[int]:
    """The departments the user heads, at least one; else 404."""
    departments = headed_department_ids(user)
    if not departments:
        raise Http404
    return departments
