"""`send_reminders`: declarations open on the 1st, the deadline near, reviews waiting;
safe to run twice."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Notification
from organizations.models import BranchSettings, Participation
from portal import reminders
from tests.factories import MemberFactory, UserFactory

Kind = Notification.Kind


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def declarations_only(monkeypatch):
    """These are the declarations' reminders: the commitments' (in April, after the default
    deadline of 31 March) are tested in test_commitment_deadline.py."""
    monkeypatch.setattr(reminders, "remind_commitments", lambda today: 0)


def run(day: str) -> str:
    out = io.StringIO()
    call_command("send_reminders", "--date", day, stdout=out)
    return out.getvalue()


def titles(user, kind):
    return list(Notification.objects.filter(user=user, kind=kind).values_list("title", flat=True))


def declaration(member, *, month=3, year=2026, status="submitted"):
    from declarations.models import Declaration

    return Declaration.objects.create(
        member=member, branch=member.branch, year=year, month=month, status=status, name=member.name
    )


def test_on_the_first_every_member_with_an_account_hears_declarations_are_open(bureau):
    output = run("2026-04-01")
    assert "sent 2 notification(s)" in output
    for user in (bureau.member_a_user, bureau.member_b_user):
        (title,) = titles(user, Kind.DECLARATIONS_OPEN)
        assert "3/2026" in title
        assert "2026-04-05" in title
    # The officers have no member record: nothing for them.
    assert not Notification.objects.filter(user=bureau.secretary_a).exists()


def test_running_twice_sends_once(bureau):
    assert "sent 2 notification(s)" in run("2026-04-01")
    assert "sent 0 notification(s)" in run("2026-04-01")
    assert Notification.objects.filter(kind=Kind.DECLARATIONS_OPEN).count() == 2


def test_january_opens_decembers_declarations(bureau):
    run("2027-01-01")
    (title,) = titles(bureau.member_a_user, Kind.DECLARATIONS_OPEN)
    assert "12/2026" in title
    assert "2027-01-05" in title


def test_no_opening_reminder_on_other_days_and_none_for_members_not_taking_part(bureau):
    assert "sent 0" in run("2026-04-02")
    Participation.objects.create(member=bureau.member_b, year=2026, takes_part=False)
    run("2026-04-01")
    assert titles(bureau.member_a_user, Kind.DECLARATIONS_OPEN)
    assert not titles(bureau.member_b_user, Kind.DECLARATIONS_OPEN)


def test_a_bad_date_is_refused(bureau):
    with pytest.raises(CommandError):
        run("2026-13-01")


def test_two_days_before_the_deadline_those_not_submitted_are_reminded(bureau):
    pytest.importorskip("declarations.models")
    other_user = UserFactory(username="other_a")
    bureau.other_member_a.user = other_user
    bureau.other_member_a.save()
    declaration(bureau.other_member_a, status="submitted")
    declaration(bureau.member_a, status="draft")
    run("2026-04-02")
    assert not titles(bureau.member_a_user, Kind.DEADLINE_NEAR)
    run("2026-04-03")
    (title,) = titles(bureau.member_a_user, Kind.DEADLINE_NEAR)
    assert "2026-04-05" in title
    assert titles(bureau.member_b_user, Kind.DEADLINE_NEAR)  # nothing declared in B either
    assert not titles(other_user, Kind.DEADLINE_NEAR)
    assert "sent 0 notification(s)" in run("2026-04-03")


def test_a_branch_with_a_later_deadline_is_reminded_later(bureau):
    BranchSettings.objects.create(branch=bureau.branch_b, declaration_deadline_day=10)
    run("2026-04-03")
    assert titles(bureau.member_a_user, Kind.DEADLINE_NEAR)
    assert not titles(bureau.member_b_user, Kind.DEADLINE_NEAR)
    run("2026-04-08")
    assert "2026-04-10" in titles(bureau.member_b_user, Kind.DEADLINE_NEAR)[0]


def test_the_assessment_group_hears_of_reviews_waiting_once_a_day(bureau):
    pytest.importorskip("declarations.models")
    declaration(bureau.member_a, status="submitted")
    declaration(bureau.other_member_a, status="recognised")
    declaration(bureau.member_b, status="draft")
    run("2026-04-07")
    for officer in (bureau.group_a, bureau.recorder_a, bureau.secretary_a):
        (title,) = titles(officer, Kind.REVIEW_WAITING)
        assert title.startswith("1 ")
        assert bureau.branch_a.name in title
    assert not titles(bureau.secretary_b, Kind.REVIEW_WAITING)
    assert not titles(bureau.member_a_user, Kind.REVIEW_WAITING)
    assert "0 reviews waiting" in run("2026-04-07")
    assert "3 reviews waiting" in run("2026-04-08")


def test_a_reviewer_is_not_reminded_of_their_own_declaration(bureau):
    pytest.importorskip("declarations.models")
    reviewer = MemberFactory(branch=bureau.branch_a, name="组员本人", user=bureau.group_a)
    declaration(reviewer, status="submitted")
    run("2026-04-07")
    assert not titles(bureau.group_a, Kind.REVIEW_WAITING)
    assert titles(bureau.recorder_a, Kind.REVIEW_WAITING)
