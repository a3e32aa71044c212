"""The daily reminders of the monthly routine (plan 一(三)1–2: 每月申报, 考评小组认定).

`send_reminders(today=...)` is run once a day by `manage.py send_reminders`:
- on the 1st, "declarations for last month are open" to every member with an account;
- DEADLINE_NOTICE_DAYS before a branch's deadline, a reminder to its members who have
  not submitted last month's declaration;
- every day, to each branch's assessment group, the number of declarations waiting
  for review;
- to members without a commitment for the year, before and after their branch's deadline
  (commitments.reminders).
Every reminder carries a dedupe_key, so running the job twice on a day sends nothing new.
The job lives here, at the top, because it reads every part of the plan it reminds of;
notifications below only stores and pushes what it is given.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from commitments.reminders import remind_missing_commitments
from core.periods import Month
from declarations import deadlines
from declarations.models import WAITING, Declaration
from notifications.models import Notification
from notifications.services import notify
from organizations.models import Member, Organization, Participation, Role, RoleAssignment
from organizations.settings_models import DEFAULT_DECLARATION_DEADLINE_DAY as DEFAULT_DAY
from organizations.settings_models import BranchSettings

from .reminders_windows import remind_appraisal_votes, remind_publicity_windows

DEADLINE_NOTICE_DAYS = 2
GROUP_ROLES = (Role.GROUP_LEADER, Role.GROUP_MEMBER, Role.RECORDER, Role.SECRETARY)


@dataclass
class ReminderReport:
    opened: int = 0
    deadline: int = 0
    reviews: int = 0
    appraisals: int = 0
    publicity: int = 0
    commitments: int = 0

    @property
    def sent(self) -> int:
        return (
            self.opened
            + self.deadline
            + self.reviews
            + self.appraisals
            + self.publicity
            + self.commitments
        )


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _previous(month: Month) -> Month:
    return Month(month.year - 1, 12) if month.month == 1 else Month(month.year, month.month - 1)


def _deadline_days() -> dict[int, int]:
    """Each branch's deadline day where it has set one (one query)."""
    return dict(BranchSettings.objects.values_list("branch_id", "declaration_deadline_day"))


def _members_to_remind(year: int) -> list[Member]:
    """Active members with an active account who take part in the year."""
    exempt = Participation.objects.filter(year=year, takes_part=False).values("member_id")
    return list(
        Member.objects.filter(is_active=True, user__isnull=False, user__is_active=True)
        .exclude(pk__in=exempt)
        .select_related("user")
        .order_by("pk")
    )


def remind_declarations_open(today: dt.date) -> int:
    """On the 1st: last month's declarations are open, with the member's branch deadline."""
    if today.day != 1:
        return 0
    month = _previous(Month(today.year, today.month))
    days = _deadline_days()
    url = _url("declarations:create")
    sent = 0
    for member in _members_to_remind(month.year):
        deadline = deadlines.deadline(month, days.get(member.branch_id, DEFAULT_DAY))
        title = _("Declarations for %(month)s are open; the deadline is %(deadline)s.") % {
            "month": month,
            "deadline": deadline.strftime("%Y-%m-%d"),
        }
        if notify(
            user=member.user,
            kind=Notification.Kind.DECLARATIONS_OPEN,
            title=title,
            url=url,
            dedupe_key=f"open:{month.year}-{month.month}",
        ):
            sent += 1
    return sent


def remind_deadline_near(today: dt.date) -> int:
    """DEADLINE_NOTICE_DAYS before a branch's deadline: to its members not yet submitted."""
    days = _deadline_days()
    this = Month(today.year, today.month)
    notice = dt.timedelta(days=DEADLINE_NOTICE_DAYS)
    due: dict[Month, set[int]] = defaultdict(set)  # month -> branches whose notice day is today
    for branch_id in Organization.objects.exclude(kind=Organization.Kind.COMMITTEE).values_list(
        "pk", flat=True
    ):
        for month in (_previous(this), this):
            if deadlines.deadline(month, days.get(branch_id, DEFAULT_DAY)) - notice == today:
                due[month].add(branch_id)
    not_submitted = {Declaration.Status.DRAFT}
    url = _url("declarations:mine")
    sent = 0
    for month, branch_ids in due.items():
        submitted = set(
            Declaration.objects.filter(year=month.year, month=month.month)
            .exclude(status__in=not_submitted)
            .values_list("member_id", flat=True)
        )
        deadline_of = {b: deadlines.deadline(month, days.get(b, DEFAULT_DAY)) for b in branch_ids}
        for member in _members_to_remind(month.year):
            if member.branch_id not in branch_ids or member.pk in submitted:
                continue
            title = _(
                "You have not submitted your declaration for %(month)s; "
                "the deadline is %(deadline)s."
            ) % {"month": month, "deadline": deadline_of[member.branch_id].strftime("%Y-%m-%d")}
            if notify(
                user=member.user,
                kind=Notification.Kind.DEADLINE_NEAR,
                title=title,
                url=url,
                dedupe_key=f"deadline:{month.year}-{month.month}",
            ):
                sent += 1
    return sent


def _group_users(branch_ids: set[int]) -> dict[int, dict[int, Any]]:
    """branch -> {user id: user} of its group members, recorder and secretary, including
    those appointed in the general branch above it (one query)."""
    branches = dict(Organization.objects.filter(pk__in=branch_ids).values_list("pk", "parent_id"))
    assignments = (
        RoleAssignment.objects.current()
        .filter(
            Q(organization_id__in=branch_ids)
            | Q(
                organization_id__in=[p for p in branches.values() if p],
                organization__kind=Organization.Kind.GENERAL_BRANCH,
            ),
            role__in=GROUP_ROLES,
            user__is_active=True,
        )
        .select_related("user")
    )
    by_org: dict[int | None, dict[int, Any]] = defaultdict(dict)
    for assignment in assignments:
        if assignment.user_id is not None:  # always, by user__is_active above
            by_org[assignment.organization_id][assignment.user_id] = assignment.user
    return {
        branch_id: {**by_org.get(parent or 0, {}), **by_org.get(branch_id, {})}
        for branch_id, parent in branches.items()
    }


def remind_reviews_waiting(today: dt.date) -> int:
    """Every day: each group member hears how many declarations of the branch wait for them."""
    waiting = Declaration.objects.filter(status__in=WAITING)
    per_branch = dict(
        waiting.values_list("branch_id").annotate(n=Count("pk")).order_by("branch_id")
    )
    if not per_branch:
        return 0
    # A reviewer's own declaration is not theirs to review.
    own = {
        (user_id, branch_id): n
        for user_id, branch_id, n in waiting.filter(member__user__isnull=False)
        .values_list("member__user_id", "branch_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    names = dict(Organization.objects.filter(pk__in=per_branch).values_list("pk", "name"))
    url = _url("declarations:queue")
    sent = 0
    for branch_id, users in _group_users(set(per_branch)).items():
        for user_id, user in users.items():
            count = per_branch[branch_id] - own.get((user_id, branch_id), 0)
            if count <= 0:
                continue
            title = _("%(count)d declaration(s) of %(branch)s are waiting for review.") % {
                "count": count,
                "branch": names.get(branch_id, ""),
            }
            if notify(
                user=user,
                kind=Notification.Kind.REVIEW_WAITING,
                title=title,
                url=url,
                dedupe_key=f"reviews:{today.isoformat()}:{branch_id}",
            ):
                sent += 1
    return sent


def remind_commitments(today: dt.date) -> int:
    """Members without a commitment for the year, around their branch's deadline."""
    return remind_missing_commitments(today)


def send_reminders(*, today: dt.date) -> ReminderReport:
    """The day's reminders; a second run on the same day sends nothing new."""
    return ReminderReport(
        opened=remind_declarations_open(today),
        deadline=remind_deadline_near(today),
        reviews=remind_reviews_waiting(today),
        appraisals=remind_appraisal_votes(today),
        publicity=remind_publicity_windows(today),
        commitments=remind_commitments(today),
    )
