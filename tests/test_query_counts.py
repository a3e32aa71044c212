"""The summary pages and the summary service cost a fixed number of queries, however
many members a branch has: the cheap version of `make bench`'s 50/500 query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ledger.services import entry_post, entry_reverse, veto_record
from ledger.totals import year_results
from organizations.models import Participation
from rules.services import item_update, scheme_for_year
from tests.factories import MemberFactory, OrganizationFactory

YEAR = 2026


def branch_of(bureau, code: str, size: int, *, capped: bool = True):
    """A branch of `size` members, each with dedication, deduction and appraisal points;
    a month cap, a reversal, a veto and an exemption among them."""
    branch = OrganizationFactory(code=code, name=f"{code}党支部", parent=bureau.committee)
    scheme = scheme_for_year(branch=branch, year=YEAR)
    volunteer = scheme.items.get(code="dedication.volunteer")
    late = scheme.items.get(code="deduction.study")
    members = MemberFactory.create_batch(size, branch=branch, department=bureau.department)
    for n, member in enumerate(members):
        month = n % 12 + 1
        post = {"member": member, "year": YEAR, "month": month, "recorded_by": bureau.group_a}
        entry = entry_post(**post, points="2", source="direct", item=volunteer)
        entry_post(**post, points="1", source="attendance", item=late)
        entry_post(
            **post, points="90", source="appraisal", kind="appraisal", source_ref=f"{YEAR}-H1"
        )
    entry_reverse(entry=entry, reason="认定有误")
    veto_record(
        member=members[0],
        year=YEAR,
        ground="fraud",
        facts="弄虚作假",
        decided_on=timezone.localdate(),
    )
    Participation.objects.create(member=members[1], year=YEAR, takes_part=False, reason="因病")
    if capped:
        cap_month(branch)
    return branch, members


def cap_month(branch) -> None:
    """The branch caps volunteer points at 3 a month after they were recorded (the gate
    would refuse them over the cap), so the summary must cap them."""
    volunteer = branch.schemes.get(year=YEAR).items.get(code="dedication.volunteer")
    item_update(item=volunteer, cap_month="3")


@pytest.fixture
def small(bureau):
    return branch_of(bureau, "small", 5)


@pytest.fixture
def large(bureau):
    branch, members = branch_of(bureau, "large", 50, capped=False)
    volunteer = branch.schemes.get(year=YEAR).items.get(code="dedication.volunteer")
    for month in range(1, 13):  # one member with a full card
        entry_post(
            member=members[2], year=YEAR, month=month, points="1.5", source="direct", item=volunteer
        )
    cap_month(branch)
    return branch, members


def queries(client, url: str) -> int:
    client.get(url)  # the first request of a session sets it up
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def table_url(branch) -> str:
    return reverse("summaries:branch_table", kwargs={"code": branch.code, "year": YEAR})


def card_url(member) -> str:
    return reverse("summaries:card", kwargs={"member_pk": member.pk, "year": YEAR})


def test_the_branch_table_costs_as_many_queries_for_50_members_as_for_5(
    bureau, client_for, small, large
):
    client = client_for(bureau.committee_admin)
    assert queries(client, table_url(large[0])) == queries(client, table_url(small[0]))


def test_the_points_card_costs_as_many_queries_in_a_branch_of_50_as_in_one_of_5(
    bureau, client_for, small, large
):
    client = client_for(bureau.committee_admin)
    few = queries(client, card_url(small[1][2]))
    assert queries(client, card_url(large[1][2])) == few  # twelve more entries
    assert queries(client, card_url(large[1][0])) == few  # vetoed


def test_the_summary_service_costs_as_many_queries_for_two_branches_as_for_one(small, large):
    with CaptureQueriesContext(connection) as one:
        year_results(YEAR, [small[0]])
    with CaptureQueriesContext(connection) as two:
        results = year_results(YEAR, [small[0], large[0]])
    assert len(two) == len(one)
    assert len(results[large[0].pk].results) == 50
    assert results[large[0].pk].ranked[-1].vetoed


def test_a_secretary_of_another_branch_sees_neither_page(bureau, client_for, large):
    client = client_for(bureau.secretary_b)
    assert client.get(table_url(large[0])).status_code == 404
    assert client.get(card_url(large[1][0])).status_code == 404


def test_month_capped_points_count_the_same_in_a_branch_of_50(bureau, large):
    result = year_results(YEAR, [large[0]])[large[0].pk]
    full_card = next(r for r in result.results if r.member == large[1][2])
    # 2 + 1.5 in its own month (capped at 3), 1.5 in each of the other eleven
    assert full_card.totals.dedication_by_category["volunteer"] == Decimal("19.5")
