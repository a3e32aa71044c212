"""Who may see and keep a department's platforms.

The department's head (participation.DepartmentHead) sets up and changes its platforms.
The committee and the department's own members look at them; anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.ids import id_or_404
from organizations.models import Department
from organizations.permissions import scope_for
from participation.permissions import headed_department_ids

from .models import Platform


def may_keep(user: Any, department_id: int) -> bool:
    return department_id in headed_department_ids(user)


def may_see(user: Any, department_id: int) -> bool:
    scope = scope_for(user)
    own = scope.member is not None and scope.member.department_id == department_id
    return scope.is_committee or own or may_keep(user, department_id)


def get_department_for_user(user: Any, pk: Any) -> Department:
    """A department whose platforms the user may look at: its head, its members, the
    committee; 404 for anyone else."""
    department = Department.objects.filter(pk=id_or_404(pk)).first()
    if department is None or not may_see(user, department.pk):
        raise Http404
    return department


def get_department_to_keep(user: Any, pk: Any) -> Department:
    department = get_department_for_user(user, pk)
    if not may_keep(user, department.pk):
        raise PermissionDenied
    return department


def get_platform_to_keep(user: Any, pk: Any) -> Platform:
    """A platform of a department the user heads; 403 for those who only look, else 404."""
    platform = Platform.objects.select_related("department").filter(pk=id_or_404(pk)).first()
    if platform is None or not may_see(user, platform.department_id):
        raise Http404
    if not may_keep(user, platform.department_id):
        raise PermissionDenied
    return platform


def get_own_department_id(user: Any) -> int:
    """The department of the user's own member record; 404 for someone without one."""
    member = scope_for(user).member
    if member is None or not member.department_id:
        raise Http404
    return member.department_id
