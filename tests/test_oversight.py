"""The committee's dashboard: every branch's year, red where the plan's rhythm is missed,
a drill-down per branch, the committee's alone, in a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appraisals.models import AppraisalSession
from audit.models import AuditEvent
from declarations.models import Declaration
from organizations.models import CommitteeSettings
from organizations.settings_services import update_committee_settings
from oversight import rhythm
from oversight.selectors import dashboard
from participation.models import Exemption
from rules.filing import scheme_filing_file, scheme_filing_submit
from rules.services import scheme_for_year
from tests.factories import MemberFactory, OrganizationFactory

YEAR = 2025
Status = Declaration.Status


def figures(**kwargs) -> rhythm.Figures:
    values = {
        "year": YEAR,
        "taking_part": 5,
        "recognised": {m: 1 for m in range(1, 13)},
        "scheme_filed": True,
        "publications": {q: 1 for q in range(1, 5)},
        "appraisals": frozenset({1, 2}),
        "confirmed": True,
    }
    values.update(kwargs)
    return rhythm.Figures(**values)


def flags_on(day: dt.date, **kwargs) -> rhythm.Flags:
    return rhythm.flags(figures(**kwargs), today=day, grace=7)


# The rhythm, as a pure function of dates -----------------------------------------------


def test_a_branch_keeping_the_rhythm_has_no_red_cell():
    assert not flags_on(dt.date(YEAR + 1, 3, 1)).any


def test_a_month_without_recognitions_turns_red_after_its_deadline_and_the_grace_days():
    missing = {m: 1 for m in range(1, 13) if m != 3}
    # March declarations are due by 5 April; with 7 days of grace red from 13 April on.
    assert 3 not in flags_on(dt.date(YEAR, 4, 12), recognised=missing).months
    assert flags_on(dt.date(YEAR, 4, 13), recognised=missing).months == {3}


def test_a_later_deadline_day_moves_the_month_s_red_later():
    missing = {m: 1 for m in range(1, 13) if m != 3}
    day = dt.date(YEAR, 4, 13)
    late = rhythm.flags(figures(recognised=missing), today=day, grace=7, deadline_day=10)
    assert not late.months


def test_december_is_judged_in_the_next_january():
    missing = {m: 1 for m in range(1, 12)}
    assert flags_on(dt.date(YEAR + 1, 1, 12), recognised=missing).months == set()
    assert flags_on(dt.date(YEAR + 1, 1, 13), recognised=missing).months == {12}


def test_future_months_are_never_red():
    assert flags_on(dt.date(YEAR, 2, 20), recognised={}).months == {1}


def test_an_overdue_review_is_red():
    assert flags_on(dt.date(YEAR, 6, 1), overdue=1).overdue
    assert not flags_on(dt.date(YEAR, 6, 1), overdue=0).overdue


def test_an_unfiled_scheme_is_red_once_the_year_is_a_week_old():
    assert not flags_on(dt.date(YEAR, 1, 8), scheme_filed=False).filing
    assert flags_on(dt.date(YEAR, 1, 9), scheme_filed=False).filing


def test_a_quarter_without_a_publication_is_red_after_its_end_and_the_grace_days():
    published = {1: 1, 3: 1, 4: 1}
    assert not flags_on(dt.date(YEAR, 7, 7), publications=published).quarters
    assert flags_on(dt.date(YEAR, 7, 8), publications=published).quarters == {2}


def test_unknown_publications_and_confirmations_are_never_red():
    later = flags_on(dt.date(YEAR + 2, 1, 1), publications=None, confirmed=None)
    assert not later.quarters
    assert not later.confirmation


def test_a_half_without_a_closed_appraisal_is_red_after_it_ends():
    assert flags_on(dt.date(YEAR, 7, 8), appraisals=frozenset()).halves == {1}
    assert flags_on(dt.date(YEAR + 1, 1, 8), appraisals=frozenset({1})).halves == {2}


def test_an_unconfirmed_summary_is_red_after_the_year_ends():
    assert not flags_on(dt.date(YEAR + 1, 1, 7), confirmed=False).confirmation
    assert flags_on(dt.date(YEAR + 1, 1, 8), confirmed=False).confirmation


def test_a_branch_with_nobody_taking_part_is_judged_only_on_its_reviews():
    result = flags_on(
        dt.date(YEAR + 1, 6, 1),
        taking_part=0,
        recognised={},
        publications={},
        appraisals=frozenset(),
        confirmed=False,
        scheme_filed=False,
    )
    assert not result.filing
    assert not result.months
    assert not result.quarters
    assert not result.halves
    assert not result.confirmation
    assert not result.any
    assert flags_on(dt.date(YEAR, 6, 1), taking_part=0, overdue=1).overdue


def test_the_flag_count_adds_every_red_cell():
    result = flags_on(dt.date(YEAR + 1, 6, 1), recognised={}, overdue=2, appraisals=frozenset({1}))
    assert result.count == 12 + 1 + 1


# The figures from the database ---------------------------------------------------------


def declaration(member, month, status, submitted_days_ago=1):
    return Declaration.objects.create(
        member=member,
        branch=member.branch,
        year=YEAR,
        month=month,
        status=status,
        name=member.name,
        submitted_at=timezone.now() - dt.timedelta(days=submitted_days_ago),
    )


def test_the_dashboard_counts_declarations_recognitions_and_overdue_reviews(bureau):
    a, b = bureau.member_a, bureau.other_member_a
    declaration(a, 1, Status.RECOGNISED)
    declaration(b, 1, Status.PARTLY_RECOGNISED)
    declaration(a, 2, Status.REJECTED)
    declaration(b, 2, Status.SUBMITTED, submitted_days_ago=10)
    declaration(a, 3, Status.UNDER_REVIEW, submitted_days_ago=2)
    declaration(b, 3, Status.DRAFT)
    board = dashboard(
        year=YEAR, branches=[bureau.branch_a, bureau.branch_b], grace=7, today=dt.date(YEAR, 5, 1)
    )
    row = board.rows[0]
    assert row.declared == {1: 2, 2: 2, 3: 1}
    assert row.recognised == {1: 2, 2: 0, 3: 0}
    assert (row.waiting, row.overdue) == (2, 1)
    assert row.flags.months == {2, 3}  # April is not due until 13 May
    assert row.flags.overdue
    assert board.rows[1].declared == {}


def test_the_dashboard_counts_participation_exemptions_filing_and_appraisals(bureau):
    from organizations.models import Participation

    Participation.objects.create(
        member=bureau.other_member_a, year=YEAR, takes_part=False, reason="因病"
    )
    Exemption.objects.create(
        member=bureau.other_member_a,
        branch=bureau.branch_a,
        year=YEAR,
        ground="health",
        reason="因病",
        status="filed",
    )
    Exemption.objects.create(
        member=bureau.member_a,
        branch=bureau.branch_a,
        year=YEAR,
        ground="other",
        reason="借调",
        status="submitted",
    )
    scheme = scheme_for_year(branch=bureau.branch_a, year=YEAR)
    scheme_filing_file(filing=scheme_filing_submit(scheme=scheme), comment="")
    scheme_for_year(branch=bureau.branch_b, year=YEAR)
    AppraisalSession.objects.create(
        branch=bureau.branch_a,
        year=YEAR,
        half=1,
        held_on=dt.date(YEAR, 6, 28),
        mode="grade",
        status="closed",
    )
    board = dashboard(
        year=YEAR, branches=[bureau.branch_a, bureau.branch_b], grace=7, today=dt.date(YEAR, 8, 1)
    )
    a, b = board.rows
    assert (a.members, a.taking_part) == (2, 1)
    assert (a.exemptions_filed, a.exemptions_open) == (1, 1)
    assert a.filing.is_filed
    assert not a.flags.filing
    assert not b.filing.is_filed
    assert b.flags.filing
    assert a.appraisals == {1}
    assert not a.flags.halves
    assert b.flags.halves == {1}


def branches(bureau, n: int):
    out = []
    for i in range(n):
        branch = OrganizationFactory(code=f"q{n}x{i}", name=f"支部{n}-{i}", parent=bureau.committee)
        members = MemberFactory.create_batch(2, branch=branch)
        declaration(members[0], 1, Status.RECOGNISED)
        declaration(members[1], 2, Status.SUBMITTED, submitted_days_ago=30)
        scheme_for_year(branch=branch, year=YEAR)
        AppraisalSession.objects.create(
            branch=branch,
            year=YEAR,
            half=1,
            held_on=dt.date(YEAR, 6, 1),
            mode="grade",
            status="closed",
        )
        out.append(branch)
    return out


def test_the_dashboard_costs_as_many_queries_for_12_branches_as_for_3(bureau):
    few, many = branches(bureau, 3), branches(bureau, 12)
    with CaptureQueriesContext(connection) as three:
        small = dashboard(year=YEAR, branches=few, grace=7)
    with CaptureQueriesContext(connection) as twelve:
        large = dashboard(year=YEAR, branches=many, grace=7)
    assert len(twelve) == len(three)
    assert len(large.rows) == 12
    assert large.rows[-1].recognised == {1: 1, 2: 0}
    assert small.rows[0].overdue == 1


def test_the_dashboard_page_costs_as_many_queries_for_12_branches_as_for_3(bureau, client_for):
    client = client_for(bureau.committee_admin)
    url = f"{reverse('oversight:dashboard')}?year={YEAR}"
    branches(bureau, 3)
    client.get(url)
    with CaptureQueriesContext(connection) as three:
        assert client.get(url).status_code == 200
    branches(bureau, 9)
    with CaptureQueriesContext(connection) as twelve:
        response = client.get(url)
    assert response.status_code == 200
    assert len(twelve) == len(three)
    assert "支部9-8" in response.content.decode()


# The pages -----------------------------------------------------------------------------


def test_the_committee_sees_every_branch_on_the_dashboard(bureau, client_for):
    declaration(bureau.member_b, 1, Status.SUBMITTED, submitted_days_ago=30)
    response = client_for(bureau.committee_admin).get(
        reverse("oversight:dashboard") + f"?year={YEAR}"
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert bureau.branch_a.name in text
    assert bureau.branch_b.name in text
    assert 'data-overdue="1"' in text
    assert "ov-red" in text


@pytest.mark.parametrize("who", ["secretary_a", "group_a", "member_a_user", "secretary_b"])
def test_nobody_but_the_committee_sees_the_dashboard(bureau, client_for, who):
    client = client_for(getattr(bureau, who))
    assert client.get(reverse("oversight:dashboard")).status_code == 404
    url = reverse("oversight:branch", kwargs={"code": bureau.branch_a.code, "year": YEAR})
    assert client.get(url).status_code == 404
    settings = reverse("organizations:committee_settings")
    assert client.post(settings, {"overdue_days": 3}).status_code == 404
    assert not CommitteeSettings.objects.exists()


def test_the_drill_down_shows_a_branch_month_by_month(bureau, client_for):
    declaration(bureau.member_a, 4, Status.RECOGNISED)
    declaration(bureau.other_member_a, 4, Status.RETURNED)
    url = reverse("oversight:branch", kwargs={"code": bureau.branch_a.code, "year": YEAR})
    response = client_for(bureau.committee_admin).get(url)
    assert response.status_code == 200
    months = response.context["detail"].months
    assert (months[3].declared, months[3].recognised, months[3].returned) == (2, 1, 1)
    assert response.context["detail"].totals.declared == 2


def test_the_drill_down_of_an_unknown_branch_or_the_committee_is_404(bureau, client_for):
    client = client_for(bureau.committee_admin)
    for code in ("nope", bureau.committee.code):
        url = reverse("oversight:branch", kwargs={"code": code, "year": YEAR})
        assert client.get(url).status_code == 404


def test_the_committee_sets_the_overdue_days_and_it_is_audited(bureau, client_for):
    client = client_for(bureau.committee_admin)
    response = client.post(reverse("organizations:committee_settings"), {"overdue_days": 3})
    assert response.status_code == 302
    assert CommitteeSettings.objects.get(committee=bureau.committee).overdue_days == 3
    assert AuditEvent.objects.filter(action="organizations.committee_settings.changed").exists()
    declaration(bureau.member_a, 1, Status.SUBMITTED, submitted_days_ago=4)
    page = client.get(reverse("oversight:dashboard") + f"?year={YEAR}")
    assert page.context["board"].rows[0].overdue == 1


@pytest.mark.parametrize("days", ["0", "61", "x", ""])
def test_a_bad_number_of_days_changes_nothing(bureau, client_for, days):
    client = client_for(bureau.committee_admin)
    url = reverse("organizations:committee_settings")
    response = client.post(url, {"overdue_days": days}, follow=True)
    assert response.status_code == 200
    assert not CommitteeSettings.objects.exists()


def test_the_policy_service_refuses_out_of_range_days(bureau):
    from core.errors import DomainError

    with pytest.raises(DomainError):
        update_committee_settings(
            actor=bureau.committee_admin, committee=bureau.committee, overdue_days=0
        )


def test_the_committee_s_menu_has_its_three_links(bureau, client_for):
    text = client_for(bureau.committee_admin).get(reverse("core:home")).content.decode()
    for name in ("oversight:dashboard", "oversight:checks", "oversight:cases"):
        assert reverse(name) in text


def test_a_member_s_menu_has_no_oversight_link(bureau, client_for):
    text = client_for(bureau.member_a_user).get(reverse("core:home")).content.decode()
    assert f'href="{reverse("oversight:dashboard")}"' not in text
    assert reverse("oversight:report_index") not in text
    assert reverse("oversight:cases") in text  # the cases are for everyone


def publish(branch, quarter):
    from publicity.models import Publication

    return Publication.objects.create(
        branch=branch,
        year=YEAR,
        quarter=quarter,
        title=f"{YEAR}年第{quarter}季度积分公示",
        as_of=dt.date(YEAR, quarter * 3, 28),
        window_start=dt.date(YEAR, quarter * 3, 28),
        window_end=dt.date(YEAR, quarter * 3 + 1, 4),
        window_workdays=5,
        contact_name="李书记",
    )


def test_the_dashboard_counts_publications_per_quarter(bureau):
    publish(bureau.branch_a, 1)
    publish(bureau.branch_a, 3)
    board = dashboard(
        year=YEAR, branches=[bureau.branch_a, bureau.branch_b], grace=7, today=dt.date(YEAR, 10, 9)
    )
    a, b = board.rows
    assert a.publications == {1: 1, 3: 1}
    assert a.flags.quarters == {2}
    assert b.flags.quarters == {1, 2, 3}
    assert [c.value for c in a.quarter_cells] == [1, 0, 1, 0]


def test_the_dashboard_counts_a_summary_confirmed_for_the_year_s_current_closing(bureau):
    from ledger.models import PeriodLock
    from summaries.models import SummaryConfirmation

    lock = PeriodLock.objects.create(branch=bureau.branch_a, year=YEAR, half=2)
    SummaryConfirmation.objects.create(
        branch=bureau.branch_a, year=YEAR, lock=lock, confirmed_by_name="张书记"
    )
    day = dt.date(YEAR + 1, 2, 1)
    a, b = dashboard(year=YEAR, branches=[bureau.branch_a, bureau.branch_b], today=day).rows
    assert a.confirmed
    assert not a.flags.confirmation
    assert b.confirmed is False
    assert b.flags.confirmation
    lock.reopened_at = timezone.now()
    lock.save(update_fields=["reopened_at"])
    a = dashboard(year=YEAR, branches=[bureau.branch_a], today=day).rows[0]
    assert a.confirmed is False
    assert a.flags.confirmation
