"""At least one commitment a year (plan 一(二)2: "每年组织机关党员……作出 1-2 项承诺"): the
branch sets by when; its commitments page and the committee's dashboard show the members
taking part who have made none by then, and the daily job reminds them."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditEvent
from commitments import reminders, selectors
from commitments.models import Commitment
from core.errors import DomainError
from notifications.models import Notification
from organizations.models import BranchSettings, Participation
from organizations.settings_services import update_branch_settings
from tests.factories import UserFactory, settings_form

YEAR = 2026


pytestmark = pytest.mark.usefixtures("english")


def made(member, status="submitted", year=YEAR):
    return Commitment.objects.create(
        member=member, branch=member.branch, year=year, topic="post", text="承诺", status=status
    )


def without(bureau, branch=None, year=YEAR):
    branch = branch or bureau.branch_a
    return [m.name for m in selectors.members_without_commitment([branch.pk], year)]


# Who has made none -------------------------------------------------------------------


def test_a_member_with_only_a_draft_or_a_returned_commitment_has_made_none(bureau):
    made(bureau.member_a, "draft")
    made(bureau.other_member_a, "returned")
    assert without(bureau) == ["李建国", "张红梅"]  # by pinyin
    made(bureau.member_a, "submitted")
    made(bureau.other_member_a, "approved")
    assert without(bureau) == []


def test_members_not_taking_part_or_gone_are_not_asked(bureau):
    Participation.objects.create(member=bureau.member_a, year=YEAR, takes_part=False)
    bureau.other_member_a.is_active = False
    bureau.other_member_a.save()
    assert without(bureau) == []


def test_the_default_deadline_is_the_end_of_the_first_quarter(bureau):
    assert selectors.commitment_deadline(bureau.branch_a, YEAR) == date(YEAR, 3, 31)


def test_the_branch_sets_its_own_deadline_where_it_sets_its_number(bureau, client_for):
    url = reverse("organizations:branch_settings", args=["zb1"])
    client = client_for(bureau.secretary_a)
    client.post(url, settings_form(commitment_deadline_month=4, commitment_deadline_day=30))
    values = BranchSettings.objects.get(branch=bureau.branch_a)
    assert (values.commitment_deadline_month, values.commitment_deadline_day) == (4, 30)
    assert selectors.commitment_deadline(bureau.branch_a, YEAR) == date(YEAR, 4, 30)
    assert selectors.commitment_deadline(bureau.branch_b, YEAR) == date(YEAR, 3, 31)
    event = AuditEvent.objects.filter(action="organizations.branch_settings.changed").latest("pk")
    assert event.after["commitment_deadline_month"] == 4
    # Only the secretary; and a day the calendar does not have is refused.
    assert client_for(bureau.group_a).post(url, settings_form()).status_code == 404
    with pytest.raises(DomainError, match="day of the year"):
        update_branch_settings(
            actor=bureau.secretary_a,
            branch=bureau.branch_a,
            commitment_deadline_month=2,
            commitment_deadline_day=30,
        )


def test_29_february_is_the_last_day_of_february_in_other_years(bureau):
    update_branch_settings(
        actor=bureau.secretary_a,
        branch=bureau.branch_a,
        commitment_deadline_month=2,
        commitment_deadline_day=29,
    )
    assert selectors.commitment_deadline(bureau.branch_a, YEAR) == date(YEAR, 2, 28)
    assert selectors.commitment_deadline(bureau.branch_a, 2028) == date(2028, 2, 29)


# Where they are shown ----------------------------------------------------------------


def test_the_branch_commitment_page_lists_those_with_none_by_the_deadline(bureau, client_for):
    made(bureau.member_a, "approved")
    page = client_for(bureau.secretary_a).get(
        reverse("commitments:review", kwargs={"code": "zb1", "year": YEAR})
    )
    assert [m.name for m in page.context["without"]] == ["李建国"]
    assert page.context["deadline"] == date(YEAR, 3, 31)
    text = page.content.decode()
    assert 'data-testid="without-commitment"' in text
    assert "have made no commitment by the branch" in text or "has made no commitment by" in text


def test_the_dashboard_counts_those_with_none_per_branch_red_past_the_deadline(bureau, client_for):
    made(bureau.member_a, "approved")
    page = client_for(bureau.committee_admin).get(reverse("oversight:dashboard") + f"?year={YEAR}")
    rows = {row.branch.code: row for row in page.context["commitments"]}
    assert (rows["zb1"].without, rows["zb2"].without) == (1, 1)
    assert rows["zb1"].deadline == date(YEAR, 3, 31)
    assert rows["zb1"].late  # today (December) is past the deadline
    assert 'data-testid="commitments-by-branch"' in page.content.decode()


# Reminders ---------------------------------------------------------------------------


@pytest.fixture
def accounts(bureau):
    bureau.other_member_a.user = UserFactory(username="li")
    bureau.other_member_a.save()
    return bureau


def reminded(user):
    return list(
        Notification.objects.filter(user=user, dedupe_key__startswith="commitments:").values_list(
            "title", flat=True
        )
    )


def test_in_the_week_before_the_deadline_those_with_none_are_reminded(accounts):
    made(accounts.member_a, "approved")
    assert reminders.remind_missing_commitments(date(YEAR, 3, 23)) == 0
    assert reminders.remind_missing_commitments(date(YEAR, 3, 24)) == 2  # 李建国, B's member
    (title,) = reminded(accounts.other_member_a.user)
    assert "2026-03-31" in title
    assert not reminded(accounts.member_a_user)
    assert reminders.remind_missing_commitments(date(YEAR, 3, 30)) == 0  # once


def test_after_the_deadline_they_hear_once_more_and_the_secretary_hears_how_many(accounts):
    reminders.remind_missing_commitments(date(YEAR, 3, 25))
    sent = reminders.remind_missing_commitments(date(YEAR, 4, 3))  # a missed day or two
    assert sent == 5  # three members, and each branch's secretary
    titles = reminded(accounts.member_a_user)
    assert len(titles) == 2
    assert any("has passed" in t for t in titles)
    (note,) = reminded(accounts.secretary_a)
    assert note.startswith("2 members of 第一党支部")
    assert reminders.remind_missing_commitments(date(YEAR, 5, 3)) == 0


def test_a_branch_with_a_later_deadline_is_reminded_later(accounts):
    update_branch_settings(
        actor=accounts.secretary_b,
        branch=accounts.branch_b,
        commitment_deadline_month=5,
        commitment_deadline_day=31,
    )
    reminders.remind_missing_commitments(date(YEAR, 3, 25))
    assert not reminded(accounts.member_b_user)
    reminders.remind_missing_commitments(date(YEAR, 5, 25))
    assert "2026-05-31" in reminded(accounts.member_b_user)[0]


def test_the_daily_job_sends_them(accounts):
    out = io.StringIO()
    call_command("send_reminders", "--date", f"{YEAR}-03-25", stdout=out)
    assert "3 commitments missing" in out.getvalue()
    call_command("send_reminders", "--date", f"{YEAR}-03-25", stdout=out)
    assert "0 commitments missing" in out.getvalue()
