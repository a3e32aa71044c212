"""汇总: closing a half-year and the year, and reopening them (plan 一(三)4, DESIGN.md §3.4).

The secretary closes the first half once its democratic appraisal is closed, and the
year (the second half) once the second appraisal is closed and the first half is
closed. Closing writes a `PeriodLock` — the ledger's services then refuse to post into
its months — and a `ClosingSnapshot` of every member's totals and ranks at that moment.
Only the committee reopens a period, with a reason; the lock row stays, marked
reopened, and a new closing writes a new one. Every step is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisals.models import AppraisalSession
from appraisals.models import Status as SessionStatus
from audit.services import audit_record, snapshot
from core.errors import DomainError, PermissionDenied
from core.locks import ROW_LOCK
from core.periods import HalfYear
from ledger.models import PeriodLock
from ledger.totals import branch_year
from notifications.models import Notification
from notifications.services import notify_many
from organizations.models import Member, Organization, Role
from organizations.permissions import scope_for

from .blockers import Blocker, appraisals_recorded_outside_sessions, closing_blockers
from .models import ClosingSnapshot
from .summary_table import person_name, snapshot_rows


@dataclass(frozen=True)
class HalfStatus:
    half: HalfYear
    lock: PeriodLock | None  # the active closing, if the half is closed
    appraisal: AppraisalSession | None  # the half's session that is not annulled
    # Appraisal results held outside the system and recorded in the ledger (imported
    # cards, or a year kept on paper before the system) count as the half's appraisal.
    appraisal_recorded: bool = False

    @property
    def is_closed(self) -> bool:
        return self.lock is not None

    @property
    def appraisal_closed(self) -> bool:
        if self.appraisal is None:
            return self.appraisal_recorded
        return self.appraisal.status == SessionStatus.CLOSED


@dataclass(frozen=True)
class ClosingStatus:
    branch: Organization
    year: int
    halves: tuple[HalfStatus, HalfStatus]
    history: list[ClosingSnapshot]  # every closing of the year, newest first

    @property
    def first(self) -> HalfStatus:
        return self.halves[0]

    @property
    def second(self) -> HalfStatus:
        return self.halves[1]

    @property
    def year_closed(self) -> bool:
        return self.second.is_closed


def closing_status(branch: Organization, year: int) -> ClosingStatus:
    """Both halves of the branch's year: closed or not, the appraisal, and the history."""
    locks = {
        lock.half: lock
        for lock in PeriodLock.objects.filter(
            branch=branch, year=year, reopened_at__isnull=True
        ).select_related("closed_by")
    }
    sessions = {
        session.half: session
        for session in AppraisalSession.objects.filter(branch=branch, year=year).exclude(
            status=SessionStatus.ANNULLED
        )
    }
    history = list(
        ClosingSnapshot.objects.filter(branch=branch, year=year)
        .select_related("lock", "reopened_by")
        .defer("rows")
        .order_by("-taken_at", "-pk")
    )
    recorded = appraisals_recorded_outside_sessions(branch, year)
    return ClosingStatus(
        branch=branch,
        year=year,
        halves=(
            HalfStatus(HalfYear(year, 1), locks.get(1), sessions.get(1), 1 in recorded),
            HalfStatus(HalfYear(year, 2), locks.get(2), sessions.get(2), 2 in recorded),
        ),
        history=history,
    )


class ClosingBlocked(DomainError):
    """The half-year cannot close yet; `blockers` says what stands in the way."""

    def __init__(self, message: str, blockers: list[Blocker]) -> None:
        super().__init__(message)
        self.blockers = blockers


def _active_lock(branch: Organization, year: int, half: int) -> PeriodLock | None:
    return PeriodLock.objects.filter(
        branch=branch, year=year, half=half, reopened_at__isnull=True
    ).first()


def _check_order(branch: Organization, year: int, half: HalfYear) -> None:
    if _active_lock(branch, year, half.half) is not None:
        raise DomainError(_("%(period)s is already closed.") % {"period": half})
    if half.half == 2 and _active_lock(branch, year, 1) is None:
        raise DomainError(_("Close the first half of %(year)d before the year.") % {"year": year})


def _tell_stranded(branch: Organization, half: HalfYear, blockers: list[Blocker]) -> None:
    """The committee closed anyway: the members whose declarations or objections were left
    open are told what they can still do."""
    member_ids = {pk for blocker in blockers for pk in blocker.member_ids}
    users = [
        m.user
        for m in Member.objects.filter(pk__in=member_ids, user__isnull=False).select_related("user")
    ]
    notify_many(
        users=users,
        kind=Notification.Kind.OTHER,
        title=_(
            "%(period)s of %(branch)s is closed. What was still open for you there can no "
            "longer change: ask the recorder for a late declaration in the next open month, "
            "or raise an objection when the points are published."
        )
        % {"period": half, "branch": branch.name},
        url=reverse("declarations:mine"),
        dedupe_key=f"closing:{branch.pk}:{half.year}:{half.half}:{timezone.now():%Y%m%d%H%M}",
    )


def period_close_check(
    *, branch: Organization, year: int, half: int, closed_by: Any, forced_reason: str = ""
) -> list[Blocker]:
    """Whether `closed_by` may close the half-year now; raises the refusal `period_close`
    would, and returns what is still open (only ever non-empty with a forced reason)."""
    if half not in (1, 2):
        raise DomainError(_("A year has two halves."))
    scope = scope_for(closed_by)
    if not scope.has_role(branch.pk, Role.SECRETARY) and not (scope.is_committee and forced_reason):
        raise PermissionDenied(_("Only the branch secretary closes a period."))
    if forced_reason and not scope.is_committee:
        raise PermissionDenied(_("Only the party committee closes a period that is not ready."))
    period = HalfYear(year, half)
    _check_order(branch, year, period)
    blockers = closing_blockers(branch, period)
    if blockers and not forced_reason:
        raise ClosingBlocked(
            _(
                "%(period)s cannot close yet; once closed, what is still open in it could no "
                "longer be decided: %(what)s"
            )
            % {"period": period, "what": " ".join(b.text for b in blockers[:3])}
            + (
                _(" (and %(n)d more, listed on the closing page)") % {"n": len(blockers) - 3}
                if len(blockers) > 3
                else ""
            ),
            blockers,
        )
    return blockers


@transaction.atomic
def period_close(
    *, branch: Organization, year: int, half: int, closed_by: Any, forced_reason: str = ""
) -> PeriodLock:
    """Close a half-year after its appraisal (plan 一(三)4: 每半年汇总一次): lock its entries
    and keep a snapshot of every member's totals and ranks. Refused while anything in it
    is still to be decided; the committee may close anyway, with a recorded reason."""
    forced_reason = (forced_reason or "").strip()[:500]
    # Serialise closings of the branch: two secretaries clicking at once close it once.
    Organization.objects.select_for_update(**ROW_LOCK).filter(pk=branch.pk).first()
    blockers = period_close_check(
        branch=branch, year=year, half=half, closed_by=closed_by, forced_reason=forced_reason
    )
    period = HalfYear(year, half)
    lock = PeriodLock.objects.create(
        branch=branch, year=year, half=half, closed_by=closed_by, forced_reason=forced_reason
    )
    rows = snapshot_rows(branch_year(branch, year))
    closing = ClosingSnapshot.objects.create(
        lock=lock,
        branch=branch,
        year=year,
        half=half,
        closed_by_name=person_name(closed_by)[:100],
        rows=rows,
    )
    audit_record(
        action="summaries.period.closed",
        actor=closed_by,
        obj=lock,
        organization=branch,
        after={
            **snapshot(lock),
            "snapshot": closing.pk,
            "members": len(rows),
            "open_when_closed": [b.text for b in blockers],
        },
    )
    if blockers:
        _tell_stranded(branch, period, blockers)
    return lock


@transaction.atomic
def period_reopen(*, lock: PeriodLock, reason: str, reopened_by: Any) -> PeriodLock:
    """The committee reopens a closed half-year, with a reason; the secretary closes it
    again afterwards and confirms the summary table anew."""
    if not scope_for(reopened_by).is_committee:
        raise PermissionDenied(_("Only the party committee reopens a closed period."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for reopening the period."))
    lock = PeriodLock.objects.select_for_update(**ROW_LOCK).get(pk=lock.pk)
    if lock.reopened_at is not None:
        raise DomainError(_("This period has already been reopened."))
    if lock.half == 1 and _active_lock(lock.branch, lock.year, 2) is not None:
        raise DomainError(
            _("The year %(year)d is closed; reopen the second half before the first.")
            % {"year": lock.year}
        )
    before = snapshot(lock)
    lock.reopened_at = timezone.now()
    lock.reopen_reason = reason[:500]
    lock.save(update_fields=["reopened_at", "reopen_reason"])
    ClosingSnapshot.objects.filter(lock=lock).update(reopened_by=reopened_by)
    audit_record(
        action="summaries.period.reopened",
        actor=reopened_by,
        obj=lock,
        organization=lock.branch_id,
        before=before,
        after=snapshot(lock),
    )
    return lock
