"""Reads of organisational life and party dues, each page in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.periods import half_of
from core.pinyin import name_order
from ledger.models import Entry, PeriodLock
from organizations.models import Member, Organization
from organizations.settings_selectors import branch_settings

from .deductions import live_deductions
from .models import Attendance, DuesRecord, Meeting, MeetingKind

MONTHS = range(1, 13)


def signin_window_of(branch_id: int) -> int:
    return branch_settings(branch_id).signin_window


def window_of(meeting: Meeting, minutes: int) -> tuple[datetime, datetime]:
    """When QR sign-in opens and closes: `minutes` either side of the start."""
    delta = timedelta(minutes=minutes)
    return meeting.starts_at - delta, meeting.starts_at + delta


def closed_halves(branch_id: int, year: int) -> set[int]:
    return set(
        PeriodLock.objects.filter(
            branch_id=branch_id, year=year, reopened_at__isnull=True
        ).values_list("half", flat=True)
    )


def month_is_closed(halves: set[int], month: int) -> bool:
    return half_of(month) in halves


# --- meetings ----------------------------------------------------------------


def _count(status: str) -> Count:
    return Count("attendances", filter=Q(attendances__status=status))


def meetings_of(branch_ids: list[int], year: int) -> QuerySet[Meeting]:
    """The branches' meetings of the year, newest first, with their attendance counted."""
    return (
        Meeting.objects.filter(branch_id__in=branch_ids, starts_at__year=year)
        .select_related("branch")
        .annotate(
            n_present=_count(Attendance.Status.PRESENT),
            n_excused=_count(Attendance.Status.EXCUSED),
            n_absent=_count(Attendance.Status.ABSENT),
            n_pending=_count(Attendance.Status.PENDING),
        )
        .order_by("-starts_at", "-pk")
    )


@dataclass(frozen=True)
class AttendanceRow:
    attendance: Attendance
    deduction: Entry | None  # the live deduction for an absence

    @property
    def pk(self) -> int:
        return self.attendance.pk


def _with_deductions(rows: list[Attendance], branch_id: int, year: int) -> list[AttendanceRow]:
    live = live_deductions(
        branch_id=branch_id, year=year, source_refs=[row.source_ref for row in rows]
    )
    return [AttendanceRow(row, live.get(row.source_ref)) for row in rows]


def attendance_rows(meeting: Meeting) -> list[AttendanceRow]:
    """Everyone expected at the meeting, by name, with the deduction an absence carries."""
    rows = list(
        meeting.attendances.select_related("member__department").order_by(
            *name_order("member__"), "pk"
        )
    )
    for row in rows:
        row.meeting = meeting
    year = timezone.localtime(meeting.starts_at).year
    return _with_deductions(rows, meeting.branch_id, year)


def attendance_row(attendance: Attendance) -> AttendanceRow:
    year = timezone.localtime(attendance.meeting.starts_at).year
    return _with_deductions([attendance], attendance.meeting.branch_id, year)[0]


def counts_of(rows: list[AttendanceRow]) -> dict[str, int]:
    counts = {status: 0 for status in Attendance.Status.values}
    for row in rows:
        counts[row.attendance.status] += 1
    return counts


def members_to_add(meeting: Meeting) -> QuerySet[Member]:
    """Active members of the branch not yet expected at the meeting."""
    return (
        Member.objects.filter(branch_id=meeting.branch_id, is_active=True)
        .exclude(attendances__meeting=meeting)
        .order_by(*name_order(), "pk")
    )


def my_attendance(member: Member, year: int) -> list[AttendanceRow]:
    """A member's meetings of the year, newest first, with their sign-ins and deductions."""
    rows = list(
        Attendance.objects.filter(member=member, meeting__starts_at__year=year)
        .select_related("meeting")
        .order_by("-meeting__starts_at", "-pk")
    )
    return _with_deductions(rows, member.branch_id, year)


# --- party dues --------------------------------------------------------------


@dataclass(frozen=True)
class DuesCell:
    member: Member
    year: int
    month: int
    record: DuesRecord | None
    closed: bool
    future: bool

    @property
    def status(self) -> str:
        return self.record.status if self.record is not None else DuesRecord.Status.NONE

    @property
    def editable(self) -> bool:
        return not self.closed


@dataclass
class DuesRow:
    member: Member
    cells: list[DuesCell] = field(default_factory=list)

    @property
    def deducted(self) -> int:
        return sum(1 for cell in self.cells if cell.status in DuesRecord.DEDUCTED)


@dataclass(frozen=True)
class DuesColumn:
    month: int
    closed: bool
    future: bool
    on_time: int
    recorded: int
    unrecorded: int  # active members without a record: what "all paid on time" would mark


@dataclass(frozen=True)
class DuesGrid:
    branch: Organization
    year: int
    rows: list[DuesRow]
    columns: list[DuesColumn]

    @property
    def bulk_months(self) -> list[DuesColumn]:
        """The months the recorder may record for everyone at once: open and begun."""
        return [c for c in self.columns if not c.closed and not c.future]

    @property
    def bulk_default(self) -> int | None:
        """The latest such month someone is still unrecorded in (else the latest)."""
        months = self.bulk_months
        waiting = [c for c in months if c.unrecorded]
        chosen = waiting[-1] if waiting else (months[-1] if months else None)
        return chosen.month if chosen is not None else None


def _is_future(year: int, month: int, today: date) -> bool:
    return (year, month) > (today.year, today.month)


def dues_grid(branch: Organization, year: int, today: date | None = None) -> DuesGrid:
    """Members × months of one branch and year, in four queries whatever their number."""
    today = today or timezone.localdate()
    members = list(
        Member.objects.filter(branch=branch)
        .filter(Q(is_active=True) | Q(dues_records__year=year))
        .distinct()
        .order_by(*name_order(), "pk")
    )
    records = {
        (r.member_id, r.month): r
        for r in DuesRecord.objects.filter(member__in=[m.pk for m in members], year=year)
    }
    halves = closed_halves(branch.pk, year)
    rows = []
    for member in members:
        row = DuesRow(member)
        for month in MONTHS:
            row.cells.append(
                DuesCell(
                    member=member,
                    year=year,
                    month=month,
                    record=records.get((member.pk, month)),
                    closed=month_is_closed(halves, month),
                    future=_is_future(year, month, today),
                )
            )
        rows.append(row)
    columns = []
    for month in MONTHS:
        statuses = [row.cells[month - 1].status for row in rows]
        columns.append(
            DuesColumn(
                month=month,
                closed=month_is_closed(halves, month),
                future=_is_future(year, month, today),
                on_time=statuses.count(DuesRecord.Status.ON_TIME),
                recorded=sum(1 for s in statuses if s != DuesRecord.Status.NONE),
                unrecorded=sum(
                    1
                    for row in rows
                    if row.member.is_active
                    and row.cells[month - 1].status == DuesRecord.Status.NONE
                ),
            )
        )
    return DuesGrid(branch=branch, year=year, rows=rows, columns=columns)


def dues_cell(member: Member, year: int, month: int, today: date | None = None) -> DuesCell:
    today = today or timezone.localdate()
    return DuesCell(
        member=member,
        year=year,
        month=month,
        record=DuesRecord.objects.filter(member=member, year=year, month=month).first(),
        closed=month_is_closed(closed_halves(member.branch_id, year), month),
        future=_is_future(year, month, today),
    )


# --- a member's organisational life, for the appraisal meeting -------------------------

# 组织生活: the three meetings and the party lecture of 三会一课, and the theme party day.
ORGANISATIONAL_LIFE = (
    MeetingKind.GENERAL_MEETING,
    MeetingKind.COMMITTEE_MEETING,
    MeetingKind.GROUP_MEETING,
    MeetingKind.PARTY_LECTURE,
    MeetingKind.THEME_DAY,
)


@dataclass(frozen=True)
class LifeRecord:
    """A member's attendance at organisational life and party dues over a period."""

    present: int = 0
    excused: int = 0
    absent: int = 0
    dues_on_time: int = 0
    dues_recorded: int = 0

    @property
    def meetings(self) -> int:
        """Meetings the member was expected at, attendance recorded."""
        return self.present + self.excused + self.absent

    @property
    def attendance_percent(self) -> int | None:
        return round(100 * self.present / self.meetings) if self.meetings else None

    @property
    def dues_late_or_short(self) -> int:
        return self.dues_recorded - self.dues_on_time


def life_records(
    member_ids: list[int], *, year: int, until: date, now: datetime | None = None
) -> dict[int, LifeRecord]:
    """Each member's attendance at 三会一课 and theme party days held in the year up to
    `until` (and up to now), and their dues months of the year up to `until` paid on time
    and in full: what the appraisal meeting reviews beside the points (plan 一(三)3:
    对党员履行承诺、参加组织生活会等情况进行评议). Two queries, however many members."""
    now = now or timezone.now()
    end = min(
        now,
        datetime(
            until.year, until.month, until.day, 23, 59, 59, tzinfo=timezone.get_current_timezone()
        ),
    )
    counts: dict[int, dict[str, int]] = {pk: {} for pk in member_ids}
    for member_id, status, n in (
        Attendance.objects.filter(
            member_id__in=member_ids,
            meeting__kind__in=ORGANISATIONAL_LIFE,
            meeting__starts_at__year=year,
            meeting__starts_at__lte=end,
        )
        .exclude(status=Attendance.Status.PENDING)
        .values_list("member_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[member_id][status] = n
    last_month = until.month if until.year == year else 12
    for member_id, status, n in (
        DuesRecord.objects.filter(member_id__in=member_ids, year=year, month__lte=last_month)
        .exclude(status=DuesRecord.Status.NONE)
        .values_list("member_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[member_id][f"dues:{status}"] = n
    return {
        pk: LifeRecord(
            present=c.get(Attendance.Status.PRESENT, 0),
            excused=c.get(Attendance.Status.EXCUSED, 0),
            absent=c.get(Attendance.Status.ABSENT, 0),
            dues_on_time=c.get(f"dues:{DuesRecord.Status.ON_TIME}", 0),
            dues_recorded=sum(n for k, n in c.items() if k.startswith("dues:")),
        )
        for pk, c in counts.items()
    }
