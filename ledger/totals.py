"""Reads that feed the scoring engine: the ledger summed by the database in a constant
number of queries, then totals and ranks from the pure engine.

`year_results` is the summary behind every page of totals; `make bench` times it for
10,000 members against one bare GROUP BY over the same ledger (summaries/bench.py).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from decimal import Context, Decimal
from functools import partial
from itertools import chain
from operator import itemgetter

from django.db import connection
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Sum, Value, When

from ledger.models import Entry, Kind, Veto
from organizations.models import Department, Member, Organization, Participation
from rules.models import Item, Scheme
from rules.points import rules_from_rows
from rules.services import template_for
from scoring import engine

ZERO = Decimal("0")


@dataclass(frozen=True)
class MemberResult:
    member: Member
    takes_part: bool
    vetoed: bool
    totals: engine.MemberTotals
    standing: engine.Standing | None  # None for members not taking part

    @property
    def rank(self) -> int | None:
        return self.standing.rank if self.standing else None


@dataclass(frozen=True)
class BranchYear:
    branch: Organization
    year: int
    scheme: Scheme | None
    rules: engine.Rules
    results: list[MemberResult]  # ranked members first (by rank), then those not taking part

    @property
    def ranked(self) -> list[MemberResult]:
        return [r for r in self.results if r.standing is not None]


def _reversal_sign() -> Case:
    return Case(
        When(reverses__isnull=False, then=Value(-1)), default=Value(1), output_field=IntegerField()
    )


def aggregated_entries(entries_qs, *, by_month: bool) -> list[tuple[int, engine.Entry]]:
    """(branch_id, engine entry) per member, item, [month,] session — sums of points and counts."""
    fields = ["branch_id", "member_id", "item_id", "kind", "source_ref"]
    if by_month:
        fields.append("month")
    rows = (
        entries_qs.annotate(
            session=Case(When(kind=Kind.APPRAISAL, then="source_ref"), default=Value(""))
        )
        .values(
            "branch_id", "member_id", "item_id", "kind", "session", *(["month"] if by_month else [])
        )
        .annotate(total=Sum("points"), n=Sum(_reversal_sign()))
        .order_by()
    )
    out = []
    for row in rows:
        out.append(
            (
                row["branch_id"],
                engine.Entry(
                    member_id=row["member_id"],
                    month=row.get("month", 12),
                    section=row["kind"],
                    points=row["total"],
                    item_id=row["item_id"],
                    session=row["session"] or "",
                    count=row["n"],
                ),
            )
        )
    return out


class _Sums:
    """One member's ledger of the year as the database sums it, and their totals."""

    __slots__ = ("branch_id", "items", "months", "rules", "sessions", "totals")

    def __init__(self, branch_id: int, rules: engine.Rules) -> None:
        self.branch_id = branch_id
        self.rules = rules
        self.items: dict[int, Decimal] = {}
        self.months: dict[int, dict[int, Decimal]] | None = None  # only items with a month cap
        self.sessions: dict[str, tuple[Decimal, int]] = {}
        self.totals: engine.MemberTotals | None = None

    def score(self, member_id: int) -> engine.MemberTotals:
        self.totals = engine.totals_from_sums(
            self.rules, member_id, self.items, self.months, self.sessions
        )
        return self.totals


_FLOAT_CONTEXT = Context(prec=15)


def _exact(value: Decimal | float | int) -> Decimal:
    """A sum as the driver returns it (SQLite: a float or an int) with one decimal place."""
    if isinstance(value, float):
        value = _FLOAT_CONTEXT.create_decimal_from_float(value)
    return Decimal(value).quantize(engine.TENTH) + engine.ZERO_1  # + 0.0: no "-0.0"


CHUNK = 2000


def _chunked_rows() -> bool:
    """Whether libpq streams rows in chunks (version 17 on; psycopg[binary] ships it)."""
    import psycopg

    return psycopg.pq.version() >= 170000


@contextmanager
def _rows(sql: str, params: tuple) -> Iterator[Iterator[tuple]]:
    """The rows of a query, without the ORM's per-value converters.

    On PostgreSQL they are streamed in chunks as the server produces them (libpq's
    chunked rows mode), so that Python sums one chunk while the server aggregates the
    next, on the other core; a plain fetch waits for the whole result first. The query
    is logged as any other (query counts, debug logging).
    """
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or not _chunked_rows():
            cursor.execute(sql, params)
            yield chain.from_iterable(iter(partial(cursor.fetchmany, CHUNK), []))
            return
        connection.validate_no_broken_transaction()
        logged = (
            cursor.debug_sql(connection.ops.compose_sql(sql, params))  # type: ignore[attr-defined]
            if isinstance(cursor, CursorDebugWrapper)
            else nullcontext()
        )
        stream = cursor.cursor.stream(sql, params, size=CHUNK)
        try:
            with logged, connection.wrap_database_errors:
                yield stream
        finally:
            stream.close()  # left half-read (an error): psycopg cancels the query


def _sum_ledger(
    year: int, branch_ids: list[int], sums: dict[int, _Sums], month_capped: set[int]
) -> None:
    """Fill `sums` from GROUP BY queries over the branches' ledger of the year, and
    score every member (`_Sums.score`).

    The appraisal entries (those without an item: the ledger's check constraint) are
    summed per session, and items with a month cap per month, first: small queries,
    each from its own index. Then the items per member and item, from the ledger's
    (branch, year, member, item, points) index in its order, with no sort and no table
    look-up. On PostgreSQL that result streams in, a row per member, and each member is
    scored as their row arrives, while the server sums the next ones; elsewhere members
    are scored after. A row counts only in the member's own branch: entries made in a
    former branch stay there, as they would in `branch_totals`.
    """
    ledger = Entry.objects.filter(year=year, branch_id__in=branch_ids).order_by()
    exact: dict[Decimal | float | int, Decimal] = {}
    get = sums.get
    sessions = (
        ledger.filter(item__isnull=True)
        .values("branch_id", "member_id", "source_ref")
        .annotate(points=Sum("points"), n=Sum(_reversal_sign()))
        .values_list("branch_id", "member_id", "source_ref", "points", "n")
        .order_by("branch_id", "member_id", "source_ref")  # sessions in order: H1, H2
    )
    with _rows(*sessions.query.sql_with_params()) as rows:
        for branch_id, member_id, session, points, n in rows:
            member = get(member_id)
            if member is not None and member.branch_id == branch_id:
                value = exact.get(points)
                if value is None:
                    value = exact[points] = _exact(points)
                member.sessions[session] = (value, n)
    if month_capped:
        # By item and year alone: the items are the branches' own (or their template's),
        # so their rows are the branches' but for a member who moved or a template that
        # other branches share, and those rows are dropped below. With the branches in
        # the query too, SQLite reads every row of theirs for the year.
        by_month = (
            Entry.objects.filter(year=year, item_id__in=month_capped)
            .order_by()
            .values("branch_id", "member_id", "item_id", "month")
            .annotate(points=Sum("points"))
            .values_list("branch_id", "member_id", "item_id", "month", "points")
        )
        with _rows(*by_month.query.sql_with_params()) as rows:
            for branch_id, member_id, item_id, month, points in rows:
                member = get(member_id)
                if member is not None and member.branch_id == branch_id:
                    if member.months is None:
                        member.months = {}
                    member.months.setdefault(item_id, {})[month] = _exact(points)
    # Items with a month cap were summed by month above; their sums here are dropped in
    # Python. Leaving them out in SQL (NOT IN) costs more: on SQLite the long list, on
    # PostgreSQL a row estimate so low that it hashes (and spills) instead of reading
    # the index in order.
    by_item = (
        ledger.filter(item__isnull=False)
        .values("branch_id", "member_id", "item_id")
        .annotate(points=Sum("points"))
        .values_list("branch_id", "member_id", "item_id", "points")
    )
    if connection.vendor == "postgresql":
        # One row per member: their items and sums as two arrays, which the driver
        # reads in C, rather than a row per item and member (ten times the rows, each
        # a Python step). SUM of numeric(7, 1) has one place already, and no "-0.0".
        sql, params = by_item.query.sql_with_params()
        per_member = (
            "SELECT branch_id, member_id, array_agg(item_id), array_agg(points) "  # noqa: S608
            f"FROM ({sql}) AS by_item GROUP BY branch_id, member_id"
        )
        with _rows(per_member, params) as rows:
            for branch_id, member_id, item_ids, points in rows:
                member = get(member_id)
                if member is not None and member.branch_id == branch_id:
                    items = member.items = dict(zip(item_ids, points, strict=True))
                    if month_capped and not month_capped.isdisjoint(item_ids):
                        for item_id in month_capped.intersection(item_ids):
                            del items[item_id]
                    member.score(member_id)
        return
    with _rows(*by_item.query.sql_with_params()) as rows:
        for branch_id, member_id, item_id, points in rows:
            member = get(member_id)
            if member is None or member.branch_id != branch_id or item_id in month_capped:
                continue
            value = exact.get(points)
            if value is None:
                value = exact[points] = _exact(points)
            member.items[item_id] = value


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a summary is built.

    Summing 10,000 members allocates a few hundred thousand small objects, none of them
    in a reference cycle; the collector's full passes over them took a quarter of the
    time. Reference counting frees them all the same, and the collector resumes after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def year_results(year: int, branches: Iterable[Organization]) -> dict[int, BranchYear]:
    """Totals and ranks for each branch in the year, in a fixed number of queries."""
    with _collector_paused():
        return _year_results(year, list(branches))


def _year_results(year: int, branches: list[Organization]) -> dict[int, BranchYear]:
    schemes, rules_of, month_capped = _schemes_and_rules(year, branches)
    members = _members(year, branches)
    branch_ids = [b.pk for b in branches]
    not_taking_part = set(
        Participation.objects.filter(
            member__branch_id__in=branch_ids, year=year, takes_part=False
        ).values_list("member_id", flat=True)
    )
    vetoed = set(
        Veto.objects.filter(
            branch_id__in=branch_ids, year=year, revoked_at__isnull=True
        ).values_list("member_id", flat=True)
    )
    sums = {member.pk: _Sums(member.branch_id, rules_of[member.branch_id]) for member in members}
    _sum_ledger(year, branch_ids, sums, month_capped)
    for pk, member_sums in sums.items():
        if member_sums.totals is None:  # no items (or not streamed): scored here
            member_sums.score(pk)
    members_by_branch: dict[int, list[Member]] = defaultdict(list)
    for member in members:
        members_by_branch[member.branch_id].append(member)
    return {
        branch.pk: BranchYear(
            branch=branch,
            year=year,
            scheme=schemes.get(branch.pk),
            rules=rules_of[branch.pk],
            results=_branch_results(
                members_by_branch.get(branch.pk, []),
                sums,
                not_taking_part,
                vetoed,
            ),
        )
        for branch in branches
    }


def _schemes_and_rules(
    year: int, branches: list[Organization]
) -> tuple[dict[int, Scheme], dict[int, engine.Rules], set[int]]:
    """Each branch's scheme of the year (none yet: its committee's template), as engine
    rules, and the items with a month cap among them."""
    schemes: dict[int, Scheme] = {
        s.organization_id: s
        for s in Scheme.objects.filter(
            organization_id__in=[b.pk for b in branches], year=year, is_template=False
        )
        if s.organization_id is not None
    }
    templates: dict[int | None, Scheme] = {}  # by parent: one look-up per committee, not branch
    for branch in branches:
        if branch.pk not in schemes and branch.parent_id not in templates:
            templates[branch.parent_id] = template_for(branch)
    source_of = {
        b.pk: schemes[b.pk] if b.pk in schemes else templates[b.parent_id] for b in branches
    }
    items_by_scheme: dict[int, list[tuple]] = defaultdict(list)
    for row in Item.objects.filter(
        scheme_id__in={scheme.pk for scheme in source_of.values()}
    ).values_list("scheme_id", "pk", "section", "category", "points", "cap_month", "cap_year"):
        items_by_scheme[row[0]].append(row[1:])
    rules_of: dict[int, engine.Rules] = {}
    month_capped: set[int] = set()
    for branch_id, source in source_of.items():
        rows = items_by_scheme[source.pk]
        rules_of[branch_id] = rules_from_rows(rows, source.category_caps)
        month_capped.update(row[0] for row in rows if row[4] is not None)
    return schemes, rules_of, month_capped


def _members(year: int, branches: list[Organization]) -> list[Member]:
    """The branches' active members, and inactive ones with points in the year."""
    by_pk = {b.pk: b for b in branches}
    ids = list(by_pk)
    # EXISTS, not IN: PostgreSQL would plan IN (all the year's entries) as a subquery
    # so costly that it compiles the query (JIT) first, though it never runs it.
    points_in_year = Entry.objects.filter(member_id=OuterRef("pk"), branch_id__in=ids, year=year)
    members = list(
        Member.objects.filter(branch_id__in=ids)
        .filter(Q(is_active=True) | Exists(points_in_year))
        .order_by()
    )
    # What prefetch_related("department") does, in one query too, without its
    # per-member bookkeeping.
    departments = Department.objects.in_bulk({m.department_id for m in members} - {None})
    cache_branch = Member.branch.field.set_cached_value
    cache_department = Member.department.field.set_cached_value
    for member in members:
        cache_branch(member, by_pk[member.branch_id])
        cache_department(member, departments.get(member.department_id))
    return members


def _branch_results(
    members: list[Member],
    sums: dict[int, _Sums],
    not_taking_part: set[int],
    vetoed: set[int],
) -> list[MemberResult]:
    scored = []
    for member in members:
        pk = member.pk
        totals = sums[pk].totals
        assert totals is not None  # noqa: S101 - every member is scored before
        scored.append((member, pk, totals))
    standings = {
        s.member_id: s
        for s in engine.rank_branch(
            (pk, totals.total, pk in vetoed)
            for _, pk, totals in scored
            if pk not in not_taking_part
        )
    }
    results = []
    for member, pk, totals in scored:
        standing = standings.get(pk)
        result = MemberResult(
            member=member,
            takes_part=pk not in not_taking_part,
            vetoed=pk in vetoed,
            totals=totals,
            standing=standing,
        )
        # Ranked members first by rank, then those not taking part; ties by name.
        results.append(
            ((standing is None, standing.rank if standing else 0, member.name, pk), result)
        )
    results.sort(key=itemgetter(0))
    return [result for _, result in results]


def branch_year(branch: Organization, year: int) -> BranchYear:
    return year_results(year, [branch])[branch.pk]
