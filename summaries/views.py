"""Branch table, committee overview and the points card: read-only pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from core.years import checked_year, year_choices
from ledger.totals import branch_year
from organizations.permissions import (
    check_committee,
    get_branch_for_user,
    get_member_for_user,
    visible_branches,
)

from .card import member_card
from .moves import moves_of
from .overview import averages_chart, committee_overview


def year_links(name: str, year: int, **kwargs: object) -> list[tuple[int, str]]:
    """(year, url) for the year selector of a page whose URL carries the year."""
    return [(y, reverse(name, kwargs={**kwargs, "year": y})) for y in year_choices(year)]


@login_required
def branch_table(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    return render(
        request,
        "summaries/branch_table.html",
        {
            "by": branch_year(branch, year),
            "year": year,
            "year_links": year_links("summaries:branch_table", year, code=code),
        },
    )


@login_required
def committee(request: HttpRequest, year: int) -> HttpResponse:
    year = checked_year(year)
    check_committee(request.user)

    rows = committee_overview(year, visible_branches(request.user))
    return render(
        request,
        "summaries/committee.html",
        {
            "rows": rows,
            "chart": averages_chart(rows),
            "year": year,
            "year_links": year_links("summaries:committee", year),
        },
    )


@login_required
def card(request: HttpRequest, member_pk: int, year: int) -> HttpResponse:
    year = checked_year(year)
    member = get_member_for_user(request.user, member_pk)
    moves = moves_of(member, year)
    # A member who moved has a card in each branch: ?branch= one they were in that year.
    branches = {m.from_branch.code: m.from_branch for m in moves}
    branch = branches.get(request.GET.get("branch", ""))
    return render(
        request,
        "summaries/card.html",
        {
            "card": member_card(member, year, branch),
            "moves": moves,
            "old_branch": branch,
            "year": year,
            "months": range(1, 13),
            "year_links": year_links("summaries:card", year, member_pk=member.pk),
        },
    )
