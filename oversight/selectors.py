"""Reads for the committee's dashboard: every branch's year in one table, and one branch's
year month by month.

`dashboard` costs the same number of queries for three branches or three hundred: each
table is read once, grouped by branch (and month, quarter or half) in the database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from appraisals.models import AppraisalSession
from appraisals.models import Status as SessionStatus
from core.nav import BadgeCounts, once_per_request
from core.pinyin import name_order
from declarations.models import WAITING, Declaration
from ledger.models import Entry, Kind
from organizations.models import Member, Organization, Participation, Role
from organizations.permissions import scope_for
from organizations.settings_models import DEFAULT_OVERDUE_DAYS
from organizations.settings_selectors import branch_settings_of, committee_settings
from participation.models import Exemption, ExemptionStatus
from rules.filing import FilingState, filing_states
from rules.models import Scheme

from . import rhythm, sources
from .models import CaseStatus, ExemplaryCase, Finding, SpotCheckItem

Status = Declaration.Status
RECOGNISED = (Status.RECOGNISED, Status.PARTLY_RECOGNISED)
MONTHS = range(1, 13)
QUARTERS = range(1, 5)


def overdue_days(committee: Organization | None) -> int:
    return committee_settings(committee).overdue_days


@dataclass(frozen=True)
class Cell:
    """One period's cell: a figure, whether it is red, whether the period has begun."""

    period: int
    value: int | None
    red: bool = False
    future: bool = False
    extra: int | None = None  # e.g. declarations beside recognitions


@dataclass
class BranchRow:
    branch: Organization
    members: int = 0
    taking_part: int = 0
    declared: dict[int, int] = field(default_factory=dict)
    recognised: dict[int, int] = field(default_factory=dict)
    waiting: int = 0
    overdue: int = 0
    deadline_day: int = rhythm.DEFAULT_DEADLINE_DAY
    filing: FilingState | None = None
    has_scheme: bool = False
    exemptions: dict[str, int] = field(default_factory=dict)
    publications: dict[int, int] | None = None
    appraisals: frozenset[int] = frozenset()
    confirmed: bool | None = None
    flags: rhythm.Flags = field(default_factory=rhythm.Flags)
    today: dt.date | None = None
    year: int = 0

    @property
    def not_taking_part(self) -> int:
        return self.members - self.taking_part

    @property
    def figures(self) -> rhythm.Figures:
        return rhythm.Figures(
            year=self.year,
            taking_part=self.taking_part,
            recognised=self.recognised,
            overdue=self.overdue,
            scheme_filed=self.filing is not None and self.filing.is_filed,
            publications=self.publications,
            appraisals=self.appraisals,
            confirmed=self.confirmed,
        )

    def _begun(self, start: dt.date) -> bool:
        return self.today is None or self.today >= start

    @property
    def month_cells(self) -> list[Cell]:
        return [
            Cell(
                period=m,
                value=self.recognised.get(m, 0),
                extra=self.declared.get(m, 0),
                red=m in self.flags.months,
                future=not self._begun(dt.date(self.year, m, 1)),
            )
            for m in MONTHS
        ]

    @property
    def quarter_cells(self) -> list[Cell]:
        return [
            Cell(
                period=q,
                value=None if self.publications is None else self.publications.get(q, 0),
                red=q in self.flags.quarters,
                future=not self._begun(dt.date(self.year, q * 3 - 2, 1)),
            )
            for q in QUARTERS
        ]

    @property
    def half_cells(self) -> list[Cell]:
        return [
            Cell(
                period=h,
                value=1 if h in self.appraisals else 0,
                red=h in self.flags.halves,
                future=not self._begun(dt.date(self.year, h * 6 - 5, 1)),
            )
            for h in (1, 2)
        ]

    @property
    def exemptions_open(self) -> int:
        return self.exemptions.get(ExemptionStatus.SUBMITTED, 0) + self.exemptions.get(
            ExemptionStatus.APPROVED, 0
        )

    @property
    def exemptions_filed(self) -> int:
        return self.exemptions.get(ExemptionStatus.FILED, 0)


@dataclass
class Dashboard:
    year: int
    today: dt.date
    grace: int
    rows: list[BranchRow]
    publications_known: bool
    confirmations_known: bool

    @property
    def red_branches(self) -> int:
        return sum(1 for row in self.rows if row.flags.any)

    @property
    def overdue(self) -> int:
        return sum(row.overdue for row in self.rows)


def _members(year: int, ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    members = dict(
        Member.objects.filter(branch_id__in=ids, is_active=True)
        .values_list("branch_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out = dict(
        Participation.objects.filter(
            member__branch_id__in=ids, member__is_active=True, year=year, takes_part=False
        )
        .values_list("member__branch_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return members, out


def declaration_counts(year: int, ids: list[int], cutoff: dt.datetime):
    """(branch, month, declared, recognised, waiting, overdue) rows: one GROUP BY."""
    return (
        Declaration.objects.filter(branch_id__in=ids, year=year)
        .exclude(status=Status.DRAFT)
        .values_list("branch_id", "month")
        .annotate(
            declared=Count("pk"),
            recognised=Count("pk", filter=Q(status__in=RECOGNISED)),
            waiting=Count("pk", filter=Q(status__in=WAITING)),
            overdue=Count("pk", filter=Q(status__in=WAITING, submitted_at__lt=cutoff)),
        )
        .order_by()
    )


def _filings(year: int, ids: list[int]) -> dict[int, FilingState]:
    schemes = list(Scheme.objects.filter(organization_id__in=ids, year=year, is_template=False))
    states = filing_states(schemes)
    return {s.organization_id: states[s.pk] for s in schemes if s.organization_id is not None}


def dashboard(
    *,
    year: int,
    branches: Iterable[Organization],
    grace: int = DEFAULT_OVERDUE_DAYS,
    today: dt.date | None = None,
) -> Dashboard:
    """Every branch's year in one table, red where the plan's rhythm is missed."""
    today = today or timezone.localdate()
    branches = list(branches)
    ids = [b.pk for b in branches]
    rows = {b.pk: BranchRow(branch=b, today=today, year=year) for b in branches}

    members, out = _members(year, ids)
    for pk, row in rows.items():
        row.members = members.get(pk, 0)
        row.taking_part = row.members - out.get(pk, 0)

    cutoff = timezone.now() - dt.timedelta(days=grace)
    for branch_id, month, declared, recognised, waiting, overdue in declaration_counts(
        year, ids, cutoff
    ):
        row = rows[branch_id]
        row.declared[month] = declared
        row.recognised[month] = recognised
        row.waiting += waiting
        row.overdue += overdue

    for branch_id, values in branch_settings_of(ids).items():
        rows[branch_id].deadline_day = values.declaration_deadline_day

    for branch_id, state in _filings(year, ids).items():
        rows[branch_id].filing = state
        rows[branch_id].has_scheme = True

    for branch_id, status, n in (
        Exemption.objects.filter(branch_id__in=ids, year=year)
        .values_list("branch_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rows[branch_id].exemptions[status] = n

    held: dict[int, set[int]] = defaultdict(set)
    for branch_id, half in (
        AppraisalSession.objects.filter(branch_id__in=ids, year=year, status=SessionStatus.CLOSED)
        .values_list("branch_id", "half")
        .distinct()
    ):
        held[branch_id].add(half)

    publications = sources.publications_by_quarter(year, ids)
    confirmed = sources.confirmed_branches(year, ids)
    for pk, row in rows.items():
        row.appraisals = frozenset(held.get(pk, ()))
        row.publications = None if publications is None else dict(publications.get(pk, {}))
        row.confirmed = None if confirmed is None else pk in confirmed
        row.flags = rhythm.flags(
            row.figures, today=today, grace=grace, deadline_day=row.deadline_day
        )
    return Dashboard(
        year=year,
        today=today,
        grace=grace,
        rows=[rows[b.pk] for b in branches],
        publications_known=publications is not None,
        confirmations_known=confirmed is not None,
    )


# One branch, month by month ------------------------------------------------------------


@dataclass
class MonthRow:
    month: int
    statuses: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    entries: int = 0  # points entries other than appraisal scores
    dedication: Decimal = Decimal("0.0")
    deductions: Decimal = Decimal("0.0")
    red: bool = False
    future: bool = False

    @property
    def declared(self) -> int:
        return sum(n for s, n in self.statuses.items() if s != Status.DRAFT)

    @property
    def recognised(self) -> int:
        return sum(self.statuses.get(s, 0) for s in RECOGNISED)

    @property
    def waiting(self) -> int:
        return sum(self.statuses.get(s, 0) for s in WAITING)

    @property
    def returned(self) -> int:
        return self.statuses.get(Status.RETURNED, 0)

    @property
    def rejected(self) -> int:
        return self.statuses.get(Status.REJECTED, 0)


@dataclass
class BranchDetail:
    row: BranchRow
    months: list[MonthRow]
    sessions: list[AppraisalSession]
    exemptions: list[Exemption]

    @property
    def totals(self) -> MonthRow:
        total = MonthRow(month=0)
        for m in self.months:
            for status, n in m.statuses.items():
                total.statuses[status] = total.statuses.get(status, 0) + n
            total.overdue += m.overdue
            total.entries += m.entries
            total.dedication += m.dedication
            total.deductions += m.deductions
        return total


def branch_detail(
    *, branch: Organization, year: int, grace: int, today: dt.date | None = None
) -> BranchDetail:
    """The branch's row of the dashboard, and its figures month by month."""
    today = today or timezone.localdate()
    row = dashboard(year=year, branches=[branch], grace=grace, today=today).rows[0]
    months = {m: MonthRow(month=m) for m in MONTHS}
    cutoff = timezone.now() - dt.timedelta(days=grace)
    for month, status, n, overdue in (
        Declaration.objects.filter(branch=branch, year=year)
        .values_list("month", "status")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=Q(status__in=WAITING, submitted_at__lt=cutoff)),
        )
        .order_by()
    ):
        months[month].statuses[status] = n
        months[month].overdue += overdue
    for month, kind, n, points in (
        Entry.objects.filter(branch=branch, year=year)
        .exclude(kind=Kind.APPRAISAL)
        .values_list("month", "kind")
        .annotate(n=Count("pk"), points=Sum("points"))
        .order_by()
    ):
        value = Decimal(str(points or 0)).quantize(Decimal("0.1"))
        months[month].entries += n
        if kind == Kind.DEDICATION:
            months[month].dedication += value
        elif kind == Kind.DEDUCTION:
            months[month].deductions += value
    for m, month_row in months.items():
        month_row.red = m in row.flags.months
        month_row.future = today < dt.date(year, m, 1)
    sessions = list(
        AppraisalSession.objects.filter(branch=branch, year=year).order_by("half", "-pk")
    )
    exemptions = list(
        Exemption.objects.filter(branch=branch, year=year)
        .select_related("member")
        .order_by("status", *name_order("member__"))
    )
    return BranchDetail(
        row=row, months=list(months.values()), sessions=sessions, exemptions=exemptions
    )


# Exemplary cases ------------------------------------------------------------------------


def published_cases(*, committee: Organization, limit: int = 20) -> list[ExemplaryCase]:
    """The committee's published exemplary cases, newest first, with their photos (for the
    cases page and, should it want them, the lobby screen)."""
    return list(
        ExemplaryCase.objects.filter(committee=committee, status=CaseStatus.PUBLISHED)
        .select_related("branch", "member")
        .prefetch_related("photos")
        .order_by("-published_at", "-pk")[:limit]
    )


@once_per_request
def badge_counts(user: Any) -> BadgeCounts:
    """A secretary's badge: spot-checked entries of their branches found to be a problem."""
    scope = scope_for(user)
    secretary_of = [b for b, roles in scope.branch_roles.items() if Role.SECRETARY in roles]
    problems = (
        SpotCheckItem.objects.filter(branch_id__in=secretary_of, status=Finding.PROBLEM).count()
        if secretary_of
        else 0
    )
    return {"problems": problems}
