"""The top bar's badges cost a fixed number of queries: one selector per app computes its
counts once per request (issue 14, part 3)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations.permissions import scope_for

MENU = Template("{% load jifen_nav %}{% navigation as nav %}")


def _menu_queries(user) -> tuple[int, int]:
    """Queries of the menu alone (the user's scope already loaded), rendered once and then
    again on the same request."""
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    scope_for(user)
    context = Context({"request": request, "user": user})
    with CaptureQueriesContext(connection) as first:
        MENU.render(context)
    with CaptureQueriesContext(connection) as again:
        MENU.render(context)
    return len(first.captured_queries), len(again.captured_queries)


# The second factor's device, then one count per badge the user's menu shows (a secretary:
# declarations, department heads, commitments, exemptions, objections, spot checks,
# notifications). Before issue 14 a second rendering cost as much again.
@pytest.mark.parametrize(
    ("who", "queries"),
    [("committee_admin", 5), ("secretary_a", 8), ("group_a", 6), ("member_a_user", 3)],
)
def test_the_menu_costs_a_fixed_number_of_queries(bureau, who, queries):
    first, again = _menu_queries(getattr(bureau, who))
    assert first == queries
    assert again == 0


@pytest.mark.parametrize("name", ["core:home", "declarations:queue", "notifications:list"])
def test_a_page_counts_each_badge_once(bureau, client_for, name):
    client = client_for(bureau.secretary_a)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(name))
    assert response.status_code == 200
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == len(set(counts))
