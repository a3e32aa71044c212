"""Reads that feed the scoring engine: the ledger aggregated in a constant number
of queries, then totals and ranks from the pure engine."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, IntegerField, Q, Sum, Value, When

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


def rules_from_items(items: Iterable[Item], category_caps: dict[str, str] | None) -> engine.Rules:
    return engine.Rules(
        items={
            item.pk: engine.ItemRule(
                item_id=item.pk,
                section=item.section,  # type: ignore[arg-type]
                category=item.category or f"item:{item.pk}",
                max_points=item.points if item.section == "base" else None,
                cap_month=item.cap_month,
                cap_year=item.cap_year,
            )
            for item in items
        },
        category_caps={k: Decimal(str(v)) for k, v in (category_caps or {}).items()},
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


def year_results(year: int, branches: Iterable[Organization]) -> dict[int, BranchYear]:
    """Totals and ranks for each branch in the year, in a fixed number of queries."""
    branches = list(branches)
    branch_ids = [b.pk for b in branches]
    schemes = {
        s.organization_id: s
        for s in Scheme.objects.filter(organization_id__in=branch_ids, year=year, is_template=False)
    }
    items_by_scheme: dict[int, list[Item]] = defaultdict(list)
    scheme_ids = [s.pk for s in schemes.values()]
    fallback: dict[int, Scheme] = {}
    for branch in branches:
        if branch.pk not in schemes:
            template = template_for(branch)
            fallback[branch.pk] = template
            scheme_ids.append(template.pk)
    for item in Item.objects.filter(scheme_id__in=set(scheme_ids)):
        items_by_scheme[item.scheme_id].append(item)

    members = list(
        Member.objects.filter(
            Q(branch_id__in=branch_ids, is_active=True)
            | Q(
                pk__in=Entry.objects.filter(branch_id__in=branch_ids, year=year).values("member_id")
            )
        )
        .select_related("department", "branch")
        .order_by("name", "pk")
    )
    not_taking_part = set(
        Participation.objects.filter(
            member__in=[m.pk for m in members], year=year, takes_part=False
        ).values_list("member_id", flat=True)
    )
    vetoed = set(
        Veto.objects.filter(
            branch_id__in=branch_ids, year=year, revoked_at__isnull=True
        ).values_list("member_id", flat=True)
    )
    any_month_cap = any(
        item.cap_month is not None for items in items_by_scheme.values() for item in items
    )
    entries_by_branch: dict[int, list[engine.Entry]] = defaultdict(list)
    for branch_id, entry in aggregated_entries(
        Entry.objects.filter(branch_id__in=branch_ids, year=year), by_month=any_month_cap
    ):
        entries_by_branch[branch_id].append(entry)

    members_by_branch: dict[int, list[Member]] = defaultdict(list)
    for member in members:
        members_by_branch[member.branch_id].append(member)

    out = {}
    for branch in branches:
        scheme = schemes.get(branch.pk)
        source = scheme or fallback[branch.pk]
        rules = rules_from_items(items_by_scheme[source.pk], source.category_caps)
        branch_members = members_by_branch.get(branch.pk, [])
        totals = engine.branch_totals(
            rules, [m.pk for m in branch_members], entries_by_branch.get(branch.pk, [])
        )
        taking_part = [m for m in branch_members if m.pk not in not_taking_part]
        standings = {
            s.member_id: s
            for s in engine.rank_branch(
                (m.pk, totals[m.pk].total, m.pk in vetoed) for m in taking_part
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
            for m in branch_members
        ]
        results.sort(key=lambda r: (r.standing is None, r.rank or 0, r.member.name))
        out[branch.pk] = BranchYear(
            branch=branch, year=year, scheme=scheme, rules=rules, results=results
        )
    return out


def branch_year(branch: Organization, year: int) -> BranchYear:
    return year_results(year, [branch])[branch.pk]
