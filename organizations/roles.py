"""Roles with dates (plan §1.3, §3.1): who is secretary, on the assessment group, recorder,
in the points leading group or its responsible person, from when until when, and why.

A role is granted to a member (who may have no login: the leading group's members often
have none) or to a login (a committee administrator may hold no member record). Ending a
role keeps its row. Nobody grants or ends their own role; the last committee
administrator cannot go. Every grant and end is audited and the person is told.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from core.actors import signed_in
from core.errors import DomainError, PermissionDenied
from core.locks import ROW_LOCK
from notifications.models import Notification
from notifications.services import notify

from .models import Member, Organization, Role, RoleAssignment

# Roles held in a branch or general branch; the committee's own is its administrator.
BRANCH_ROLES = (
    Role.SECRETARY,
    Role.DEPUTY_SECRETARY,
    Role.GROUP_LEADER,
    Role.GROUP_MEMBER,
    Role.RECORDER,
    Role.LEADING_GROUP,
    Role.RESPONSIBLE,
)
# Roles someone must sign in for: they act in the system.
LOGIN_ROLES = (
    Role.COMMITTEE_ADMIN,
    Role.SECRETARY,
    Role.GROUP_LEADER,
    Role.GROUP_MEMBER,
    Role.RECORDER,
)
# One person at a time holds these in an organisation.
SINGLE_ROLES = (Role.SECRETARY, Role.RESPONSIBLE)
REASON_LIMIT = 200


def _check_role_fits(organization: Organization, role: str) -> None:
    if role not in Role.values or role in (Role.MEMBER, Role.DEPARTMENT_HEAD):
        raise DomainError(_("Unknown role."))
    if role == Role.COMMITTEE_ADMIN and not organization.is_committee:
        raise DomainError(_("A committee administrator is appointed in a party committee."))
    if role != Role.COMMITTEE_ADMIN and organization.is_committee:
        raise DomainError(_("Branch roles are held in a branch or general branch."))
    if organization.is_closed:
        raise DomainError(_("%(org)s is closed.") % {"org": organization.name})


def _holder_query(user: Any, member: Member | None) -> dict[str, Any]:
    return {"member": member} if member is not None else {"user": user}


def _is_self(actor: Any, user: Any, member: Member | None) -> bool:
    actor_id = getattr(actor, "pk", None)
    if actor_id is None:
        return False
    if user is not None and getattr(user, "pk", None) == actor_id:
        return True
    return member is not None and member.user_id == actor_id


def _tell(user: Any, title: str, organization: Organization) -> None:
    if user is None:
        return
    notify(
        user=user,
        kind=Notification.Kind.OTHER,
        title=title,
        url=reverse("organizations:org_detail", kwargs={"code": organization.code}),
    )


@transaction.atomic
def role_grant(
    *,
    organization: Organization,
    role: str,
    user: Any = None,
    member: Member | None = None,
    starts_on: dt.date | None = None,
    reason: str = "",
    actor: Any = None,
) -> RoleAssignment:
    """Appoint someone to a role from a day (today by default), with a reason."""
    _check_role_fits(organization, role)
    if member is not None:
        if not member.is_active:
            raise DomainError(_("%(name)s has left the branch.") % {"name": member.name})
        user = member.user if member.user_id is not None else None
    if user is None and member is None:
        raise DomainError(_("Choose whom to appoint."))
    if member is None and user is not None:
        member = Member.objects.filter(user=user).first()
    if role in LOGIN_ROLES and user is None:
        raise DomainError(
            _("%(role)s acts in the system: open a login for %(name)s first, then appoint them.")
            % {"role": Role(role).label, "name": member.name if member else ""}
        )
    if _is_self(actor, user, member):
        raise DomainError(_("Nobody appoints themselves; another administrator does."))
    reason = (reason or "").strip()[:REASON_LIMIT]
    held = RoleAssignment.objects.filter(
        organization=organization, role=role, ends_on__isnull=True, **_holder_query(user, member)
    )
    if held.exists():
        raise DomainError(_("%(name)s already holds this role there.") % {"name": member or user})
    if role in SINGLE_ROLES:
        other = (
            RoleAssignment.objects.current()
            .filter(organization=organization, role=role)
            .select_related("member", "user")
            .first()
        )
        if other is not None:
            raise DomainError(
                _(
                    "%(name)s is %(role)s of %(org)s now; end that role first (there is one "
                    "at a time)."
                )
                % {"name": other.holder_name, "role": Role(role).label, "org": organization.name}
            )
    assignment = RoleAssignment.objects.create(
        user=user,
        member=member,
        organization=organization,
        role=role,
        starts_on=starts_on,
        reason=reason,
        granted_by=signed_in(actor),
    )
    audit_record(
        action="organizations.role.granted",
        actor=actor,
        obj=assignment,
        organization=organization,
        after={
            **snapshot(assignment, ["user", "member", "role", "starts_on", "reason"]),
            "username": user.get_username() if user is not None else "",
        },
    )
    _tell(
        user,
        _("You are appointed %(role)s of %(org)s from %(day)s.")
        % {
            "role": Role(role).label,
            "org": organization.name,
            "day": (starts_on or timezone.localdate()).isoformat(),
        },
        organization,
    )
    return assignment


def _last_committee_admin(assignment: RoleAssignment) -> bool:
    if assignment.role != Role.COMMITTEE_ADMIN:
        return False
    others = (
        RoleAssignment.objects.current()
        .filter(organization=assignment.organization_id, role=Role.COMMITTEE_ADMIN)
        .exclude(pk=assignment.pk)
    )
    return not others.exists()


@transaction.atomic
def role_end(
    *,
    assignment: RoleAssignment,
    ends_on: dt.date | None = None,
    reason: str = "",
    actor: Any = None,
) -> RoleAssignment:
    """End a role from a day (today by default: the role stops at once), with a reason."""
    assignment = (
        RoleAssignment.objects.select_for_update(**ROW_LOCK)
        .select_related("organization", "member", "user")
        .get(pk=assignment.pk)
    )
    if assignment.ends_on is not None:
        raise DomainError(_("This role has already ended."))
    if _is_self(actor, assignment.user, assignment.member):
        raise DomainError(_("Nobody ends their own role; another administrator does."))
    reason = (reason or "").strip()[:REASON_LIMIT]
    if not reason:
        raise DomainError(_("Give the reason the role ends."))
    ends_on = ends_on or timezone.localdate()
    if assignment.starts_on is not None and ends_on < assignment.starts_on:
        raise DomainError(_("A role cannot end before it began."))
    if _last_committee_admin(assignment):
        raise DomainError(
            _("This is the last committee administrator; appoint another one before ending it.")
        )
    before = snapshot(assignment, ["ends_on", "end_reason"])
    assignment.ends_on = ends_on
    assignment.end_reason = reason
    assignment.ended_by = signed_in(actor)
    assignment.save(update_fields=["ends_on", "end_reason", "ended_by"])
    audit_record(
        action="organizations.role.ended",
        actor=actor,
        obj=assignment,
        organization=assignment.organization,
        before=before,
        after=snapshot(assignment, ["ends_on", "end_reason"]),
    )
    _tell(
        assignment.user,
        _("Your role as %(role)s of %(org)s ends on %(day)s.")
        % {
            "role": assignment.get_role_display(),
            "org": assignment.organization.name,
            "day": ends_on.isoformat(),
        },
        assignment.organization,
    )
    return assignment


def roles_link_login(member: Member) -> int:
    """A member's new login takes over the roles recorded for the member."""
    return RoleAssignment.objects.filter(member=member, user__isnull=True).update(user=member.user)


def check_may_manage_roles(actor: Any, organization: Organization) -> None:
    from .permissions import may_manage_roles

    if not may_manage_roles(actor, organization):
        raise PermissionDenied(_("You may not appoint people in %(org)s.") % {"org": organization})
