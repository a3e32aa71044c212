"""The summary benchmark behind `make bench`: a synthetic deployment and its timings.

`build` fills an empty database with a bureau of N members in B branches and about E
ledger entries per member for one year, and two more branches of 50 and 500 members —
bulk inserts, since bench data need not go through the services or the audit log.
`summary_run` is the app's summary service for every branch, `floor_run` one
hand-written GROUP BY over the same ledger (the floor it is measured against), both
over all N + 550 members; `best_of` times either; `page_query_counts` counts the
queries of the card and branch-table pages for the branches of 50 and 500 members. All
of it runs inside the bench's own database; the `bench` command sees to that."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import User
from core.pinyin import pinyin_key
from ledger.models import Entry, Kind, Source, Veto
from ledger.totals import year_results
from organizations.models import (
    Department,
    Member,
    Organization,
    Participation,
    Role,
    RoleAssignment,
)
from rules.models import Item, Scheme, Section
from rules.services import EDITABLE_FIELDS, default_template

D = Decimal
COMMITTEE_CODE = "bench"
COMMITTEE_USER = "bench-committee"
BRANCH_PREFIX = "zb"  # the branches of the spec; the two query-count branches are "qc…"
QUERY_PREFIX = "qc"
QUERY_BRANCH_SIZES = (50, 500)
MEMBERS_PER_CHUNK = 400
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁"
    "谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国红梅晓燕志鹏海波玉兰德文斌浩宇"
POSITIONS = ["科员", "副科长", "科长", "主任科员", "工程师", "高级工程师", "办事员"]
DEDICATION_POINTS = [D(n) / 2 for n in range(1, 11)]  # the template's range 0.5 .. 5
DEDUCTION_SOURCES = [Source.ATTENDANCE, Source.DUES, Source.DIRECT]
GRADE_SCORES = [D(95), D(92), D(88), D(85), D(85), D(82), D(75), D(70), D(55)]


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Spec:
    members: int
    branches: int
    entries_per_member: int
    year: int
    seed: int = 2021
    query_branches: bool = True  # the branches of 50 and 500 members the query counts use


@dataclass
class Built:
    committee: Organization
    committee_user: User
    entries: int = 0

    @classmethod
    def load(cls) -> Built:
        """The deployment `build` left in this database."""
        return cls(
            committee=Organization.objects.get(code=COMMITTEE_CODE),
            committee_user=User.objects.get(username=COMMITTEE_USER),
            entries=Entry.objects.count(),
        )

    @staticmethod
    def matches(spec: Spec) -> bool:
        """Whether this database holds what `build(spec)` makes (for `bench --reuse`)."""
        timed = Organization.objects.filter(
            parent__code=COMMITTEE_CODE, code__startswith=BRANCH_PREFIX
        )
        originals = Entry.objects.filter(
            branch__in=timed, year=spec.year, reverses__isnull=True
        ).count()
        return (
            timed.count() == spec.branches
            and Member.objects.filter(branch__in=timed).count() == spec.members
            and originals == spec.members * (spec.entries_per_member - 1)
        )


def timed_branches(committee: Organization) -> QuerySet[Organization]:
    """The branches the timings cover: every branch of the committee, the query-count
    ones too, as the floor's GROUP BY covers the whole ledger of the year."""
    return Organization.objects.filter(parent=committee, kind=Organization.Kind.BRANCH)


# --- building -------------------------------------------------------------------------


def _caps_for(item: Item) -> dict[str, Decimal | None]:
    """A few capped items, so that the bench exercises the caps."""
    if item.code == "dedication.volunteer":
        return {"cap_month": D(4)}
    if item.code == "dedication.learning":
        return {"cap_year": D(20)}
    if item.code == "deduction.conduct":
        return {"cap_year": D(10)}
    return {}


def _schemes(
    branches: list[Organization], year: int, *, caps_every: int
) -> dict[int | None, list[Item]]:
    """A scheme per branch copied from the template, as `scheme_for_year` would; every
    `caps_every`-th branch caps a few items and a category."""
    template = default_template()

    def capped(index: int) -> bool:
        return index % caps_every == 0

    template_items = list(template.items.filter(is_retired=False))
    schemes = Scheme.objects.bulk_create(
        Scheme(
            organization=branch,
            year=year,
            name=f"{branch.name}{year}年积分细则",
            copied_from=template,
            category_caps={"ecology": "40"} if capped(index) else {},
        )
        for index, branch in enumerate(branches)
    )
    items = [
        Item(
            scheme=scheme,
            template_item=item,
            code=item.code,
            **(
                {f: getattr(item, f) for f in EDITABLE_FIELDS}
                | (_caps_for(item) if capped(index) else {})
            ),
        )
        for index, scheme in enumerate(schemes)
        for item in template_items
    ]
    by_scheme: dict[int, list[Item]] = {}
    for item in Item.objects.bulk_create(items, batch_size=500):
        by_scheme.setdefault(item.scheme_id, []).append(item)
    return {scheme.organization_id: by_scheme[scheme.pk] for scheme in schemes}


def _members(
    rng: random.Random, branch: Organization, count: int, departments: list[Department]
) -> list[Member]:
    members = [
        Member(
            branch=branch,
            name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
            gender=rng.choice("MF"),
            birth_month=date(rng.randint(1960, 1998), rng.randint(1, 12), 1),
            department=rng.choice(departments),
            position=rng.choice(POSITIONS),
            phone=f"139{rng.randrange(10**8):08d}",
            joined_on=date(rng.randint(1985, 2023), rng.randint(1, 12), rng.randint(1, 28)),
            standing=Member.Standing.FULL if rng.random() > 0.05 else Member.Standing.PROBATIONARY,
        )
        for _ in range(count)
    ]
    for member in members:  # bulk_create skips Member.save, which keeps the key
        member.name_key = pinyin_key(member.name)
    return members


class _Ledger:
    """Entries of one year for members of branches whose scheme items are known."""

    def __init__(self, rng: random.Random, year: int, per_member: int) -> None:
        self.rng = rng
        self.year = year
        self.per_member = per_member

    def _entry(self, member: Member, item: Item, points: Decimal, source: str) -> Entry:
        return Entry(
            branch_id=member.branch_id,
            member=member,
            year=self.year,
            month=self.rng.randint(1, 12),
            kind=item.section,
            item=item,
            points=points,
            source=source,
        )

    def for_member(self, member: Member, items: dict[str, list[Item]]) -> list[Entry]:
        """About `per_member` entries: two appraisal sessions, the rest mostly dedication."""
        rng = self.rng
        out = [
            Entry(
                branch_id=member.branch_id,
                member=member,
                year=self.year,
                month=month,
                kind=Kind.APPRAISAL,
                points=rng.choice(GRADE_SCORES),
                source=Source.APPRAISAL,
                source_ref=f"{self.year}-H{half}",
            )
            for half, month in ((1, 6), (2, 12))
        ]
        for _ in range(max(self.per_member - 3, 0)):
            roll = rng.random()
            if roll < 0.82:
                item = rng.choice(items[Section.DEDICATION])
                out.append(
                    self._entry(member, item, rng.choice(DEDICATION_POINTS), Source.DECLARATION)
                )
            elif roll < 0.95:
                item = rng.choice(items[Section.DEDUCTION])
                points = item.points or D(rng.randint(1, 10))
                out.append(self._entry(member, item, points, rng.choice(DEDUCTION_SOURCES)))
            else:
                item = rng.choice(items[Section.BASE])
                out.append(self._entry(member, item, -D(rng.randint(1, 3)), Source.ADJUSTMENT))
        return out

    def reversals(self, originals: list[Entry]) -> list[Entry]:
        """Corrections: about one entry in fifty is reversed, in its own month."""
        candidates = [e for e in originals if e.kind != Kind.APPRAISAL]
        count = min(len(candidates), round(len(originals) / 50))
        return [
            Entry(
                branch_id=e.branch_id,
                member_id=e.member_id,
                year=e.year,
                month=e.month,
                kind=e.kind,
                item_id=e.item_id,
                points=-e.points,
                source=e.source,
                source_ref=e.source_ref,
                reverses=e,
                reason="认定有误，予以更正",
            )
            for e in self.rng.sample(candidates, count)
        ]


_COPY_COLUMNS = (
    "id",
    "branch_id",
    "member_id",
    "year",
    "month",
    "kind",
    "item_id",
    "points",
    "source",
    "source_ref",
    "reverses_id",
    "recorded_at",
    "reason",
    "evidence",
)


def _insert_entries(entries: list[Entry]) -> None:
    """Insert entries, setting their pk. On PostgreSQL by COPY into a block of ids taken
    from the table's sequence (ten times faster than INSERTs at 100,000 members); the
    ledger's constraints and triggers apply to copied rows all the same."""
    if not entries:
        return
    if connection.vendor != "postgresql":
        Entry.objects.bulk_create(entries, batch_size=2000)
        return
    table = Entry._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
            [table, table, len(entries)],
        )
        last = cursor.fetchone()[0]
        first = last - len(entries) + 1
        for offset, entry in enumerate(entries):
            entry.pk = first + offset
        columns = ", ".join(_COPY_COLUMNS)
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for e in entries:
                copy.write_row(
                    (
                        e.pk,
                        e.branch_id,
                        e.member_id,
                        e.year,
                        e.month,
                        e.kind,
                        e.item_id,
                        e.points,
                        e.source,
                        e.source_ref,
                        e.reverses_id,
                        now,
                        e.reason,
                        e.evidence,
                    )
                )


def _chunks(items: list[Member], size: int) -> Iterator[list[Member]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _populate(
    rng: random.Random,
    spec: Spec,
    parent: Organization,
    sizes: list[int],
    code_prefix: str,
    departments: list[Department],
    *,
    caps_every: int,
) -> int:
    """Branches of the given sizes under `parent`, with members and their ledger."""
    start = Organization.objects.filter(parent=parent).count()
    branches = Organization.objects.bulk_create(
        Organization(
            code=f"{code_prefix}{start + i:04d}",
            name=f"第{start + i + 1}党支部",
            kind=Organization.Kind.BRANCH,
            parent=parent,
            order=start + i,
        )
        for i in range(len(sizes))
    )
    items_of_branch = _schemes(branches, spec.year, caps_every=caps_every)
    members: list[Member] = []
    for branch, size in zip(branches, sizes, strict=True):
        members += _members(rng, branch, size, departments)
    members = Member.objects.bulk_create(members, batch_size=500)
    ledger = _Ledger(rng, spec.year, spec.entries_per_member)
    sections = {
        branch_id: {
            section: [i for i in items if i.section == section] for section in Section.values
        }
        for branch_id, items in items_of_branch.items()
    }
    written = 0
    for chunk in _chunks(members, MEMBERS_PER_CHUNK):
        originals: list[Entry] = []
        for member in chunk:
            originals += ledger.for_member(member, sections[member.branch_id])
        _insert_entries(originals)
        reversals = ledger.reversals(originals)
        _insert_entries(reversals)
        written += len(originals) + len(reversals)
        progress(f"  {written:,} entries")
    _vetoes_and_exemptions(rng, spec.year, members)
    return written


def _vetoes_and_exemptions(rng: random.Random, year: int, members: list[Member]) -> None:
    """About one member in two hundred vetoed, one in a hundred exempt."""
    picked = rng.sample(members, max(2, len(members) * 3 // 200))
    vetoed, exempt = picked[: len(picked) // 3], picked[len(picked) // 3 :]
    Veto.objects.bulk_create(
        Veto(
            branch_id=m.branch_id,
            member=m,
            year=year,
            ground=rng.choice(Veto.Ground.values),
            facts="经支部委员会集体研究认定",
            decided_on=date(year, rng.randint(1, 12), 15),
        )
        for m in vetoed
    )
    Participation.objects.bulk_create(
        Participation(member=m, year=year, takes_part=False, reason="因病经批准不参与")
        for m in exempt
    )


def _branch_sizes(members: int, branches: int) -> list[int]:
    base, extra = divmod(members, branches)
    return [base + (1 if i < extra else 0) for i in range(branches)]


@transaction.atomic
def build(spec: Spec) -> Built:
    """The deployment the timings run on: committee, branches, members and ledger."""
    rng = random.Random(spec.seed)
    committee = Organization.objects.create(
        code=COMMITTEE_CODE, name="基准测试机关党委", kind=Organization.Kind.COMMITTEE
    )
    departments = Department.objects.bulk_create(
        Department(name=f"科室{i + 1:02d}", order=i) for i in range(20)
    )
    user = User.objects.create(username=COMMITTEE_USER, must_change_password=False)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    RoleAssignment.objects.create(user=user, organization=committee, role=Role.COMMITTEE_ADMIN)
    built = Built(committee=committee, committee_user=user)
    sizes = _branch_sizes(spec.members, spec.branches)
    built.entries = _populate(rng, spec, committee, sizes, BRANCH_PREFIX, departments, caps_every=2)
    if spec.query_branches:
        built.entries += _query_branches(spec, committee, departments)
    return built


def _query_branches(spec: Spec, committee: Organization, departments: list[Department]) -> int:
    """Two more branches, of 50 and 500 members, whose pages the query counts use; built
    with the rest, so that a reused bench database times the same rows."""
    rng = random.Random(spec.seed + 1)
    # Both with caps, so that both need every query a branch can need.
    sizes = list(QUERY_BRANCH_SIZES)
    return _populate(rng, spec, committee, sizes, QUERY_PREFIX, departments, caps_every=1)


def query_branches() -> dict[int, Organization]:
    """The branches of 50 and 500 members that `build` made for the query counts."""
    branches = Organization.objects.filter(code__startswith=QUERY_PREFIX).order_by("code")
    return dict(zip(QUERY_BRANCH_SIZES, branches, strict=True))


# --- measuring ------------------------------------------------------------------------


def best_of(run: Callable[[], Any], repeat: int) -> float:
    """Seconds of the fastest of `repeat` runs, after one warm-up run."""
    run()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def summary_run(committee: Organization, year: int) -> Callable[[], Any]:
    """The app's summary service: totals and ranks of every branch of the committee."""

    def run() -> Any:
        return year_results(year, timed_branches(committee))

    return run


def floor_sql() -> str:
    entry, item = Entry._meta.db_table, Item._meta.db_table
    return (
        f"SELECT e.member_id, e.kind, i.category, SUM(e.points) "  # noqa: S608
        f"FROM {entry} e LEFT JOIN {item} i ON i.id = e.item_id "
        f"WHERE e.year = %s GROUP BY e.member_id, e.kind, i.category"
    )


def floor_run(year: int) -> Callable[[], Any]:
    """The floor: one query grouping the same ledger by member and category, all rows fetched."""
    sql = floor_sql()

    def run() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, [year])
            return cursor.fetchall()

    return run


def _count_queries(client: Client, url: str) -> int | None:
    client.get(url)  # warm-up: session, caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return len(captured) if response.status_code == 200 else None


def _page_urls(branch: Organization, year: int) -> dict[str, str | None]:
    member = Member.objects.filter(branch=branch).order_by("pk").first()
    urls: dict[str, str | None] = {}
    for page, args in (
        ("card", [member.pk if member else 0, year]),
        ("branch_table", [branch.code, year]),
    ):
        try:
            urls[page] = reverse(f"summaries:{page}", args=args)
        except NoReverseMatch:
            urls[page] = None
    return urls


def page_query_counts(user: User, branches: dict[int, Organization], year: int) -> dict:
    """Queries of the card and branch-table pages for branches of each size (None: no page)."""
    urls = {size: _page_urls(branch, year) for size, branch in branches.items()}
    counts: dict[str, int | None] = {}
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(user)
        for page in ("card", "branch_table"):
            for size in sorted(branches):
                url = urls[size][page]
                counts[f"{page}_{size}"] = _count_queries(client, url) if url else None
    return counts


def summary_xlsx_runs(
    committee: Organization, year: int
) -> tuple[Callable[[], Any], Callable[[], Any], int]:
    """Attachment 4 for every member at once, and its floor: the same rows written with
    openpyxl's write-only mode and nothing else (no styles, no form)."""
    import dataclasses
    import io

    from openpyxl import Workbook

    from .summary_export import number, summary_xlsx
    from .summary_table import summary_tables

    tables = summary_tables(year, timed_branches(committee))
    rows = [row for table in tables for row in table.rows]
    everyone = dataclasses.replace(tables[0], rows=rows)
    plain = [
        [
            row.number,
            row.member.name,
            number(row.base),
            number(row.dedication),
            number(row.appraisal),
            number(row.deductions),
            number(row.total),
        ]
        for row in rows
    ]

    def export() -> Any:
        return summary_xlsx(everyone)

    def floor() -> Any:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("rows")
        for values in plain:
            ws.append(values)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    return export, floor, len(rows)
