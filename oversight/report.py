"""The branch's year in one report, for the secretary's 述职评议 (plan 三(三): the scheme
is part of the annual review of how each secretary runs party building).

Sections: participation, declarations, points by category, appraisal results,
publications, objections and their answers, spot-check findings, contributions on the
departments' platforms by platform and business line. Parts of the plan
not installed yet give None and the report says so.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from appraisals.grades import ORDER as GRADE_ORDER
from appraisals.models import AppraisalSession, Evaluee
from appraisals.models import Status as SessionStatus
from declarations.models import Declaration, DeclarationLine
from ledger.totals import branch_year
from organizations.models import Organization, Participation, Role, RoleAssignment, Training
from participation.models import Exemption
from rules.defaults import DEDICATION_ITEMS
from rules.models import Item
from scoring.engine import round1

from . import sources
from .models import Finding, SpotCheckItem
from .platforms import Contributions, contributions

ZERO = Decimal("0.0")
CATEGORY_NAMES = dict(DEDICATION_ITEMS)  # the plan's own names, as on the card


@dataclass(frozen=True)
class Absent:
    member_id: int
    name: str
    reason: str


@dataclass
class ParticipationSection:
    members: int
    taking_part: int
    absent: list[Absent]
    exemptions: dict[str, int]

    @property
    def not_taking_part(self) -> int:
        return len(self.absent)


@dataclass
class Declarations:
    by_status: list[tuple[str, str, int]]  # (status, label, count)
    lines_recognised: int
    points_recognised: Decimal

    @property
    def total(self) -> int:
        return sum(n for _s, _l, n in self.by_status)


@dataclass(frozen=True)
class CategoryRow:
    key: str
    name: str
    points: Decimal
    members: int


@dataclass
class Points:
    ranked: int
    base: Decimal
    dedication: Decimal
    appraisal: Decimal
    deductions: Decimal
    total: Decimal
    categories: list[CategoryRow]
    vetoed: int

    @property
    def average(self) -> Decimal | None:
        return round1(self.total / self.ranked) if self.ranked else None


@dataclass(frozen=True)
class SessionRow:
    half: int
    held_on: object
    evaluees: int
    grades: list[tuple[str, int]]  # (grade, members) in the form's order
    average: Decimal | None


@dataclass(frozen=True)
class FindingRow:
    drawn_at: object
    member: str
    month: int
    item: str
    points: Decimal
    status: str
    status_label: str
    note: str
    response: str
    closing_note: str


@dataclass
class Leadership:
    """Plan §3.1: the branch's points leading group, its responsible person, the recorder
    and the assessment group during the year, and the trainings held."""

    roles: list[tuple[str, str]]  # (role, names)
    trainings: list[Training]


def _leadership(branch: Organization, year: int) -> Leadership:
    held_in_year = (
        RoleAssignment.objects.filter(organization=branch)
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=dt.date(year, 12, 31)))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=dt.date(year, 1, 1)))
        .select_related("member", "user")
        .order_by("pk")
    )
    by_role: dict[str, list[str]] = {}
    for a in held_in_year:
        by_role.setdefault(a.role, []).append(a.holder_name)
    order = [
        Role.LEADING_GROUP,
        Role.RESPONSIBLE,
        Role.SECRETARY,
        Role.GROUP_LEADER,
        Role.GROUP_MEMBER,
        Role.RECORDER,
    ]
    return Leadership(
        roles=[(str(Role(r).label), "、".join(by_role[r])) for r in order if r in by_role],
        trainings=list(
            Training.objects.filter(branch=branch, held_on__year=year).prefetch_related("attendees")
        ),
    )


@dataclass
class BranchReport:
    branch: Organization
    year: int
    participation: ParticipationSection
    declarations: Declarations
    points: Points
    sessions: list[SessionRow]
    publications: list[sources.PublicationRow] | None
    objections: list[sources.ObjectionRow] | None
    findings: list[FindingRow] = field(default_factory=list)
    leadership: Leadership | None = None
    contributions: Contributions | None = None

    @property
    def findings_summary(self) -> dict[str, int]:
        counts = Counter(f.status for f in self.findings)
        return {
            "checked": sum(n for s, n in counts.items() if s != Finding.PENDING),
            "confirmed": counts.get(Finding.CONFIRMED, 0),
            "problems": sum(counts.get(s, 0) for s in PROBLEM_STATES),
            "open": counts.get(Finding.PROBLEM, 0) + counts.get(Finding.RESPONDED, 0),
        }


PROBLEM_STATES = {Finding.PROBLEM, Finding.RESPONDED, Finding.CLOSED}


def _points(branch: Organization, year: int) -> tuple[ParticipationSection, Points]:
    by = branch_year(branch, year)
    ranked = by.ranked
    absent = [Absent(r.member.pk, r.member.name, "") for r in by.results if not r.takes_part]
    categories: dict[str, tuple[Decimal, int]] = {}
    for result in ranked:
        for key, value in result.totals.dedication_by_category.items():
            if not value:
                continue
            so_far, members = categories.get(key, (ZERO, 0))
            categories[key] = (so_far + value, members + 1)
    item_names = dict(
        Item.objects.filter(
            pk__in=[int(k[5:]) for k in categories if k.startswith("item:") and k[5:].isdigit()]
        ).values_list("pk", "name")
    )

    def name(key: str) -> str:
        if key.startswith("item:") and key[5:].isdigit():
            return item_names.get(int(key[5:]), key)
        return CATEGORY_NAMES.get(key, key)

    order = {key: n for n, (key, _name) in enumerate(DEDICATION_ITEMS)}
    rows = sorted(
        (CategoryRow(key, name(key), round1(p), m) for key, (p, m) in categories.items()),
        key=lambda r: (order.get(r.key, len(order)), r.name),
    )

    def summed(attr: str) -> Decimal:
        return round1(sum((getattr(r.totals, attr) for r in ranked), ZERO))

    section = Points(
        ranked=len(ranked),
        base=summed("base"),
        dedication=summed("dedication"),
        appraisal=summed("appraisal"),
        deductions=summed("deductions"),
        total=summed("total"),
        categories=rows,
        vetoed=sum(1 for r in ranked if r.vetoed),
    )
    participation = ParticipationSection(
        members=len(by.results), taking_part=len(ranked), absent=absent, exemptions={}
    )
    return participation, section


def _participation(branch: Organization, year: int, participation: ParticipationSection) -> None:
    reasons = dict(
        Participation.objects.filter(
            member__branch=branch, year=year, takes_part=False
        ).values_list("member_id", "reason")
    )
    participation.absent = [
        Absent(a.member_id, a.name, reasons.get(a.member_id, "")) for a in participation.absent
    ]
    participation.exemptions = dict(
        Exemption.objects.filter(branch=branch, year=year)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _declarations(branch: Organization, year: int) -> Declarations:
    counts = dict(
        Declaration.objects.filter(branch=branch, year=year)
        .exclude(status=Declaration.Status.DRAFT)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_status = [
        (value, str(label), counts.get(value, 0))
        for value, label in Declaration.Status.choices
        if value != Declaration.Status.DRAFT
    ]
    lines = DeclarationLine.objects.filter(
        declaration__branch=branch,
        declaration__year=year,
        outcome__in=(DeclarationLine.Outcome.RECOGNISED, DeclarationLine.Outcome.PARTLY),
    ).values_list("points", flat=True)
    values = list(lines)
    return Declarations(
        by_status=by_status,
        lines_recognised=len(values),
        points_recognised=round1(sum((v or ZERO for v in values), ZERO)),
    )


def _sessions(branch: Organization, year: int) -> list[SessionRow]:
    sessions = list(
        AppraisalSession.objects.filter(
            branch=branch, year=year, status=SessionStatus.CLOSED
        ).order_by("half", "pk")
    )
    evaluees: dict[int, list[Evaluee]] = {s.pk: [] for s in sessions}
    for evaluee in Evaluee.objects.filter(session__in=sessions):
        evaluees[evaluee.session_id].append(evaluee)
    rows = []
    for session in sessions:
        group = evaluees[session.pk]
        grades = Counter(e.grade for e in group if e.grade)
        scores = [e.score for e in group if e.score is not None]
        rows.append(
            SessionRow(
                half=session.half,
                held_on=session.held_on,
                evaluees=len(group),
                grades=[(g, grades.get(g, 0)) for g in GRADE_ORDER],
                average=round1(sum(scores, ZERO) / len(scores)) if scores else None,
            )
        )
    return rows


def _findings(branch: Organization, year: int) -> list[FindingRow]:
    items = (
        SpotCheckItem.objects.filter(branch=branch, entry__year=year)
        .exclude(status=Finding.PENDING)
        .select_related("spot_check", "entry", "entry__member", "entry__item")
        .order_by("spot_check__drawn_at", "order", "pk")
    )
    return [
        FindingRow(
            drawn_at=i.spot_check.drawn_at,
            member=i.entry.member.name,
            month=i.entry.month,
            item=i.entry.item.name if i.entry.item else "",
            points=i.entry.points,
            status=i.status,
            status_label=i.get_status_display(),
            note=i.note,
            response=i.response,
            closing_note=i.closing_note,
        )
        for i in items
    ]


def branch_report(branch: Organization, year: int) -> BranchReport:
    """Everything the secretary reports on the branch's year."""
    participation, points = _points(branch, year)
    _participation(branch, year, participation)
    return BranchReport(
        branch=branch,
        year=year,
        participation=participation,
        declarations=_declarations(branch, year),
        points=points,
        sessions=_sessions(branch, year),
        publications=sources.branch_publications(branch.pk, year),
        objections=sources.branch_objections(branch.pk, year),
        findings=_findings(branch, year),
        leadership=_leadership(branch, year),
        contributions=contributions(year, [branch.pk], only_branch_departments=True),
    )
