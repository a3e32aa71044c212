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
The declarations and commitments apps are imported lazily: without them only the first
reminder is sent.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import defaultdict
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.db import connection
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from core.periods import Month
from organizations.models import Member, Organization, Participation, Role, RoleAssignment
from organizations.settings_models import DEFAULT_DECLARATION_DEADLINE_DAY, BranchSettings

from .models import Notification
from .reminders_windows import remind_appraisal_votes, remind_publicity_windows
from .services import notify

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
    skipped: list[str] = field(default_factory=list)

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


def _declarations() -> ModuleType | None:
    """declarations.models, once that app exists and its table has been migrated."""
    try:
        models = importlib.import_module("declarations.models")
        declaration = models.Declaration
    except (ImportError, AttributeError):
        return None
    if declaration._meta.db_table not in connection.introspection.table_names():
        return None
    return models


def _previous(month: Month) -> Month:
    return Month(month.year - 1, 12) if month.month == 1 else Month(month.year, month.month - 1)


def _deadline(month: Month, day: int) -> dt.date:
    """`day` of the month after `month`: the last day to declare it (the declarations
    app's own rule when it is there)."""
    try:
        from declarations.deadlines import deadline
    except ImportError:
        following = (
            Month(month.year + 1, 1) if month.month == 12 else Month(month.year, month.month + 1)
        )
        return dt.date(following.year, following.month, day)
    return deadline(month, day)


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


def remind_declarations_open(today: dt.date, declarations: ModuleType | None) -> int:
    """On the 1st: last month's declarations are open, with the member's branch deadline."""
    if today.day != 1:
        return 0
    month = _previous(Month(today.year, today.month))
    days = _deadline_days()
    default = DEFAULT_DECLARATION_DEADLINE_DAY
    url = _url("declarations:create")
    sent = 0
    for member in _members_to_remind(month.year):
        deadline = _deadline(month, days.get(member.branch_id, default))
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


def remind_deadline_near(today: dt.date, declarations: ModuleType) -> int:
    """DEADLINE_NOTICE_DAYS before a branch's deadline: to its members not yet submitted."""
    days = _deadline_days()
    default = DEFAULT_DECLARATION_DEADLINE_DAY
    this = Month(today.year, today.month)
    notice = dt.timedelta(days=DEADLINE_NOTICE_DAYS)
    due: dict[Month, set[int]] = defaultdict(set)  # month -> branches whose notice day is today
    for branch_id in Organization.objects.exclude(kind=Organization.Kind.COMMITTEE).values_list(
        "pk", flat=True
    ):
        for month in (_previous(this), this):
            if _deadline(month, days.get(branch_id, default)) - notice == today:
                due[month].add(branch_id)
    declaration = declarations.Declaration
    not_submitted = {declaration.Status.DRAFT}
    url = _url("declarations:mine")
    sent = 0
    for month, branch_ids in due.items():
        submitted = set(
            declaration.objects.filter(year=month.year, month=month.month)
            .exclude(status__in=not_submitted)
            .values_list("member_id", flat=True)
        )
        deadline_of = {b: _deadline(month, days.get(b, default)) for b in branch_ids}
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
    by_org: dict[int, dict[int, Any]] = defaultdict(dict)
    for assignment in assignments:
        by_org[assignment.organization_id][assignment.user_id] = assignment.user
    return {
        branch_id: {**by_org.get(parent or 0, {}), **by_org.get(branch_id, {})}
        for branch_id, parent in branches.items()
    }


def remind_reviews_waiting(today: dt.date, declarations: ModuleType) -> int:
    """Every day: each group member hears how many declarations of the branch wait for them."""
    declaration = declarations.Declaration
    waiting_statuses = getattr(
        declarations,
        "WAITING",
        (declaration.Status.SUBMITTED, declaration.Status.UNDER_REVIEW),
    )
    waiting = declaration.objects.filter(status__in=waiting_statuses)
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
    try:
        module = importlib.import_module("commitments.reminders")
    except ImportError:
        return 0
    return module.remind_missing_commitments(today)


def send_reminders(*, today: dt.date) -> ReminderReport:
    """The day's reminders; a second run on the same day sends nothing new."""
    declarations = _declarations()
    report = ReminderReport(
        opened=remind_declarations_open(today, declarations),
        appraisals=remind_appraisal_votes(today),
        publicity=remind_publicity_windows(today),
        commitments=remind_commitments(today),
    )
    if declarations is None:
        report.skipped.append(
            "deadline and review reminders: the declarations app is not available yet"
        )
        return report
    report.deadline = remind_deadline_near(today, declarations)
    report.reviews = remind_reviews_waiting(today, declarations)
    return report
