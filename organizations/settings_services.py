"""Writes of the branch's and the committee's settings: one audited function per level.

Only the values given change; a value outside what the plan allows is refused with the
reason, and nothing is written. Every change writes an audit row with the old and the
new values and records who made it last on the row itself.
"""

from __future__ import annotations

import calendar
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import DomainError
from core.locks import ROW_LOCK

from .models import Organization, Role
from .permissions import administered_committee, scope_for
from .settings_models import (
    COMMITMENTS_PER_MEMBER_LIMIT,
    DECLARATION_DEADLINE_DAYS,
    OVERDUE_DAYS,
    SIGNIN_WINDOW_MINUTES,
    BranchSettings,
    CommitteeSettings,
)

# Who decides what: the deadline and the sign-in window are the secretary's (or the
# committee's, as for the scheme); the commitments are the secretary's alone.
SCHEME_FIELDS = ("declaration_deadline_day", "signin_window")
COMMITMENT_FIELDS = (
    "commitments_per_member",
    "commitment_deadline_month",
    "commitment_deadline_day",
)
BRANCH_FIELDS = SCHEME_FIELDS + COMMITMENT_FIELDS
COMMITTEE_FIELDS = ("overdue_days",)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _within(value: Any, low: int, high: int, message: str) -> int:
    number = _int(value)
    if number is None or not low <= number <= high:
        raise DomainError(message)
    return number


def _unknown(changes: dict[str, Any], known: tuple[str, ...]) -> None:
    unknown = sorted(set(changes) - set(known))
    if unknown:
        raise TypeError(f"not a setting: {', '.join(unknown)}")


def _checked_branch_values(row: BranchSettings, changes: dict[str, Any]) -> dict[str, int]:
    values: dict[str, int] = {}
    if "declaration_deadline_day" in changes:
        low, high = DECLARATION_DEADLINE_DAYS
        values["declaration_deadline_day"] = _within(
            changes["declaration_deadline_day"],
            low,
            high,
            _("The deadline is a day between 1 and 28 of the next month."),
        )
    if "signin_window" in changes:
        low, high = SIGNIN_WINDOW_MINUTES
        values["signin_window"] = _within(
            changes["signin_window"],
            low,
            high,
            _("The sign-in window is between %(low)d and %(high)d minutes.")
            % {"low": low, "high": high},
        )
    if "commitments_per_member" in changes:
        values["commitments_per_member"] = _within(
            changes["commitments_per_member"],
            1,
            COMMITMENTS_PER_MEMBER_LIMIT,
            _("A member makes between 1 and %(limit)d commitments a year.")
            % {"limit": COMMITMENTS_PER_MEMBER_LIMIT},
        )
    if "commitment_deadline_month" in changes or "commitment_deadline_day" in changes:
        month = _int(changes.get("commitment_deadline_month", row.commitment_deadline_month))
        day = _int(changes.get("commitment_deadline_day", row.commitment_deadline_day))
        # Any year's calendar day: 29 February counts as the 28th in other years.
        if month is None or day is None or not 1 <= month <= 12:
            month = day = 0
        if not month or not 1 <= day <= calendar.monthrange(2024, month)[1]:
            raise DomainError(_("Give the deadline as a day of the year, for example 31 March."))
        values["commitment_deadline_month"] = month
        values["commitment_deadline_day"] = day
    return values


def _check_branch_permission(actor: Any, branch: Organization, fields: set[str]) -> None:
    scope = scope_for(actor)
    if fields & set(SCHEME_FIELDS) and not scope.may_edit_scheme(branch.pk):
        raise DomainError(_("Only the branch's secretary can change the branch's settings."))
    if fields & set(COMMITMENT_FIELDS) and not scope.has_role(branch.pk, Role.SECRETARY):
        raise DomainError(_("Only the branch's secretary can change the rules for commitments."))


def _save_changes(
    row: BranchSettings | CommitteeSettings, values: dict[str, int], actor: Any
) -> tuple[dict[str, int], dict[str, int]]:
    """The fields that really change, as (before, after); the row saved with its author."""
    before = {name: getattr(row, name) for name, new in values.items() if getattr(row, name) != new}
    after = {name: values[name] for name in before}
    if after:
        for name, value in after.items():
            setattr(row, name, value)
        row.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        row.save()
    return before, after


@transaction.atomic
def update_branch_settings(*, actor: Any, branch: Organization, **changes: Any) -> BranchSettings:
    """The branch decides what the plan leaves to it (由各支部结合实际集体研究确定): its
    declaration deadline, its sign-in window, and its members' commitments — how many
    (1 or 2, as the plan says) and by which day of the year."""
    _unknown(changes, BRANCH_FIELDS)
    if branch.is_committee:
        raise DomainError(_("These settings belong to a branch, not to the committee."))
    _check_branch_permission(actor, branch, set(changes))
    row, _created = BranchSettings.objects.select_for_update(**ROW_LOCK).get_or_create(
        branch=branch
    )
    values = _checked_branch_values(row, changes)
    before, after = _save_changes(row, values, actor)
    if after:
        audit_record(
            action="organizations.branch_settings.changed",
            actor=actor,
            obj=row,
            organization=branch,
            before=before,
            after=after,
        )
    return row


@transaction.atomic
def update_committee_settings(
    *, actor: Any, committee: Organization, **changes: Any
) -> CommitteeSettings:
    """The committee sets after how many days a waiting review counts as overdue on its
    dashboard (plan 三(三) 跟踪督导检查)."""
    _unknown(changes, COMMITTEE_FIELDS)
    mine = administered_committee(actor)
    if mine is None or mine.pk != committee.pk:
        raise DomainError(_("Only the committee's administrators can change its settings."))
    values: dict[str, int] = {}
    if "overdue_days" in changes:
        low, high = OVERDUE_DAYS
        values["overdue_days"] = _within(
            changes["overdue_days"], low, high, _("Choose between 1 and 60 days.")
        )
    row, _created = CommitteeSettings.objects.select_for_update(**ROW_LOCK).get_or_create(
        committee=committee
    )
    before, after = _save_changes(row, values, actor)
    if after:
        audit_record(
            action="organizations.committee_settings.changed",
            actor=actor,
            obj=row,
            organization=committee,
            before=before,
            after=after,
        )
    return row
