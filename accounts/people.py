"""People who sign in: opening a member's login with a printed slip, a new password, and
a member who has left or died (kept on the roll for the record, out of the ranking, the
login disabled)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from core.errors import DomainError, PermissionDenied
from core.locks import ROW_LOCK
from organizations.models import LeftReason, Member, Participation, RoleAssignment
from organizations.permissions import is_own_member, may_manage_members
from organizations.roles import role_end
from organizations.services import check_username, user_create_for_member

from .activation import Slip, activation_issue
from .models import Activation
from .services import user_disable

LEFT_FIELDS = ["is_active", "left_on", "left_reason", "left_note"]


@transaction.atomic
def member_leave(*, member: Member, reason: str, on: dt.date, note: str = "", actor: Any) -> Member:
    """Record that a member has left the bureau or died: their login is disabled, their
    roles end, and from that year on they do not take part (their past stays)."""
    member = Member.objects.select_for_update(**ROW_LOCK).select_related("branch").get(pk=member.pk)
    if not may_manage_members(actor, member.branch):
        raise PermissionDenied(_("Only the branch secretary or the committee records this."))
    if is_own_member(actor, member):
        raise DomainError(_("Nobody records their own leaving; another officer does."))
    if not member.is_active:
        raise DomainError(_("%(name)s has already left.") % {"name": member.name})
    if reason not in LeftReason.values:
        raise DomainError(_("Choose why the member left."))
    today = timezone.localdate()
    if not isinstance(on, dt.date) or on > today:
        raise DomainError(_("The day cannot be in the future."))
    note = (note or "").strip()[:200]
    if reason == LeftReason.OTHER and not note:
        raise DomainError(_("Say why the member left."))
    before = snapshot(member, LEFT_FIELDS)
    member.is_active, member.left_on, member.left_reason, member.left_note = False, on, reason, note
    member.save(update_fields=LEFT_FIELDS)
    # Not ranked from the year they left: a member who died in March has no year-end rank.
    Participation.objects.update_or_create(
        member=member,
        year=on.year,
        defaults={"takes_part": False, "reason": str(LeftReason(reason).label)[:200]},
    )
    held = Q(member=member) | (Q(user_id=member.user_id) if member.user_id else Q(pk__in=[]))
    for assignment in RoleAssignment.objects.filter(held, ends_on__isnull=True):
        role_end(assignment=assignment, reason=_("The member left."), actor=actor)
    if member.user is not None and member.user.is_active:
        user_disable(user=member.user, actor=actor)
    audit_record(
        action="organizations.member.left",
        actor=actor,
        obj=member,
        organization=member.branch_id,
        before=before,
        after=snapshot(member, LEFT_FIELDS),
    )
    return member


@transaction.atomic
def member_login_open(*, member: Member, username: str, actor: Any) -> Slip:
    """Open a login for a member: no password yet, a printed slip with a one-time code that
    lets the member choose one (valid for a week)."""
    if not may_manage_members(actor, member.branch):
        raise PermissionDenied(_("Only the branch secretary or the committee opens logins."))
    username = check_username(username)
    user = user_create_for_member(member=member, username=username, password=None, actor=actor)
    return activation_issue(user=user, purpose=Activation.Purpose.OPEN, actor=actor)


@transaction.atomic
def member_login_slip(*, member: Member, actor: Any) -> Slip:
    """A new slip for a member's login: a reset (the old password ends at once), or a
    replacement for an unused opening slip that was lost."""
    if not may_manage_members(actor, member.branch):
        raise PermissionDenied(_("Only the branch secretary or the committee resets passwords."))
    if member.user is None:
        raise DomainError(_("%(name)s has no login yet.") % {"name": member.name})
    if is_own_member(actor, member):
        raise DomainError(_("Change your own password on your account page."))
    user = member.user
    opened = (
        user.has_usable_password()
        or Activation.objects.filter(user=user, used_at__isnull=False).exists()
    )
    purpose = Activation.Purpose.RESET if opened else Activation.Purpose.OPEN
    return activation_issue(user=user, purpose=purpose, actor=actor)


def suggest_username(member: Member) -> str:
    """The name in pinyin (张红梅 → zhanghongmei), with a number if it is taken."""
    from pypinyin import lazy_pinyin

    from .models import User

    base = "".join(lazy_pinyin(member.name)).lower()
    base = "".join(ch for ch in base if ch.isascii() and ch.isalnum())[:26] or "member"
    if len(base) < 3:
        base = f"{base}{member.pk}"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate
