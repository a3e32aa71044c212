"""Reminders of the year's commitments (plan 一(二)2: 每年……作出 1-2 项承诺), run by the
daily job (portal.reminders.send_reminders).

Members taking part who have made no commitment hear it twice a year: in the week before
their branch's deadline, and once the deadline has passed (the first run after it, so a
missed day does not lose the reminder). After the deadline the branch's secretaries hear
how many are still without. Each reminder has a dedupe key: a second run sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.urls import reverse
from django.utils.translation import gettext as _

from notifications.models import Notification
from notifications.services import notify, notify_many
from organizations.models import Member, Organization
from organizations.recipients import branch_secretaries

from .selectors import commitment_deadlines, members_without_commitment

NOTICE_DAYS = 7


def remind_missing_commitments(today: dt.date) -> int:
    """The day's commitment reminders; returns how many were sent."""
    year = today.year
    branches = {b.pk: b for b in Organization.objects.exclude(kind=Organization.Kind.COMMITTEE)}
    deadlines = commitment_deadlines(branches, year)
    due = {
        pk for pk, day in deadlines.items() if day - dt.timedelta(days=NOTICE_DAYS) <= today <= day
    }
    late = {pk for pk, day in deadlines.items() if today > day}
    if not due and not late:
        return 0
    without: dict[int, list[Member]] = defaultdict(list)
    for member in members_without_commitment(due | late, year).select_related("user"):
        without[member.branch_id].append(member)
    url = f"{reverse('commitments:mine')}?year={year}"
    sent = 0
    for branch_id, members in without.items():
        deadline = deadlines[branch_id].isoformat()
        if branch_id in due:
            title = _(
                "Make your commitment for %(year)d: the branch asks for it by %(deadline)s."
            ) % {"year": year, "deadline": deadline}
            stage = "due"
        else:
            title = _(
                "Your branch's deadline for %(year)d's commitments (%(deadline)s) has passed "
                "and you have made none yet."
            ) % {"year": year, "deadline": deadline}
            stage = "late"
        for member in members:
            if member.user is None or not member.user.is_active:
                continue
            if notify(
                user=member.user,
                kind=Notification.Kind.OTHER,
                title=title,
                url=url,
                dedupe_key=f"commitments:{year}:{stage}",
            ):
                sent += 1
        if branch_id in late:
            sent += len(
                notify_many(
                    users=branch_secretaries(branches[branch_id]),
                    kind=Notification.Kind.OTHER,
                    title=_(
                        "%(n)d members of %(branch)s have made no commitment for %(year)d "
                        "by the deadline (%(deadline)s)."
                    )
                    % {
                        "n": len(members),
                        "branch": branches[branch_id].name,
                        "year": year,
                        "deadline": deadline,
                    },
                    url=reverse(
                        "commitments:review",
                        kwargs={"code": branches[branch_id].code, "year": year},
                    ),
                    dedupe_key=f"commitments:{year}:late:{branch_id}",
                )
            )
    return sent
