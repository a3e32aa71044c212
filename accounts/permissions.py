"""Who may act on whose account: open a member's login, disable or enable it, reset a lost
authenticator. Anyone else gets 404: another branch's members do not exist for them."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from organizations.models import Member
from organizations.permissions import (
    get_member_for_user,
    may_manage_account,
    may_manage_members,
    scope_for,
)

from .models import User


def get_account_to_manage(user: Any, member_pk: Any) -> Member:
    """A member whose login the user may disable or enable; else 404."""
    member = get_member_for_user(user, member_pk)
    if not may_manage_account(user, member):
        raise Http404
    return member


def get_member_to_keep(user: Any, pk: Any) -> Member:
    """A member of a branch whose roll the user keeps; else 404."""
    member = get_member_for_user(user, pk)
    if not may_manage_members(user, member.branch):
        raise Http404
    return member


def get_active_member_to_keep(user: Any, pk: Any) -> Member:
    """An active member of a branch whose roll the user keeps; else 404."""
    member = get_member_to_keep(user, pk)
    if not member.is_active:
        raise Http404
    return member


def get_member_to_open_login(user: Any, pk: Any) -> Member:
    """An active member without a login, of a branch whose roll the user keeps; else 404."""
    member = get_active_member_to_keep(user, pk)
    if member.user_id is not None:
        raise Http404
    return member


def may_reset_two_factor(actor: Any, target: User) -> bool:
    """The committee or a superuser resets a lost authenticator; a superuser's, only a superuser."""
    if actor.is_superuser:
        return True
    return scope_for(actor).is_committee and not target.is_superuser


def get_user_to_reset_two_factor(user: Any, pk: Any) -> User:
    """A user whose lost authenticator the user may reset; else 404."""
    target = User.objects.filter(pk=pk).first()
    if target is None or not may_reset_two_factor(user, target):
        raise Http404
    return target
