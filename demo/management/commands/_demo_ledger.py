"""The demo's points posted directly through the ledger's services, month by month.

The timeline (`_demo_life`) calls `month()` for every month in order, with the clock
set inside that month, so every entry carries the date it would have been recorded on.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledger.models import Entry, Kind, Source, Veto
from ledger.services import entry_post, entry_reverse, veto_record
from organizations.models import Department, Member, Participation, Role
from rules.models import Item, Scheme, Section

from . import _demo_data as data

RANGE_STEPS = [Decimal(v) for v in ("0.5", "1", "1", "1", "1.5", "2", "2", "3")]
HALVES = {1: (6, "H1", "上半年"), 2: (12, "H2", "下半年")}


def points_for(rng: random.Random, item: Item) -> Decimal:
    if item.points_kind == "levels":
        return Decimal(rng.choice(item.levels)["points"])
    if item.points_kind == "range":
        low, high = item.points_min or Decimal("0.5"), item.points_max or Decimal("5")
        fitting = [p for p in RANGE_STEPS if low <= p <= high] or [low]
        return rng.choice(fitting)
    return item.points or Decimal("1")


@dataclass
class BranchYear:
    code: str
    year: int
    members: list[Member]
    by_code: dict[str, Item]
    by_category: dict[str, list[Item]]
    caps: CapTracker
    # month -> [(member, points, item, reason)]
    scheduled: dict[int, list[tuple[Member, Any, Item, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )


class Ledger:
    """Dedication, deductions and base adjustments, posted entry by entry."""

    def __init__(self, bureau: Any, rng: random.Random) -> None:
        self.bureau = bureau
        self.rng = rng
        self.today = bureau.today
        self.users = bureau.users
        self.posted: dict[tuple[str, int], list[Entry]] = defaultdict(list)
        self.years: dict[tuple[str, int], BranchYear] = {}
        self.lines = {
            pk: data.BUSINESS_LINE.get(name, "")
            for pk, name in Department.objects.values_list("pk", "name")
        }

    def recorder(self, code: str, member: Member) -> Any:
        """The officer who records for the member: nobody records their own points, so
        another officer of the branch, or the committee's administrator where none is."""
        if code == "zb1":
            chosen = self.users["jilu" if self.rng.random() < 0.5 else "kaoping"]
        else:
            chosen = self.users.get(data.SECRETARY_OF.get(code, ""))
        if chosen is None or chosen.pk != member.user_id:
            return chosen
        others = [
            self.users[name]
            for name, role, branch, _index in data.DEMO_USERS
            if branch == code
            and name in self.users
            and self.users[name].pk != member.user_id
            and role != Role.MEMBER
        ]
        return others[0] if others else self.users.get("admin")

    def start_year(self, year: int) -> None:
        last_month = 12 if year < self.today.year else self.today.month
        for plan in data.BRANCHES:
            code = plan.code
            scheme = self.bureau.schemes[(code, year)]
            items = list(scheme.items.filter(is_retired=False).select_related("scheme"))
            by_category: dict[str, list[Item]] = defaultdict(list)
            for item in items:
                if item.section == Section.DEDICATION:
                    by_category[item.category].append(item)
            members = self.bureau.members[code]
            plan_year = BranchYear(
                code,
                year,
                members,
                {i.code: i for i in items if i.code},
                by_category,
                CapTracker(scheme),
            )
            active = [m for m in members if not m.is_retired]
            deductions = data.DEDUCTIONS
            if year == self.today.year:  # meetings and dues post their own deductions now
                deductions = [d for d in deductions if d[0] != "deduction.meeting_or_dues"]
            for _i in range(self.rng.randint(2, 4)):
                code_, points, reason = self.rng.choice(deductions)
                month = self.rng.randint(1, last_month)
                plan_year.scheduled[month].append(
                    (self.rng.choice(active), points, plan_year.by_code[code_], reason)
                )
            for _i in range(self.rng.randint(1, 2)):
                code_, points, reason = self.rng.choice(data.BASE_ADJUSTMENTS)
                month = self.rng.randint(1, last_month)
                plan_year.scheduled[month].append(
                    (self.rng.choice(active), points, plan_year.by_code[code_], reason)
                )
            self.years[(code, year)] = plan_year

    def month(self, year: int, month: int, declaring: set[int]) -> None:
        """The month's entries of every branch; members who declare this month get their
        dedication through their declaration instead."""
        absent = set(
            Participation.objects.filter(year=year, takes_part=False).values_list(
                "member_id", flat=True
            )
        )
        for plan in data.BRANCHES:
            by = self.years[(plan.code, year)]
            for member in by.members:
                count = self.rng.choices([0, 1, 2, 3], weights=[42, 38, 15, 5])[0]
                if member.is_retired:
                    count = self.rng.choices([0, 1, 2], weights=[50, 40, 10])[0]
                if member.pk in declaring or member.pk in absent:
                    count = 0
                line = self.lines.get(member.department_id or 0, "")
                for _i in range(count):
                    self.dedication(by, member, line, month)
            for member, points, item, reason in by.scheduled.get(month, []):
                if member.pk not in absent:
                    self.entry(by.code, member, year, month, points, item, reason)

    def dedication(self, by: BranchYear, member: Member, line: str, month: int) -> None:
        weights = dict(data.CATEGORY_WEIGHTS)
        if line:
            weights[line] += 20
        category = self.rng.choices(list(weights), weights=list(weights.values()))[0]
        item = self.rng.choice(by.by_category[category])
        points = points_for(self.rng, item)
        if not by.caps.take(member.pk, item, month, points):
            return
        reason = self.rng.choice(data.REASONS[category]) if item.code else item.name
        evidence = self.rng.choice(data.EVIDENCE)
        self.entry(by.code, member, by.year, month, points, item, reason, evidence)

    def appraisals(self, year: int, half: int, vetoed: Member) -> None:
        """Appraisal scores of a half-year held on paper before the system."""
        month, key, label = HALVES[half]
        for plan in data.BRANCHES:
            for member in self.bureau.members[plan.code]:
                score = Decimal(self.rng.randint(780, 980)) / 10
                if member == vetoed:
                    score = Decimal("62.5")
                entry_post(
                    member=member,
                    year=year,
                    month=month,
                    points=score.quantize(Decimal("0.1")),
                    source=Source.APPRAISAL,
                    kind=Kind.APPRAISAL,
                    source_ref=f"{year}-{key}",
                    recorded_by=self.users.get(data.SECRETARY_OF[plan.code]),
                    reason=f"{year}年{label}党员奉献量化积分民主评议",
                )

    def veto(self, member: Member, year: int, decided_on: Any) -> None:
        veto_record(
            member=member,
            year=year,
            ground=Veto.Ground.WORK_PLAN,
            facts=data.VETO_FACTS,
            decided_on=decided_on,
            recorded_by=self.users.get(data.SECRETARY_OF["zb3"]),
        )

    def reverse_one(self, code: str, year: int, reason: str, from_month: int = 1) -> None:
        candidates = [e for e in self.posted[(code, year)] if e.month >= from_month]
        entry = self.rng.choice(candidates)
        entry_reverse(entry=entry, reason=reason, recorded_by=self.recorder(code, entry.member))

    def entry(
        self,
        code: str,
        member: Member,
        year: int,
        month: int,
        points: Any,
        item: Item,
        reason: str,
        evidence: str = "",
    ) -> None:
        entry = entry_post(
            member=member,
            year=year,
            month=month,
            points=points,
            item=item,
            source=Source.ADJUSTMENT if item.section == Section.BASE else Source.DIRECT,
            recorded_by=self.recorder(code, member),
            reason=reason,
            evidence=evidence,
        )
        if item.section == Section.DEDICATION:
            self.posted[(code, year)].append(entry)


class CapTracker:
    """Keeps the demo's points inside the caps the branch has set."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.month: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
        self.year: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        self.category: dict[tuple[int, str], Decimal] = defaultdict(Decimal)

    def take(self, member_id: int, item: Item, month: int, points: Decimal) -> bool:
        month_key, year_key = (member_id, item.pk, month), (member_id, item.pk)
        category_key = (member_id, item.category)
        category_cap = self.scheme.category_cap(item.category)
        if (
            (item.cap_month is not None and self.month[month_key] + points > item.cap_month)
            or (item.cap_year is not None and self.year[year_key] + points > item.cap_year)
            or (category_cap is not None and self.category[category_key] + points > category_cap)
        ):
            return False
        self.month[month_key] += points
        self.year[year_key] += points
        self.category[category_key] += points
        return True
