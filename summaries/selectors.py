"""Reads that feed the scoring engine: the ledger summed by the database in a constant
number of queries, then totals and ranks from the pure engine.

`year_results` is the summary behind every page of totals; `make bench` times it for
10,000 members against one bare GROUP BY over the same ledger (summaries/bench.py).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Context, Decimal
from operator import itemgetter

from django.db import connection
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Sum, Value, When

from ledger.models import Entry, Kind, Veto
from organizations.models import Member, Organization, Participation
from rules.models import Item, Scheme
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


def _rule(pk: int, section: str, category: str, points, cap_month, cap_year) -> engine.ItemRule:
    return engine.ItemRule(
        item_id=pk,
        section=section,  # type: ignore[arg-type]
        category=category or f"item:{pk}",
        max_points=points if section == "base" else None,
        cap_month=cap_month,
        cap_year=cap_year,
    )


def _rules(items: Iterable[tuple], category_caps: dict[str, str] | None) -> engine.Rules:
    return engine.Rules(
        items={row[0]: _rule(*row) for row in items},
        category_caps={k: Decimal(str(v)) for k, v in (category_caps or {}).items()},
    )


def rules_from_items(items: Iterable[Item], category_caps: dict[str, str] | None) -> engine.Rules:
    return _rules(
        (
            (item.pk, item.section, item.category, item.points, item.cap_month, item.cap_year)
            for item in items
        ),
        category_caps,
    )


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
    """One member's ledger of the year as the database sums it."""

    __slots__ = ("branch_id", "items", "months", "sessions")

    def __init__(self, branch_id: int) -> None:
        self.branch_id = branch_id
        self.items: dict[int, Decimal] = {}
        self.months: dict[int, dict[int, Decimal]] | None = None  # only items with a month cap
        self.sessions: dict[str, tuple[Decimal, int]] = {}


_FLOAT_CONTEXT = Context(prec=15)


def _exact(value: Decimal | float | int) -> Decimal:
    """A sum as the driver returns it (SQLite: a float or an int) with one decimal place."""
    if isinstance(value, float):
        value = _FLOAT_CONTEXT.create_decimal_from_float(value)
    return Decimal(value).quantize(engine.TENTH) + engine.ZERO_1  # + 0.0: no "-0.0"


def _raw_chunks(queryset: QuerySet) -> Iterator[list[tuple]]:
    """The rows of a values_list query in chunks, without the ORM's per-value converters."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(2000):
            yield rows


def _sum_ledger(
    year: int, branch_ids: list[int], sums: dict[int, _Sums], month_capped: set[int]
) -> None:
    """Fill `sums` from GROUP BY queries over the branches' ledger of the year.

    They read the ledger's (branch, year, item, member, points) index: items are summed
    per item and member in the index's order, with no sort and no table look-up; the
    appraisal entries (those without an item: the ledger's check constraint) are summed
    per session, and items with a month cap per month, from their own ranges of it. A
    row counts only in the member's own branch: entries made in a former branch stay
    there, as they would in `branch_totals`.
    """
    ledger = Entry.objects.filter(year=year, branch_id__in=branch_ids).order_by()
    # Items with a month cap are summed by month below. PostgreSQL leaves their rows out
    # here; on SQLite a long NOT IN costs more than skipping the rows in Python.
    with_item = ledger.filter(item__isnull=False)
    if connection.vendor == "postgresql":
        with_item = with_item.exclude(item_id__in=month_capped)
    by_item = (
        with_item.values("branch_id", "item_id", "member_id")
        .annotate(points=Sum("points"))
        .values_list("branch_id", "item_id", "member_id", "points")
    )
    exact: dict[Decimal | float | int, Decimal] = {}
    get = sums.get
    if connection.vendor == "postgresql":
        # SUM of numeric(7, 1) is a Decimal with one place already, and never "-0.0".
        for rows in _raw_chunks(by_item):
            for branch_id, item_id, member_id, points in rows:
                member = get(member_id)
                if member is not None and member.branch_id == branch_id:
                    member.items[item_id] = points
    else:
        for rows in _raw_chunks(by_item):
            for branch_id, item_id, member_id, points in rows:
                member = get(member_id)
                if member is None or member.branch_id != branch_id or item_id in month_capped:
                    continue
                value = exact.get(points)
                if value is None:
                    value = exact[points] = _exact(points)
                member.items[item_id] = value
    sessions = (
        ledger.filter(item__isnull=True)
        .values("branch_id", "member_id", "source_ref")
        .annotate(points=Sum("points"), n=Sum(_reversal_sign()))
        .values_list("branch_id", "member_id", "source_ref", "points", "n")
        .order_by("branch_id", "member_id", "source_ref")  # sessions in order: H1, H2
    )
    for rows in _raw_chunks(sessions):
        for branch_id, member_id, session, points, n in rows:
            member = get(member_id)
            if member is not None and member.branch_id == branch_id:
                value = exact.get(points)
                if value is None:
                    value = exact[points] = _exact(points)
                member.sessions[session] = (value, n)
    if not month_capped:
        return
    by_month = (
        ledger.filter(item_id__in=month_capped)
        .values("branch_id", "member_id", "item_id", "month")
        .annotate(points=Sum("points"))
        .values_list("branch_id", "member_id", "item_id", "month", "points")
    )
    for rows in _raw_chunks(by_month):
        for branch_id, member_id, item_id, month, points in rows:
            member = get(member_id)
            if member is not None and member.branch_id == branch_id:
                if member.months is None:
                    member.months = {}
                member.months.setdefault(item_id, {})[month] = _exact(points)


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
    sums = {member.pk: _Sums(member.branch_id) for member in members}
    _sum_ledger(year, branch_ids, sums, month_capped)
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
                rules_of[branch.pk],
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
        rules_of[branch_id] = _rules(rows, source.category_caps)
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
        .prefetch_related("department")
    )
    cache_branch = Member.branch.field.set_cached_value
    for member in members:
        cache_branch(member, by_pk[member.branch_id])
    return members


def _branch_results(
    rules: engine.Rules,
    members: list[Member],
    sums: dict[int, _Sums],
    not_taking_part: set[int],
    vetoed: set[int],
) -> list[MemberResult]:
    scored = []
    for member in members:
        pk = member.pk
        s = sums[pk]
        scored.append(
            (member, pk, engine.totals_from_sums(rules, pk, s.items, s.months, s.sessions))
        )
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
