"""Who hears about a decision: a member's own account, a branch's secretaries, the
committee's administrators. Shared by the services that send decision notifications;
and the number a text message goes to (registered with notifications.channels)."""

from __future__ import annotations

from typing import Any

from notifications.models import Notification
from notifications.services import notify

from .models import Member, Organization, Role, RoleAssignment


def branch_secretaries(branch: Organization) -> list[Any]:
    """The branch's secretaries; a branch without one: its general branch's."""
    for org_id in (branch.pk, branch.parent_id):
        if org_id is None:
            continue
        users = [
            a.user
            for a in RoleAssignment.objects.current()
            .filter(organization_id=org_id, role=Role.SECRETARY)
            .select_related("user")
        ]
        if users:
            return users
    return []


def committee_admins(organization: Organization) -> list[Any]:
    """The administrators of the committee the organisation belongs to."""
    committee = organization.committee()
    return [
        a.user
        for a in RoleAssignment.objects.current()
        .filter(organization=committee, role=Role.COMMITTEE_ADMIN)
        .select_related("user")
    ]


def tell_member(member: Member, *, title: Any, url: str, key: str) -> None:
    """A decision about the member's own request, to the member's account (if any)."""
    if member.user_id:
        notify(
            user=member.user,
            kind=Notification.Kind.OTHER,
            title=title,
            url=url,
            dedupe_key=key,
        )


def tell_users(users: list[Any], *, title: Any, url: str, key: str) -> None:
    for user in users:
        notify(user=user, kind=Notification.Kind.OTHER, title=title, url=url, dedupe_key=key)


def phones(user_ids: list[int]) -> dict[int, str]:
    """The phone of each user's active member record, where one is written (one query)."""
    rows = Member.objects.filter(user_id__in=user_ids, is_active=True).exclude(phone="")
    return {user_id: phone for user_id, phone in rows.values_list("user_id", "phone")}
