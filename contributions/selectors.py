"""Reads of the departments' platforms: a department's year, the platforms a member may
name when declaring, the scheme items a platform may earn."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from organizations.models import Department, Member, Organization
from rules.models import Item, Section

from .models import Platform


def platforms_of(department: Department, year: int) -> list[Platform]:
    """The department's platforms of the year with the items they earn (two queries)."""
    return list(
        Platform.objects.filter(department=department, year=year)
        .prefetch_related(_items())
        .order_by("-is_active", "business_line", "name", "pk")
    )


def _items() -> Prefetch:
    return Prefetch(
        "items",
        queryset=Item.objects.select_related("scheme__organization").order_by(
            "scheme__organization__order", "scheme__organization__code", "order", "pk"
        ),
    )


def platforms_for_declaring(department_id: int | None, year: int, month: int) -> list[Platform]:
    """The open platforms of the member's department that run in the month: what a line
    of the month's declaration may name (one query; none without a department)."""
    if department_id is None:
        return []
    return [
        platform
        for platform in Platform.objects.filter(
            department_id=department_id, year=year, is_active=True
        )
        .prefetch_related("items")
        .order_by("business_line", "name", "pk")
        if platform.runs_in(month)
    ]


def department_branches(department: Department) -> QuerySet[Organization]:
    """The branches the department's active members belong to."""
    return Organization.objects.filter(
        pk__in=Member.objects.filter(department=department, is_active=True).values("branch_id")
    ).order_by("order", "code")


@dataclass(frozen=True)
class ItemGroup:
    branch: Organization
    items: list[Item]


def earnable_items(department: Department, year: int) -> list[ItemGroup]:
    """The dedication items a platform of the department may earn: those of the year's
    schemes of the branches its members belong to, by branch. Read only: a branch whose
    scheme for the year is not made yet has none to offer."""
    branches = list(department_branches(department))
    items = (
        Item.objects.filter(
            scheme__organization__in=branches,
            scheme__year=year,
            scheme__is_template=False,
            section=Section.DEDICATION,
            is_retired=False,
        )
        .select_related("scheme")
        .order_by("order", "pk")
    )
    by_branch: dict[int, list[Item]] = {b.pk: [] for b in branches}
    for item in items:
        by_branch[item.scheme.organization_id].append(item)  # type: ignore[index]
    return [ItemGroup(b, by_branch[b.pk]) for b in branches if by_branch[b.pk]]


def item_ids(groups: Iterable[ItemGroup]) -> set[int]:
    return {item.pk for group in groups for item in group.items}
