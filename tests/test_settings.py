"""The branch's and the committee's settings: one model per level, one selector, one
audited service, one page each (issue 14), and the data migration from the four old
policies."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import DomainError
from organizations.models import BranchSettings, CommitteeSettings
from organizations.settings_selectors import (
    branch_settings,
    branch_settings_of,
    committee_settings,
)
from organizations.settings_services import update_branch_settings, update_committee_settings
from tests.factories import settings_form

BRANCH_DEFAULTS = {
    "declaration_deadline_day": 5,
    "signin_window": 30,
    "commitments_per_member": 2,
    "commitment_deadline_month": 3,
    "commitment_deadline_day": 31,
}


def values_of(row: BranchSettings) -> dict[str, int]:
    return {name: getattr(row, name) for name in BRANCH_DEFAULTS}


def branch_page(code: str = "zb1") -> str:
    return reverse("organizations:branch_settings", kwargs={"code": code})


def committee_page() -> str:
    return reverse("organizations:committee_settings")


# Reading: defaults without a row, never a write -----------------------------------------


def test_a_branch_without_a_row_has_every_default(bureau):
    assert values_of(branch_settings(bureau.branch_a)) == BRANCH_DEFAULTS
    assert committee_settings(bureau.committee).overdue_days == 7
    assert committee_settings(None).overdue_days == 7
    assert not BranchSettings.objects.exists()
    assert not CommitteeSettings.objects.exists()


def test_opening_the_pages_writes_nothing(bureau, client_for):
    page = client_for(bureau.secretary_a).get(branch_page())
    assert page.status_code == 200
    assert page.context["form"].initial["declaration_deadline_day"] == 5
    assert client_for(bureau.committee_admin).get(committee_page()).status_code == 200
    assert not BranchSettings.objects.exists()
    assert not CommitteeSettings.objects.exists()
    assert not AuditEvent.objects.filter(action__contains="settings").exists()


def test_the_branch_page_groups_the_settings_by_topic(bureau, client_for):
    page = client_for(bureau.secretary_a).get(branch_page(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    for legend in ("申报期限", "组织生活", "承诺"):
        assert f">{legend}</legend>" in text
    committee = client_for(bureau.committee_admin).get(
        committee_page(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert ">督查</legend>" in committee.content.decode()


def test_a_branch_s_choice_leaves_the_others_on_the_defaults(bureau):
    update_branch_settings(
        actor=bureau.secretary_a, branch=bureau.branch_a, declaration_deadline_day=10
    )
    mine = branch_settings(bureau.branch_a)
    assert values_of(mine) == {**BRANCH_DEFAULTS, "declaration_deadline_day": 10}
    assert values_of(branch_settings(bureau.branch_b)) == BRANCH_DEFAULTS
    both = branch_settings_of([bureau.branch_a.pk, bureau.branch_b.pk])
    assert both[bureau.branch_a.pk].declaration_deadline_day == 10
    assert both[bureau.branch_b.pk].pk is None  # the defaults, unsaved


def test_reading_many_branches_takes_one_query(bureau):
    ids = [bureau.branch_a.pk, bureau.branch_b.pk]
    with CaptureQueriesContext(connection) as queries:
        branch_settings_of(ids)
    assert len(queries) == 1


# Writing: audited, who and when, only what changed --------------------------------------


def test_a_change_is_audited_with_who_and_the_old_and_new_values(bureau, client_for):
    client = client_for(bureau.secretary_a)
    response = client.post(branch_page(), settings_form(signin_window=45))
    assert response.status_code == 302
    row = BranchSettings.objects.get(branch=bureau.branch_a)
    assert row.signin_window == 45
    assert row.updated_by == bureau.secretary_a
    assert timezone.now() - row.updated_at < dt.timedelta(minutes=1)
    event = AuditEvent.objects.get(action="organizations.branch_settings.changed")
    assert event.actor == bureau.secretary_a
    assert event.organization_id == bureau.branch_a.pk
    assert (event.before, event.after) == ({"signin_window": 30}, {"signin_window": 45})
    assert "secretary_a" in client.get(branch_page()).content.decode()  # who changed it last


def test_saving_the_same_values_again_writes_no_event(bureau, client_for):
    client = client_for(bureau.secretary_a)
    client.post(branch_page(), settings_form(signin_window=45))
    client.post(branch_page(), settings_form(signin_window=45))
    assert AuditEvent.objects.filter(action="organizations.branch_settings.changed").count() == 1


def test_the_committee_s_change_is_audited(bureau, client_for):
    client = client_for(bureau.committee_admin)
    assert client.post(committee_page(), {"overdue_days": "3"}).status_code == 302
    row = CommitteeSettings.objects.get(committee=bureau.committee)
    assert (row.overdue_days, row.updated_by) == (3, bureau.committee_admin)
    event = AuditEvent.objects.get(action="organizations.committee_settings.changed")
    assert (event.actor, event.before, event.after) == (
        bureau.committee_admin,
        {"overdue_days": 7},
        {"overdue_days": 3},
    )


def test_an_unknown_setting_is_a_programming_error(bureau):
    with pytest.raises(TypeError):
        update_branch_settings(actor=bureau.secretary_a, branch=bureau.branch_a, colour=3)


def test_a_committee_has_no_branch_settings(bureau):
    with pytest.raises(DomainError):
        update_branch_settings(
            actor=bureau.committee_admin, branch=bureau.committee, signin_window=40
        )


# Who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["secretary_b", "member_a_user", "group_a"])
def test_others_get_a_404_page_for_the_branch_settings(bureau, client_for, who):
    client = client_for(getattr(bureau, who))
    assert client.get(branch_page()).status_code == 404
    assert client.post(branch_page(), settings_form(signin_window=45)).status_code == 404
    assert not BranchSettings.objects.exists()


@pytest.mark.parametrize("who", ["secretary_a", "member_a_user", "group_a"])
def test_only_the_committee_opens_its_settings(bureau, client_for, who):
    client = client_for(getattr(bureau, who))
    assert client.get(committee_page()).status_code == 404
    assert client.post(committee_page(), {"overdue_days": "3"}).status_code == 404
    assert not CommitteeSettings.objects.exists()


def test_the_service_refuses_those_the_page_refuses(bureau):
    with pytest.raises(DomainError):
        update_branch_settings(actor=bureau.secretary_b, branch=bureau.branch_a, signin_window=40)
    with pytest.raises(DomainError):
        update_committee_settings(
            actor=bureau.secretary_a, committee=bureau.committee, overdue_days=3
        )
    assert not BranchSettings.objects.exists()
    assert not CommitteeSettings.objects.exists()


def test_the_committee_sees_the_commitments_but_only_the_secretary_sets_them(bureau, client_for):
    client = client_for(bureau.committee_admin)
    page = client.get(branch_page())
    assert page.context["form"].fields["commitments_per_member"].disabled
    response = client.post(
        branch_page(), settings_form(commitments_per_member=1, declaration_deadline_day=9)
    )
    assert response.status_code == 302
    row = BranchSettings.objects.get(branch=bureau.branch_a)
    assert (row.declaration_deadline_day, row.commitments_per_member) == (9, 2)


def test_the_organisation_page_links_to_its_settings(bureau, client_for):
    org = reverse("organizations:org_detail", kwargs={"code": "zb1"})
    assert branch_page() in client_for(bureau.secretary_a).get(org).content.decode()
    assert branch_page() not in client_for(bureau.group_a).get(org).content.decode()
    committee = reverse("organizations:org_detail", kwargs={"code": bureau.committee.code})
    text = client_for(bureau.committee_admin).get(committee).content.decode()
    assert committee_page() in text


# Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"declaration_deadline_day": 29}, "28"),
        ({"signin_window": "x"}, "整数"),
        ({"commitment_deadline_month": 2, "commitment_deadline_day": 30}, "一年中的某一天"),
        ({"commitments_per_member": 3}, "3"),
    ],
)
def test_bad_input_gets_a_chinese_message_and_changes_nothing(bureau, client_for, changes, message):
    client = client_for(bureau.secretary_a)
    response = client.post(branch_page(), settings_form(**changes), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BranchSettings.objects.exists()
    assert not AuditEvent.objects.filter(action__contains="settings").exists()


@pytest.mark.parametrize("days", ["0", "61", "x", ""])
def test_a_bad_number_of_days_gets_a_message_and_changes_nothing(bureau, client_for, days):
    client = client_for(bureau.committee_admin)
    response = client.post(committee_page(), {"overdue_days": days}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not CommitteeSettings.objects.exists()


# The old addresses ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["declarations:policy", "orglife:policy", "commitments:rule"])
def test_the_old_branch_pages_lead_to_the_settings_page(bureau, client_for, name):
    response = client_for(bureau.secretary_a).get(reverse(name, kwargs={"code": "zb1"}))
    assert (response.status_code, response["Location"]) == (301, branch_page())


@pytest.mark.parametrize(
    "name", ["declarations:policy", "orglife:policy", "commitments:rule", "oversight:policy"]
)
def test_the_old_addresses_are_404_for_those_who_may_not_set(bureau, client_for, name):
    kwargs = {} if name == "oversight:policy" else {"code": "zb1"}
    response = client_for(bureau.secretary_b).post(reverse(name, kwargs=kwargs))
    assert response.status_code == 404


def test_the_old_oversight_setting_leads_to_the_committee_page(bureau, client_for):
    response = client_for(bureau.committee_admin).get(reverse("oversight:policy"))
    assert (response.status_code, response["Location"]) == (301, committee_page())


# The data migration ---------------------------------------------------------------------

BEFORE = [
    ("declarations", "0002_declarationline_platform"),
    ("orglife", "0001_initial"),
    ("commitments", "0002_deadline_and_vanguard_posts"),
    ("oversight", "0001_initial"),
]


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_keeps_every_value():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    moved = {app for app, _name in BEFORE}
    before = [node for node in latest if node[0] not in moved] + BEFORE
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        org = old.get_model("organizations", "Organization")
        user = old.get_model("accounts", "User").objects.create(username="old_secretary")
        committee = org.objects.create(code="jw", name="机关党委", kind="committee")

        def branch(code):
            return org.objects.create(code=code, name=code, kind="branch", parent=committee)

        a, b, c, d = branch("a"), branch("b"), branch("c"), branch("d")
        stamp = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)
        deadline = old.get_model("declarations", "DeadlinePolicy")
        deadline.objects.create(branch=a, deadline_day=10, updated_by=user)
        deadline.objects.update(updated_at=stamp)
        policy = old.get_model("orglife", "Policy")
        policy.objects.create(branch=a, signin_window=45)
        policy.objects.create(branch=b, signin_window=60)
        rule = old.get_model("commitments", "BranchCommitmentRule")
        rule.objects.create(branch=a, max_per_member=1, deadline_month=4, deadline_day=30)
        rule.objects.create(branch=c, max_per_member=2, deadline_month=2, deadline_day=29)
        oversight = old.get_model("oversight", "OversightPolicy")
        oversight.objects.create(committee=committee, overdue_days=3, updated_by=user)
        oversight.objects.update(updated_at=stamp)
    finally:
        executor.loader.build_graph()
        executor.migrate(latest)

    rows = {row.branch.code: row for row in BranchSettings.objects.select_related("branch")}
    assert set(rows) == {"a", "b", "c"}  # d chose nothing: no row, the defaults
    assert values_of(rows["a"]) == {
        "declaration_deadline_day": 10,
        "signin_window": 45,
        "commitments_per_member": 1,
        "commitment_deadline_month": 4,
        "commitment_deadline_day": 30,
    }
    assert (rows["a"].updated_by.username, rows["a"].updated_at) == ("old_secretary", stamp)
    assert values_of(rows["b"]) == {**BRANCH_DEFAULTS, "signin_window": 60}
    assert values_of(rows["c"]) == {
        **BRANCH_DEFAULTS,
        "commitment_deadline_month": 2,
        "commitment_deadline_day": 29,
    }
    assert values_of(branch_settings(d.pk)) == BRANCH_DEFAULTS
    settings = CommitteeSettings.objects.get()
    assert (settings.committee.code, settings.overdue_days) == ("jw", 3)
    assert (settings.updated_by.username, settings.updated_at) == ("old_secretary", stamp)
