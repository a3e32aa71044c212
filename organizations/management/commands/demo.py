"""Fill the database with a demonstration bureau modelled on the plan's own.

临沂沂蒙山世界地质公园管理局: the 机关党委, four branches of the bureau's offices
and a general branch with two branches, about 150 members, public
representatives, this year's schemes, and a year and a half of points posted
through the ledger's services (so the audit chain is real). Running it again
changes nothing; `--if-empty` does nothing once any member exists.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from ledger.models import Entry, Kind, Source, Veto
from ledger.services import entry_post, entry_reverse, veto_record
from organizations.models import (
    Department,
    Member,
    Organization,
    Role,
    RoleAssignment,
)
from organizations.services import (
    department_create,
    member_create,
    organization_save,
    public_representative_create,
    role_grant,
    user_create,
    user_create_for_member,
)
from rules.models import Item, Scheme, Section
from rules.services import item_create, item_update, scheme_for_year, scheme_set_category_caps

from . import _demo_data as data

DECIMAL_FIELDS = {"points", "points_min", "points_max", "cap_month", "cap_year"}
RANGE_STEPS = [Decimal(v) for v in ("0.5", "1", "1", "1", "1.5", "2", "2", "3")]


def _decimals(values: dict[str, Any]) -> dict[str, Any]:
    return {k: Decimal(v) if k in DECIMAL_FIELDS else v for k, v in values.items()}


class Command(BaseCommand):
    help = "Load the demonstration bureau (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if any party member is already stored.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Member.objects.exists():
            self.stdout.write(
                _("Members are already stored; the demonstration data is not loaded.")
            )
            return
        started = time.monotonic()
        members, entries, events = (
            Member.objects.count(),
            Entry.objects.count(),
            AuditEvent.objects.count(),
        )
        with transaction.atomic():
            DemoBureau(today=timezone.localdate()).build()
        self.stdout.write(
            _(
                "Demonstration bureau ready: %(members)d members and %(entries)d points "
                "entries added, %(events)d audit events written, in %(seconds).1f s."
            )
            % {
                "members": Member.objects.count() - members,
                "entries": Entry.objects.count() - entries,
                "events": AuditEvent.objects.count() - events,
                "seconds": time.monotonic() - started,
            }
        )


class DemoBureau:
    def __init__(self, *, today: dt.date) -> None:
        self.today = today
        self.year = today.year
        self.orgs: dict[str, Organization] = {}
        self.members: dict[str, list[Member]] = {}
        self.users: dict[str, Any] = {}
        self.schemes: dict[tuple[str, int], Scheme] = {}

    def build(self) -> None:
        self.organisations()
        self.departments()
        self.people()
        self.accounts()
        self.rules()
        if not Entry.objects.filter(branch__in=self.branches()).exists():
            Ledger(self, random.Random(data.LEDGER_SEED)).post()

    def branches(self) -> list[Organization]:
        return [self.orgs[plan.code] for plan in data.BRANCHES]

    def organisations(self) -> None:
        committee_code, committee_name = data.COMMITTEE
        general_code, general_name = data.GENERAL_BRANCH
        rows = [
            (committee_code, committee_name, Organization.Kind.COMMITTEE, ""),
            *[(p.code, p.name, Organization.Kind.BRANCH, p.parent) for p in data.BRANCHES[:4]],
            (general_code, general_name, Organization.Kind.GENERAL_BRANCH, committee_code),
            *[(p.code, p.name, Organization.Kind.BRANCH, p.parent) for p in data.BRANCHES[4:]],
        ]
        for order, (code, name, kind, parent) in enumerate(rows, start=1):
            self.orgs[code], _created = organization_save(
                code=code,
                name=name,
                kind=kind,
                parent=self.orgs[parent] if parent else None,
                order=order * 10,
            )

    def departments(self) -> None:
        existing = set(Department.objects.values_list("name", flat=True))
        for name, line in data.DEPARTMENTS:
            if name not in existing:
                department_create(name=name, business_line=line)

    def people(self) -> None:
        departments = {d.name: d for d in Department.objects.all()}
        for plan in data.BRANCHES:
            self.members[plan.code] = []
        for person in data.people(self.today):
            branch = self.orgs[person.branch]
            member = Member.objects.filter(
                branch=branch, name=person.name, birth_month=person.birth_month
            ).first()
            if member is None:
                member = member_create(
                    branch=branch,
                    name=person.name,
                    gender=person.gender,
                    birth_month=person.birth_month,
                    department=departments[person.department],
                    position=person.position,
                    phone=person.phone,
                    joined_on=person.joined_on,
                    standing=(
                        Member.Standing.PROBATIONARY
                        if person.probationary
                        else Member.Standing.FULL
                    ),
                    is_retired=person.retired,
                )
            self.members[person.branch].append(member)
        for plan in data.BRANCHES:
            branch = self.orgs[plan.code]
            stored = set(branch.public_representatives.values_list("name", flat=True))
            for name, unit in plan.representatives:
                if name not in stored:
                    public_representative_create(branch=branch, name=name, affiliation=unit)

    def accounts(self) -> None:
        user_model = get_user_model()
        for username, role, code, index in data.DEMO_USERS:
            org = self.orgs[code]
            user = user_model.objects.filter(username=username).first()
            if user is None and index is not None:
                user = user_create_for_member(
                    member=self.members[code][index],
                    username=username,
                    password=data.PASSWORD,
                    must_change_password=False,
                )
            elif user is None:
                user = user_create(
                    username=username,
                    password=data.PASSWORD,
                    full_name=data.ADMIN_NAME,
                    must_change_password=False,
                )
            self.users[username] = user
            held = RoleAssignment.objects.filter(user=user, organization=org, role=role).exists()
            if role != Role.MEMBER and not held:
                role_grant(user=user, organization=org, role=role)

    def rules(self) -> None:
        for plan in data.BRANCHES:
            branch = self.orgs[plan.code]
            for year in (self.year - 1, self.year):
                self.schemes[(plan.code, year)] = scheme_for_year(branch=branch, year=year)
            scheme = self.schemes[(plan.code, self.year)]
            names = set(scheme.items.values_list("name", flat=True))
            for values in data.BRANCH_ITEMS.get(plan.code, []):
                if values["name"] not in names:
                    item_create(scheme=scheme, **_decimals(values))
            for code, item_caps in data.ITEM_CAPS.get(plan.code, {}).items():
                item = scheme.items.get(code=code)
                wanted = _decimals(item_caps)
                if any(getattr(item, k) != v for k, v in wanted.items()):
                    item_update(item=item, **wanted)
            caps: dict[str, Decimal | None] = {
                k: Decimal(v) for k, v in data.CATEGORY_CAPS.get(plan.code, {}).items()
            }
            if any(scheme.category_cap(k) != v for k, v in caps.items()):
                scheme_set_category_caps(scheme=scheme, caps=caps)


class Ledger:
    """A year and a half of points, posted entry by entry through the ledger's services."""

    def __init__(self, bureau: DemoBureau, rng: random.Random) -> None:
        self.bureau = bureau
        self.rng = rng
        self.today = bureau.today
        self.users = bureau.users
        self.posted: dict[tuple[str, int], list[Entry]] = defaultdict(list)

    def post(self) -> None:
        vetoed = self.bureau.members["zb3"][7]
        for plan in data.BRANCHES:
            for year in (self.today.year - 1, self.today.year):
                self.branch_year(plan.code, year, vetoed)
        veto_record(
            member=vetoed,
            year=self.today.year - 1,
            ground=Veto.Ground.WORK_PLAN,
            facts=data.VETO_FACTS,
            decided_on=dt.date(self.today.year - 1, 12, 18),
            recorded_by=None,
        )
        for (code, year), reason in zip(
            [("zb1", self.today.year), ("zb2", self.today.year - 1)],
            data.REVERSAL_REASONS,
            strict=True,
        ):
            entry = self.rng.choice(self.posted[(code, year)])
            entry_reverse(entry=entry, reason=reason, recorded_by=self.recorder(code))

    def recorder(self, code: str) -> Any:
        if code == "zb1":
            return self.users["jilu" if self.rng.random() < 0.5 else "kaoping"]
        if code == "zb2":
            return self.users["shuji2"]
        return None

    def branch_year(self, code: str, year: int, vetoed: Member) -> None:
        scheme = self.bureau.schemes[(code, year)]
        items = list(scheme.items.filter(is_retired=False).select_related("scheme"))
        by_code = {item.code: item for item in items if item.code}
        by_category: dict[str, list[Item]] = defaultdict(list)
        for item in items:
            if item.section == Section.DEDICATION:
                by_category[item.category].append(item)
        members = self.bureau.members[code]
        departments = dict(Department.objects.values_list("pk", "name"))
        last_month = 12 if year < self.today.year else self.today.month
        caps = CapTracker(scheme)
        for month in range(1, last_month + 1):
            for member in members:
                count = self.rng.choices([0, 1, 2, 3], weights=[42, 38, 15, 5])[0]
                if member.is_retired:
                    count = self.rng.choices([0, 1, 2], weights=[50, 40, 10])[0]
                line = data.BUSINESS_LINE.get(departments.get(member.department_id or 0, ""), "")
                for _i in range(count):
                    self.dedication(code, member, line, year, month, by_category, caps)
        active = [m for m in members if not m.is_retired]
        for _i in range(self.rng.randint(2, 4)):
            code_, points, reason = self.rng.choices(data.DEDUCTIONS, weights=[5, 4, 4, 3, 1])[0]
            month = self.rng.randint(1, last_month)
            self.entry(code, self.rng.choice(active), year, month, points, by_code[code_], reason)
        for _i in range(self.rng.randint(1, 2)):
            code_, points, reason = self.rng.choice(data.BASE_ADJUSTMENTS)
            month = self.rng.randint(1, last_month)
            self.entry(code, self.rng.choice(active), year, month, points, by_code[code_], reason)
        self.appraisals(code, members, year, vetoed)

    def dedication(
        self,
        code: str,
        member: Member,
        line: str,
        year: int,
        month: int,
        by_category: dict[str, list[Item]],
        caps: CapTracker,
    ) -> None:
        weights = dict(data.CATEGORY_WEIGHTS)
        if line:
            weights[line] += 20
        category = self.rng.choices(list(weights), weights=list(weights.values()))[0]
        item = self.rng.choice(by_category[category])
        points = self.points_for(item)
        if not caps.take(member.pk, item, month, points):
            return
        reason = self.rng.choice(data.REASONS[category]) if item.code else item.name
        evidence = self.rng.choice(data.EVIDENCE)
        self.entry(code, member, year, month, points, item, reason, evidence)

    def points_for(self, item: Item) -> Decimal:
        if item.points_kind == "levels":
            return Decimal(self.rng.choice(item.levels)["points"])
        if item.points_kind == "range":
            low, high = item.points_min or Decimal("0.5"), item.points_max or Decimal("5")
            fitting = [p for p in RANGE_STEPS if low <= p <= high] or [low]
            return self.rng.choice(fitting)
        return item.points or Decimal("1")

    def appraisals(self, code: str, members: list[Member], year: int, vetoed: Member) -> None:
        sessions = [(6, "H1", "上半年"), (12, "H2", "下半年")]
        if year == self.today.year:
            sessions = [s for s in sessions if s[0] < self.today.month]
        for month, half, label in sessions:
            for member in members:
                score = Decimal(self.rng.randint(780, 980)) / 10
                if member == vetoed and year < self.today.year:
                    score = Decimal("62.5")
                entry_post(
                    member=member,
                    year=year,
                    month=month,
                    points=score.quantize(Decimal("0.1")),
                    source=Source.APPRAISAL,
                    kind=Kind.APPRAISAL,
                    source_ref=f"{year}-{half}",
                    recorded_by=self.users["shuji"] if code == "zb1" else None,
                    reason=f"{year}年{label}党员奉献量化积分民主评议",
                )

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
            source=Source.DIRECT,
            recorded_by=self.recorder(code),
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
