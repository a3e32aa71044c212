"""Who may publish, read, object to and answer a publication; who keeps the lobby screens.

The branch's secretary and assessment group publish and answer objections. A
publication is read by the branch's members, its officers and the committee; only a
member of the branch objects. Lobby screens (电子屏) are kept by the committee, for
every branch or one, and by a branch's secretary for their own branch. Anything of
another branch is 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from core.ids import id_or_404
from organizations.models import Member, Organization, Role
from organizations.permissions import get_branch_for_user, scope_for

from .models import Objection, Publication, Screen

PUBLISHERS = (Role.SECRETARY, Role.GROUP_LEADER, Role.GROUP_MEMBER)
SCREEN_KEEPERS = (Role.SECRETARY,)


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


def get_own_member_of(user: Any, branch_id: int) -> Member:
    """The signed-in member of this branch (who may object); anyone else 404."""
    member = own_member_of(user, branch_id)
    if member is None:
        raise Http404
    return member


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


SCREEN_KEEPERS = (Role.SECRETARY,)


def screen_branch_ids(user: Any) -> list[int]:
    """The branches whose screens the user keeps besides the committee's: their own
    branches as secretary (the plan puts the 电子屏 at branch level too)."""
    scope = scope_for(user)
    return sorted(b for b, roles in scope.branch_roles.items() if roles & set(SCREEN_KEEPERS))


def may_keep_screens(user: Any) -> bool:
    return scope_for(user).is_committee or bool(screen_branch_ids(user))


def screen_branches_for(user: Any) -> QuerySet[Organization]:
    """The branches a new screen of the user's may show (the committee: any)."""
    branches = Organization.objects.exclude(kind=Organization.Kind.COMMITTEE)
    if scope_for(user).is_committee:
        return branches.order_by("order", "code")
    return branches.filter(pk__in=screen_branch_ids(user)).order_by("order", "code")


def screens_for(user: Any) -> QuerySet[Screen]:
    """The screens the user keeps: every one for the committee, their branches' otherwise;
    404 for anyone who keeps none."""
    if not may_keep_screens(user):
        raise Http404
    screens = Screen.objects.select_related("branch", "created_by", "revoked_by")
    if scope_for(user).is_committee:
        return screens
    return screens.filter(branch_id__in=screen_branch_ids(user))


def get_screen_to_keep(user: Any, pk: Any) -> Screen:
    """A screen the user may revoke; another branch's (or a committee-wide one) is 404."""
    screen = screens_for(user).filter(pk=id_or_404(pk)).first()
    if screen is None:
        raise Http404
    return screen


def get_screen_by_token(token: str) -> Screen:
    """The active screen behind a secret address, for anyone holding it; an unknown or
    revoked one is 404."""
    screen = (
        Screen.objects.filter(token=token, revoked_at__isnull=True).select_related("branch").first()
        if token and len(token) <= 64
        else None
    )
    if screen is None:
        raise Http404
    return screen
