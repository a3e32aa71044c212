"""做贡献 counted: what members declared on the departments' platforms (plan 一(二)3), by
platform and by the plan's six business lines, for the dashboard and the annual report.

A contribution is a line of a submitted declaration that names a platform; it counts as
recognised once the assessment group has recognised it (in full or in part), with the
points recognised. Four queries, whatever the number of platforms and lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from contributions.models import BUSINESS_LINES, Platform
from declarations.models import Declaration, DeclarationLine
from organizations.models import Member
from scoring.engine import round1

ZERO = Decimal("0.0")
RECOGNISED = (DeclarationLine.Outcome.RECOGNISED, DeclarationLine.Outcome.PARTLY)


@dataclass
class Counted:
    declared: int = 0
    recognised: int = 0
    members: int = 0
    points: Decimal = ZERO


@dataclass(kw_only=True)
class PlatformRow(Counted):
    platform: Platform


@dataclass(kw_only=True)
class LineRow(Counted):
    value: str
    label: str
    platforms: int


@dataclass
class Contributions:
    year: int
    platforms: list[PlatformRow] = field(default_factory=list)
    lines: list[LineRow] = field(default_factory=list)
    total: Counted = field(default_factory=Counted)


def contributions(
    year: int, branch_ids: Iterable[int], *, only_branch_departments: bool = False
) -> Contributions:
    """Contributions of the branches' members on the year's platforms. Every platform of
    the year is listed, or with `only_branch_departments` (a branch's report) those of the
    departments its members belong to and any its members contributed on."""
    ids = list(branch_ids)
    lines = DeclarationLine.objects.filter(
        platform__isnull=False, declaration__year=year, declaration__branch_id__in=ids
    ).exclude(declaration__status=Declaration.Status.DRAFT)
    figures = {
        "declared": Count("pk"),
        "recognised": Count("pk", filter=Q(outcome__in=RECOGNISED)),
        "members": Count("declaration__member_id", distinct=True),
        "points": Sum("points", filter=Q(outcome__in=RECOGNISED)),
    }
    counted = {
        row["platform_id"]: row
        for row in lines.values("platform_id").annotate(**figures).order_by()
    }
    by_line = {
        row["platform__business_line"]: row
        for row in lines.values("platform__business_line").annotate(**figures).order_by()
    }
    platforms = Platform.objects.filter(year=year).select_related("department")
    if only_branch_departments:
        departments = Member.objects.filter(branch_id__in=ids, is_active=True).values(
            "department_id"
        )
        platforms = platforms.filter(Q(department_id__in=departments) | Q(pk__in=list(counted)))
    out = Contributions(year=year)
    for platform in platforms.order_by(
        "business_line", "department__order", "department__name", "name", "pk"
    ):
        out.platforms.append(
            PlatformRow(platform=platform, **_figures(counted.get(platform.pk, {})))
        )
    for line in BUSINESS_LINES:
        out.lines.append(
            LineRow(
                value=line.value,
                label=str(line.label),
                platforms=sum(1 for r in out.platforms if r.platform.business_line == line),
                **_figures(by_line.get(line.value, {})),
            )
        )
    out.total = Counted(**_figures(lines.aggregate(**figures)))
    return out


def _figures(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "declared": row.get("declared") or 0,
        "recognised": row.get("recognised") or 0,
        "members": row.get("members") or 0,
        "points": round1(Decimal(str(row.get("points") or 0))),
    }
