"""Disabling a member's login from their page: who may, what it ends, what is audited."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import audit_verify
from organizations.models import Role
from tests.factories import MemberFactory, grant

CONFIRMED = {"confirmed": "1"}


def page(member):
    return reverse("organizations:member_detail", kwargs={"pk": member.pk})


def disable(member):
    return reverse("accounts:account_disable", kwargs={"member_pk": member.pk})


def enable(member):
    return reverse("accounts:account_enable", kwargs={"member_pk": member.pk})


def test_the_secretary_disables_a_member_and_their_session_ends_at_once(bureau, client_for):
    member_session = Client()
    member_session.force_login(bureau.member_a_user)
    assert member_session.get(page(bureau.member_a)).status_code == 200

    secretary = client_for(bureau.secretary_a)
    assert "Disable login" in secretary.get(page(bureau.member_a)).content.decode()
    asked = secretary.post(disable(bureau.member_a))
    assert asked.status_code == 200
    assert "every session of the login ends at once" in asked.content.decode()
    bureau.member_a_user.refresh_from_db()
    assert bureau.member_a_user.is_active
    response = secretary.post(disable(bureau.member_a), CONFIRMED)
    assert response.status_code == 302
    assert response.url == page(bureau.member_a)

    bureau.member_a_user.refresh_from_db()
    assert not bureau.member_a_user.is_active
    assert member_session.get(page(bureau.member_a)).status_code == 302  # sent to sign in
    event = AuditEvent.objects.get(action="user.disable")
    assert event.actor == bureau.secretary_a
    assert event.after["sessions_ended"] == 1
    assert "is disabled" in secretary.get(page(bureau.member_a)).content.decode()

    assert secretary.post(enable(bureau.member_a)).status_code == 302
    bureau.member_a_user.refresh_from_db()
    assert bureau.member_a_user.is_active
    assert AuditEvent.objects.filter(action="user.enable", actor=bureau.secretary_a).count() == 1
    assert audit_verify() is None


def test_disabling_twice_changes_nothing_the_second_time(bureau, client_for):
    secretary = client_for(bureau.secretary_a)
    secretary.post(disable(bureau.member_a), CONFIRMED)
    secretary.post(disable(bureau.member_a), CONFIRMED)
    assert AuditEvent.objects.filter(action="user.disable").count() == 1


def test_the_committee_may_disable_a_secretary_who_may_not_disable_themselves(bureau, client_for):
    record = MemberFactory(branch=bureau.branch_a, name="刘书记", user=bureau.secretary_a)
    assert client_for(bureau.secretary_a).post(disable(record)).status_code == 404
    assert client_for(bureau.committee_admin).post(disable(record), CONFIRMED).status_code == 302
    bureau.secretary_a.refresh_from_db()
    assert not bureau.secretary_a.is_active


def test_a_secretary_may_not_disable_a_committee_officer_in_their_branch(bureau, client_for):
    grant(bureau.member_a_user, bureau.committee, Role.COMMITTEE_ADMIN)
    assert client_for(bureau.secretary_a).post(disable(bureau.member_a)).status_code == 404
    bureau.member_a_user.refresh_from_db()
    assert bureau.member_a_user.is_active


@pytest.mark.parametrize("who", ["member_a_user", "group_a", "recorder_a", "secretary_b"])
def test_others_may_not_disable_a_login(bureau, client_for, who):
    client = client_for(getattr(bureau, who))
    assert client.post(disable(bureau.member_a)).status_code == 404
    bureau.member_a_user.refresh_from_db()
    assert bureau.member_a_user.is_active
    assert not AuditEvent.objects.filter(action="user.disable").exists()


def test_the_button_is_shown_only_to_those_who_may_use_it(bureau, client_for):
    assert (
        "Disable login"
        not in client_for(bureau.member_a_user).get(page(bureau.member_a)).content.decode()
    )
    assert (
        "Disable login"
        not in client_for(bureau.group_a).get(page(bureau.member_a)).content.decode()
    )


def test_a_get_changes_nothing(bureau, client_for):
    assert client_for(bureau.secretary_a).get(disable(bureau.member_a)).status_code == 405
    bureau.member_a_user.refresh_from_db()
    assert bureau.member_a_user.is_active
