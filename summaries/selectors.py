"""Reads that feed the scoring engine: the ledger aggregated in a constant number
of queries, then totals and ranks from the pure engine."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Context, Decimal

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Sum, Value, When

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
        self.months: dict[int, dict[int, Decimal]] = {}
        self.sessions: dict[str, tuple[Decimal, int]] = {}


_FLOAT_CONTEXT = Context(prec=15)


def _exact(value: Decimal | float | int) -> Decimal:
    """A sum as the driver returns it (SQLite: a float) as a Decimal of one place."""
    if isinstance(value, float):
        return _FLOAT_CONTEXT.create_decimal_from_float(value).quantize(engine.TENTH)
    return value if isinstance(value, Decimal) else Decimal(value)


def _raw_rows(queryset: QuerySet) -> list[tuple]:
    """The rows of a values_list query without the ORM's per-value converters."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _sum_ledger(
    year: int, branch_ids: list[int], sums: dict[int, _Sums], month_capped: set[int]
) -> None:
    """Fill `sums` from two GROUP BY queries over the branches' ledger of the year.

    Items are summed per branch, member and item, in the order of the ledger's
    (branch, year, member, item, points) index, so the database reads the index alone
    and never sorts. Appraisal sessions and items with a month cap are summed per month
    as well, in a second, smaller query. A row counts only in the member's own branch:
    entries made in a former branch stay there, as they would in `branch_totals`.
    """
    ledger = Entry.objects.filter(year=year, branch_id__in=branch_ids).order_by()
    by_item = (
        ledger.filter(item__isnull=False)
        .values("branch_id", "member_id", "item_id")
        .annotate(points=Sum("points"))
        .values_list("branch_id", "member_id", "item_id", "points")
    )
    exact: dict[Decimal | float | int, Decimal] = {}
    for branch_id, member_id, item_id, points in _raw_rows(by_item):
        member = sums.get(member_id)
        if member is None or member.branch_id != branch_id or item_id in month_capped:
            continue
        value = exact.get(points)
        if value is None:
            value = exact[points] = _exact(points)
        member.items[item_id] = value
    # Appraisal entries are those without an item (the ledger's check constraint).
    by_month = (
        ledger.filter(Q(item__isnull=True) | Q(item_id__in=month_capped))
        .annotate(session=Case(When(item__isnull=True, then="source_ref"), default=Value("")))
        .values("branch_id", "member_id", "item_id", "session", "month")
        .annotate(points=Sum("points"), n=Sum(_reversal_sign()))
        .values_list("branch_id", "member_id", "item_id", "session", "month", "points", "n")
    )
    for branch_id, member_id, item_id, session, month, points, n in _raw_rows(by_month):
        member = sums.get(member_id)
        if member is None or member.branch_id != branch_id:
            continue
        if item_id is None:
            total, count = member.sessions.get(session, (ZERO, 0))
            member.sessions[session] = (total + _exact(points), count + n)
        else:
            months = member.months.setdefault(item_id, {})
            months[month] = months.get(month, ZERO) + _exact(points)


def year_results(year: int, branches: Iterable[Organization]) -> dict[int, BranchYear]:
    """Totals and ranks for each branch in the year, in a fixed number of queries."""
    branches = list(branches)
    by_pk = {b.pk: b for b in branches}
    branch_ids = list(by_pk)
    schemes = {
        s.organization_id: s
        for s in Scheme.objects.filter(organization_id__in=branch_ids, year=year, is_template=False)
    }
    source_of = {
        branch.pk: schemes[branch.pk] if branch.pk in schemes else template_for(branch)
        for branch in branches
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

    members = list(
        Member.objects.filter(branch_id__in=branch_ids)
        .filter(
            Q(is_active=True)
            | Q(
                pk__in=Entry.objects.filter(branch_id__in=branch_ids, year=year).values("member_id")
            )
        )
        .prefetch_related("department")
    )
    cache_branch = Member.branch.field.set_cached_value
    for member in members:
        cache_branch(member, by_pk[member.branch_id])
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
    out = {}
    for branch in branches:
        rules = rules_of[branch.pk]
        results = _branch_results(
            rules, members_by_branch.get(branch.pk, []), sums, not_taking_part, vetoed
        )
        out[branch.pk] = BranchYear(
            branch=branch, year=year, scheme=schemes.get(branch.pk), rules=rules, results=results
        )
    return out


def _branch_results(
    rules: engine.Rules,
    members: list[Member],
    sums: dict[int, _Sums],
    not_taking_part: set[int],
    vetoed: set[int],
) -> list[MemberResult]:
    totals = {}
    for member in members:
        s = sums[member.pk]
        totals[member.pk] = engine.totals_from_sums(rules, member.pk, s.items, s.months, s.sessions)
    standings = {
        s.member_id: s
        for s in engine.rank_branch(
            (m.pk, totals[m.pk].total, m.pk in vetoed)
            for m in members
            if m.pk not in not_taking_part
        )
    }
    results = [
        MemberResult(
            member=m,
            takes_part=m.pk not in not_taking_part,
            vetoed=m.pk in vetoed,
            totals=totals[m.pk],
            standing=standings.get(m.pk),
        )
        for m in members
    ]
    results.sort(key=lambda r: (r.standing is None, r.rank or 0, r.member.name, r.member.pk))
    return results


def branch_year(branch: Organization, year: int) -> BranchYear:
    return year_results(year, [branch])[branch.pk]
