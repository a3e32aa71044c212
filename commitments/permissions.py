"""Who may see and decide commitments and posts.

A member drafts, submits and reports on their own commitments. The branch's
secretary and assessment group approve, return and assess them; the recorder
and the committee may look. The secretary (or the committee) changes a post's
public key. Anything of another branch is 404.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.ids import id_or_404
from organizations.models import Member, Organization, Role
from organizations.permissions import get_branch_for_user, get_member_for_user, scope_for

from .models import Commitment, IdentityPost

DECIDERS = (Role.SECRETARY, Role.GROUP_LEADER, Role.GROUP_MEMBER)


def own_member(user: Any) -> Member:
    """The signed-in member; 404 for an account that is not a member."""
    member = scope_for(user).member
    if member is None:
        raise Http404
    return member


def get_own_commitment(user: Any, pk: Any) -> Commitment:
    member = own_member(user)
    commitment = (
        Commitment.objects.select_related("member", "branch").filter(
            pk=id_or_404(pk), member=member
        )
    ).first()
    if commitment is None:
        raise Http404
    return commitment


def may_decide(user: Any, branch_id: int) -> bool:
    return scope_for(user).has_role(branch_id, *DECIDERS)


def get_commitment_to_decide(user: Any, pk: Any) -> Commitment:
    """A commitment of a branch the user decides for; 404 if unseen, 403 if only a viewer."""
    commitment = (
        Commitment.objects.select_related("member", "branch").filter(pk=id_or_404(pk)).first()
    )
    if commitment is None or not scope_for(user).is_officer(commitment.branch_id):
        raise Http404
    if not may_decide(user, commitment.branch_id):
        raise PermissionDenied
    return commitment


def get_branch_to_review(user: Any, code: str) -> Organization:
    """The branch's commitments page: its officers and the committee."""
    return get_branch_for_user(user, code)


def get_member_post(user: Any, pk: Any) -> Member:
    """A member whose post card the user may print: themself, an officer of the branch,
    the committee."""
    return get_member_for_user(user, id_or_404(pk))


def get_member_post_to_rekey(user: Any, pk: Any) -> Member:
    member = get_member_for_user(user, id_or_404(pk))
    scope = scope_for(user)
    if not scope.is_officer(member.branch_id):
        raise Http404
    if not (scope.is_committee or scope.has_role(member.branch_id, Role.SECRETARY)):
        raise PermissionDenied
    return member


def may_change_rule(user: Any, branch_id: int) -> bool:
    return scope_for(user).has_role(branch_id, Role.SECRETARY)


def get_active_member_post(user: Any, pk: Any) -> Member:
    """An active member whose post card the user may print or make; else 404."""
    member = get_member_post(user, pk)
    if not member.is_active:
        raise Http404
    return member


def get_public_post(token: str) -> IdentityPost:
    """The post page behind a QR code, for everyone, while its member is active; else 404."""
    post = (
        IdentityPost.objects.select_related("member__branch")
        .filter(token=token[:40], member__is_active=True)
        .first()
    )
    if post is None:
        raise Http404
    return post


PHOTO_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


def get_public_photo(token: str) -> tuple[Member, str]:
    """The member behind a post's key and their photo's content type, when they have a photo
    of a kind browsers show; else 404."""
    member = get_public_post(token).member
    if not member.photo:
        raise Http404
    content_type = mimetypes.guess_type(member.photo.name or "")[0] or ""
    if content_type not in PHOTO_TYPES:
        raise Http404
    return member, content_type
