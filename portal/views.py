"""The home page: what the signed-in user is responsible for, this year."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.years import year_choices, year_from_query
from ledger.totals import MemberResult, year_results
from organizations.permissions import scope_for, visible_branches
from rules.models import Category
from summaries.overview import averages_chart, summarise


def _category_chart(result: MemberResult) -> dict[str, list[str]]:
    by_category = result.totals.dedication_by_category
    return {
        "labels": [str(Category(c).label) if c in Category.values else c for c in by_category],
        "values": [str(v) for v in by_category.values()],
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A member sees their points; an officer their branch; the committee every branch."""
    year = year_from_query(request)
    scope = scope_for(request.user)
    branches = list(visible_branches(request.user).select_related("parent"))
    member = scope.member
    needed = list(branches)
    if member is not None and member.branch_id not in {b.pk for b in branches}:
        needed.append(member.branch)
    results = year_results(year, needed) if needed else {}

    context: dict[str, Any] = {
        "year": year,
        "year_links": [(y, f"?year={y}") for y in year_choices(year)],
        # A superuser of createsuperuser holds no role: say how to get one.
        "roleless_superuser": request.user.is_superuser
        and not scope.assignments
        and member is None,
    }
    if member is not None:
        mine = next(
            (r for r in results[member.branch_id].results if r.member.pk == member.pk), None
        )
        context["mine"] = mine
        context["my_ranked_count"] = len(results[member.branch_id].ranked)
        if mine is not None:
            context["category_chart"] = _category_chart(mine)
    if scope.is_committee:
        rows = [summarise(results[b.pk]) for b in branches]
        context["rows"] = rows
        context["chart"] = averages_chart(rows)
    else:
        context["branch_years"] = [results[b.pk] for b in branches]
    return render(request, "portal/home.html", context)
