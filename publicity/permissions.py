"""Who may publish, read, object to and answer a publication; who keeps the lobby screens.

The branch's secretary and assessment group publish and answer objections. A
publication is read by the branch's members, its officers and the committee; only a
member of the branch objects. Lobby screens are the committee's. Anything of another
branch is 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from core.ids import id_or_404
from organizations.models import Member, Organization, Role
from organizations.permissions import get_branch_for_user, scope_for

from .models import Objection, Publication, Screen

PUBLISHERS = (Role.SECRETARY, Role.GROUP_MEMBER)


def may_publish(user: Any, branch_id: int) -> bool:
    return scope_for(user).has_role(branch_id, *PUBLISHERS)


def may_read(user: Any, branch_id: int) -> bool:
    scope = scope_for(user)
    own = scope.member is not None and scope.member.branch_id == branch_id
    return own or scope.is_officer(branch_id)


def own_member_of(user: Any, branch_id: int) -> Member | None:
    """The signed-in member if they belong to this branch (and so may object)."""
    member = scope_for(user).member
    return member if member is not None and member.branch_id == branch_id else None


def get_branch_to_publish(user: Any, code: str) -> Organization:
    """The branch if the user is its secretary or on its assessment group; else 404."""
    branch = get_branch_for_user(user, code)
    if not may_publish(user, branch.pk):
        raise Http404
    return branch


def get_publication_for_user(user: Any, pk: Any) -> Publication:
    publication = (
        Publication.objects.select_related("branch", "published_by")
        .filter(pk=id_or_404(pk))
        .first()
    )
    if publication is None or not may_read(user, publication.branch_id):
        raise Http404
    return publication


def get_objection_to_answer(user: Any, pk: Any) -> Objection:
    objection = (
        Objection.objects.select_related("publication__branch", "member", "row", "correction")
        .filter(pk=id_or_404(pk))
        .first()
    )
    if objection is None or not may_publish(user, objection.publication.branch_id):
        raise Http404
    return objection


def require_committee(user: Any) -> None:
    if not scope_for(user).is_committee:
        raise Http404


def get_screen_for_committee(user: Any, pk: Any) -> Screen:
    require_committee(user)
    screen = Screen.objects.filter(pk=id_or_404(pk)).first()
    if screen is None:
        raise Http404
    return screen
