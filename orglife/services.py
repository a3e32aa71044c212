"""Writes of organisational life (组织生活): meetings, attendance, QR sign-in.

The plan (一(二)1) asks branches to keep a record of 三会一课 and 主题党日 "as an
important basis for knowing a member's everyday conduct"; DESIGN.md §4 turns an
unexcused absence into a deduction. Every function here changes the record and the
ledger together, in one transaction, and writes an audit row; a closed half-year
refuses any change. The dues record (党费) is written by `orglife.dues`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from core.actors import signed_in
from core.errors import DomainError
from core.locks import ROW_LOCK
from ledger.models import Source
from organizations.models import Member, Organization
from organizations.permissions import is_own_member

from .deductions import check_period_open, deduction_sync
from .models import Attendance, Meeting, MeetingKind
from .selectors import signin_window_of, window_of


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _hm(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _ymd(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d")


# --- meetings ----------------------------------------------------------------


def _check_meeting_fields(*, kind: str, topic: str, starts_at: Any) -> None:
    if kind not in MeetingKind.values:
        raise DomainError(_("Choose the kind of meeting."))
    if not topic:
        raise DomainError(_("Give the meeting's topic."))
    if not isinstance(starts_at, datetime):
        raise DomainError(_("Give the date and start time."))


def _checked_members(branch: Organization, members: Sequence[Member]) -> list[Member]:
    wrong = [m.name for m in members if m.branch_id != branch.pk or not m.is_active]
    if wrong:
        raise DomainError(
            _("%(names)s are not active members of %(branch)s.")
            % {"names": "、".join(wrong), "branch": branch.name}
        )
    return list({m.pk: m for m in members}.values())


def _meeting_snapshot(meeting: Meeting) -> dict[str, Any]:
    return snapshot(meeting, ["branch_id", "kind", "topic", "place", "starts_at", "notes"])


@transaction.atomic
def meeting_create(
    *,
    branch: Organization,
    kind: str,
    topic: str,
    starts_at: datetime,
    members: Sequence[Member],
    place: str = "",
    notes: str = "",
    created_by: Any,
) -> Meeting:
    """Record a meeting of 三会一课 or a 主题党日, and who is expected at it."""
    if not branch.owns_members:
        raise DomainError(_("Only a branch holds meetings of organisational life."))
    topic = (topic or "").strip()
    _check_meeting_fields(kind=kind, topic=topic, starts_at=starts_at)
    starts_at = _aware(starts_at)
    local = timezone.localtime(starts_at)
    check_period_open(
        branch_id=branch.pk, year=local.year, month=local.month, what=_("organisational life")
    )
    expected = _checked_members(branch, members)
    if not expected:
        raise DomainError(_("Choose the members expected to attend."))
    meeting = Meeting.objects.create(
        branch=branch,
        kind=kind,
        topic=topic[:200],
        place=(place or "").strip()[:100],
        starts_at=starts_at,
        notes=(notes or "").strip(),
        signin_token=secrets.token_urlsafe(24),
        created_by=signed_in(created_by),
    )
    Attendance.objects.bulk_create(Attendance(meeting=meeting, member=m) for m in expected)
    audit_record(
        action="orglife.meeting.created",
        actor=signed_in(created_by),
        obj=meeting,
        organization=branch,
        after={**_meeting_snapshot(meeting), "members": sorted(m.pk for m in expected)},
    )
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    kind: str,
    topic: str,
    starts_at: datetime,
    place: str = "",
    notes: str = "",
    actor: Any,
) -> Meeting:
    """Correct a meeting's details. Its kind and start stay put once absences are recorded,
    because the deductions already posted depend on them."""
    meeting = (
        Meeting.objects.select_for_update(**ROW_LOCK).select_related("branch").get(pk=meeting.pk)
    )
    topic = (topic or "").strip()
    _check_meeting_fields(kind=kind, topic=topic, starts_at=starts_at)
    starts_at = _aware(starts_at)
    for moment in {meeting.starts_at, starts_at}:
        local = timezone.localtime(moment)
        check_period_open(
            branch_id=meeting.branch_id,
            year=local.year,
            month=local.month,
            what=_("organisational life"),
        )
    moved = kind != meeting.kind or starts_at != meeting.starts_at
    if moved and meeting.attendances.filter(status=Attendance.Status.ABSENT).exists():
        raise DomainError(
            _(
                "Absences are recorded for this meeting, so its kind and start time "
                "cannot change. Correct the attendance first."
            )
        )
    before = _meeting_snapshot(meeting)
    meeting.kind = kind
    meeting.topic = topic[:200]
    meeting.place = (place or "").strip()[:100]
    meeting.starts_at = starts_at
    meeting.notes = (notes or "").strip()
    meeting.save()
    audit_record(
        action="orglife.meeting.updated",
        actor=signed_in(actor),
        obj=meeting,
        organization=meeting.branch_id,
        before=before,
        after=_meeting_snapshot(meeting),
    )
    return meeting


@transaction.atomic
def meeting_rotate_token(*, meeting: Meeting, actor: Any) -> Meeting:
    """Replace the sign-in QR code (say, a photo of it went round); the old one stops working."""
    meeting = Meeting.objects.select_for_update(**ROW_LOCK).get(pk=meeting.pk)
    meeting.signin_token = secrets.token_urlsafe(24)
    meeting.save(update_fields=["signin_token"])
    audit_record(
        action="orglife.meeting.code_replaced",
        actor=signed_in(actor),
        obj=meeting,
        organization=meeting.branch_id,
    )
    return meeting


@transaction.atomic
def attendance_add(*, meeting: Meeting, members: Sequence[Member], actor: Any) -> int:
    """Add members to those expected at a meeting; returns how many were added."""
    meeting = (
        Meeting.objects.select_for_update(**ROW_LOCK).select_related("branch").get(pk=meeting.pk)
    )
    local = timezone.localtime(meeting.starts_at)
    check_period_open(
        branch_id=meeting.branch_id,
        year=local.year,
        month=local.month,
        what=_("organisational life"),
    )
    wanted = _checked_members(meeting.branch, members)
    listed = set(meeting.attendances.values_list("member_id", flat=True))
    new = [m for m in wanted if m.pk not in listed]
    Attendance.objects.bulk_create(Attendance(meeting=meeting, member=m) for m in new)
    if new:
        audit_record(
            action="orglife.attendance.added",
            actor=signed_in(actor),
            obj=meeting,
            organization=meeting.branch_id,
            after={"members": sorted(m.pk for m in new)},
        )
    return len(new)


# --- attendance --------------------------------------------------------------


def _deduction_reason(meeting: Meeting, status: str, reason: str) -> str:
    what = {"kind": meeting.get_kind_display(), "topic": meeting.topic}
    if status == Attendance.Status.ABSENT:
        return _("Absent without leave: %(kind)s “%(topic)s”, %(date)s") % {
            **what,
            "date": _ymd(meeting.starts_at),
        }
    if status == Attendance.Status.EXCUSED:
        return _("Excused from %(kind)s “%(topic)s”: %(reason)s") % {**what, "reason": reason}
    if status == Attendance.Status.PRESENT:
        return _("Attended %(kind)s “%(topic)s” (attendance corrected)") % what
    return _("Attendance at %(kind)s “%(topic)s” cleared") % what


def _apply_status(
    attendance: Attendance,
    *,
    status: str,
    reason: str,
    actor: Any,
    now: datetime,
    signed_in_at: datetime | None = None,
) -> None:
    """Change one locked row and keep its deduction in step (the caller checked the period)."""
    meeting = attendance.meeting
    if status not in Attendance.Status.values:
        raise DomainError(_("Choose present, excused or absent."))
    if signed_in_at is None and is_own_member(actor, attendance.member):
        raise DomainError(_("Nobody records their own attendance; another officer does."))
    reason = (reason or "").strip()[:200]
    if status == Attendance.Status.EXCUSED and not reason:
        raise DomainError(_("Give the reason for the leave of absence."))
    if status == Attendance.Status.ABSENT and now < meeting.starts_at:
        raise DomainError(_("The meeting has not started yet; nobody can be absent from it."))
    before = snapshot(attendance, ["status", "reason", "signed_in_at"])
    attendance.status = status
    attendance.reason = reason if status == Attendance.Status.EXCUSED else ""
    if signed_in_at is not None:
        attendance.signed_in_at = signed_in_at
    attendance.recorded_by = signed_in(actor)
    attendance.save()
    local = timezone.localtime(meeting.starts_at)
    entry = deduction_sync(
        member=attendance.member,
        year=local.year,
        month=local.month,
        code=meeting.deduction_code,
        source=Source.ATTENDANCE,
        source_ref=attendance.source_ref,
        due=status == Attendance.Status.ABSENT,
        reason=_deduction_reason(meeting, status, attendance.reason),
        # A QR sign-in within the window corrects an absence by the system's own rule,
        # not by the member's decision (nobody acts on their own points).
        actor=None if signed_in_at is not None else signed_in(actor),
    )
    audit_record(
        action="orglife.attendance.recorded",
        actor=signed_in(actor),
        obj=attendance,
        organization=meeting.branch_id,
        before=before,
        after={
            **snapshot(attendance, ["status", "reason", "signed_in_at"]),
            "ledger_entry": entry.pk if entry is not None else None,
        },
    )


def _lock_attendance(pk: int) -> Attendance:
    return (
        Attendance.objects.select_for_update(**ROW_LOCK)
        .select_related("meeting", "member__branch")
        .get(pk=pk)
    )


def _check_meeting_period(meeting: Meeting) -> None:
    local = timezone.localtime(meeting.starts_at)
    check_period_open(
        branch_id=meeting.branch_id, year=local.year, month=local.month, what=_("attendance")
    )


@transaction.atomic
def attendance_set(
    *, attendance: Attendance, status: str, reason: str = "", actor: Any, now: Any = None
) -> Attendance:
    """The recorder records or corrects one member's attendance: an absence without leave
    posts the deduction, excusing it or marking the member present reverses it."""
    attendance = _lock_attendance(attendance.pk)
    _check_meeting_period(attendance.meeting)
    _apply_status(attendance, status=status, reason=reason, actor=actor, now=now or timezone.now())
    return attendance


@transaction.atomic
def attendance_mark_rest(*, meeting: Meeting, status: str, actor: Any, now: Any = None) -> int:
    """Mark everyone not yet recorded present or absent; returns how many rows changed."""
    if status not in (Attendance.Status.PRESENT, Attendance.Status.ABSENT):
        raise DomainError(_("Choose present or absent."))
    _check_meeting_period(meeting)
    rows = [
        row
        for row in Attendance.objects.select_for_update(**ROW_LOCK)
        .select_related("meeting", "member__branch")
        .filter(meeting=meeting, status=Attendance.Status.PENDING)
        # The officer's own row waits for another officer (conflict of interest).
        if not is_own_member(actor, row.member)
    ]
    moment = now or timezone.now()
    for row in rows:
        _apply_status(row, status=status, reason="", actor=actor, now=moment)
    return len(rows)


class SignInRefused(DomainError):
    """A QR sign-in that cannot count; `reason` is other_branch, early or late."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@transaction.atomic
def attendance_sign_in(
    *, meeting: Meeting, member: Member | None, actor: Any, now: Any = None
) -> Attendance:
    """A member scans the meeting's QR code: present, if it is their branch's meeting and
    the time is within the branch's window around the start."""
    if member is None or member.branch_id != meeting.branch_id or not member.is_active:
        raise SignInRefused(
            _(
                "This sign-in code is for a meeting of another branch. "
                "You can only sign in to your own branch's meetings."
            ),
            "other_branch",
        )
    now = now or timezone.now()
    opens, closes = window_of(meeting, signin_window_of(meeting.branch_id))
    if now < opens:
        raise SignInRefused(
            _("Sign-in opens at %(time)s on %(date)s; please scan the code again then.")
            % {"time": _hm(opens), "date": _ymd(opens)},
            "early",
        )
    if now > closes:
        raise SignInRefused(
            _(
                "Sign-in closed at %(time)s on %(date)s. "
                "Ask the branch's recorder to record your attendance."
            )
            % {"time": _hm(closes), "date": _ymd(closes)},
            "late",
        )
    _check_meeting_period(meeting)
    row = Attendance.objects.filter(meeting=meeting, member=member).first()
    if row is None:
        # A member of the branch who was not on the list came anyway.
        try:
            with transaction.atomic():
                row = Attendance.objects.create(meeting=meeting, member=member)
        except IntegrityError:  # created by a second tap at the same moment
            pass
        row = Attendance.objects.get(meeting=meeting, member=member)
    attendance = _lock_attendance(row.pk)
    if attendance.status == Attendance.Status.PRESENT and attendance.signed_in_at is not None:
        return attendance
    _apply_status(
        attendance,
        status=Attendance.Status.PRESENT,
        reason="",
        actor=actor,
        now=now,
        signed_in_at=now,
    )
    return attendance
