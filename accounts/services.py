"""Account writes that are not about a member's record (those live in organizations.services)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, snapshot

from .models import User

USER_AUDIT_FIELDS = ["id", "username", "is_active"]


def _sessions_of(user: User) -> list[str]:
    """Keys of the unexpired database sessions signed in as `user`."""
    wanted = str(user.pk)
    keys = []
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == wanted:
            keys.append(session.session_key)
    return keys


def end_sessions(user: User) -> int:
    """End every stored session of the user at once; returns how many."""
    keys = _sessions_of(user)
    Session.objects.filter(session_key__in=keys).delete()
    return len(keys)


def user_disable(*, user: User, actor: Any) -> int:
    """Disable a login and end its sessions at once; returns how many sessions ended.

    Two locks: every stored session of the user is deleted, and even a session
    kept elsewhere (another SESSION_ENGINE) stops working, because Django's
    ModelBackend.get_user() refuses inactive users on every request.
    """
    with transaction.atomic():
        before = snapshot(user, USER_AUDIT_FIELDS)
        user.is_active = False
        user.save(update_fields=["is_active"])
        keys = _sessions_of(user)
        Session.objects.filter(session_key__in=keys).delete()
        audit_record(
            action="user.disable",
            actor=actor,
            obj=user,
            before=before,
            after={**snapshot(user, USER_AUDIT_FIELDS), "sessions_ended": len(keys)},
        )
    return len(keys)


def user_enable(*, user: User, actor: Any) -> None:
    """Let a disabled login sign in again (its old sessions stay ended)."""
    with transaction.atomic():
        before = snapshot(user, USER_AUDIT_FIELDS)
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit_record(
            action="user.enable",
            actor=actor,
            obj=user,
            before=before,
            after=snapshot(user, USER_AUDIT_FIELDS),
        )
