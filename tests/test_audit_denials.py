"""Denied requests are audited (issue 7): who asked for which page and was refused."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_verify

YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def denials():
    return list(AuditEvent.objects.filter(action="access.denied").order_by("pk"))


def card(member):
    return reverse("summaries:card", args=[member.pk, YEAR])


def test_a_member_asking_for_another_members_card_is_audited(bureau):
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.force_login(bureau.member_a_user)
    path = card(bureau.member_b)
    assert client.get(path).status_code == 404
    [event] = denials()
    assert event.object_repr == path
    assert event.after == {"status": 404, "method": "GET", "path": path, "view": "summaries:card"}
    assert event.actor == bureau.member_a_user and event.actor_name == "member_a"
    assert event.client_address == "10.1.2.3"
    assert audit_verify() is None


def test_a_secretary_of_another_branch_asking_for_a_card_is_audited(bureau, client_for):
    path = card(bureau.member_a)
    assert client_for(bureau.secretary_b).get(path).status_code == 404
    [event] = denials()
    assert (event.actor, event.object_repr) == (bureau.secretary_b, path)


def test_pages_shown_are_not_audited_as_denials(bureau, client_for):
    assert client_for(bureau.member_a_user).get(card(bureau.member_a)).status_code == 200
    assert client_for(bureau.secretary_a).get(card(bureau.member_a)).status_code == 200
    assert denials() == []


def test_an_anonymous_visitor_sent_to_sign_in_is_not_a_denial(bureau):
    response = Client().get(card(bureau.member_a))
    assert response.status_code == 302
    assert denials() == []


@pytest.mark.parametrize("path", ["/favicon.ico", "/no-such-page/", "/static/no-such-file.css"])
def test_paths_that_are_no_page_of_the_system_are_not_audited(bureau, client_for, path):
    assert Client().get(path).status_code == 404
    assert client_for(bureau.member_a_user).get(path).status_code == 404
    assert denials() == []


def test_a_public_ballot_with_a_bad_code_leaves_no_denial_row(bureau):
    client = Client(REMOTE_ADDR="10.7.7.7")
    response = client.get(reverse("appraisals:ballot", args=["BADCODE1"]))
    assert response.status_code in (400, 404)
    assert denials() == []


def test_a_locked_out_ballot_leaves_no_denial_row(bureau, settings):
    settings.APPRAISAL_CODE_FAILURE_LIMIT = 1
    client = Client(REMOTE_ADDR="10.7.7.8")
    client.get(reverse("appraisals:ballot", args=["BADCODE1"]))
    assert client.get(reverse("appraisals:ballot", args=["BADCODE2"])).status_code == 429
    assert client.get(reverse("appraisals:vote_start")).status_code == 200
    assert denials() == []
    assert "BADCODE" not in str(list(AuditEvent.objects.values("object_repr", "after")))


def test_a_sign_in_lockout_is_audited(bureau):
    client = Client(REMOTE_ADDR="10.4.4.4")
    url = reverse("accounts:login")
    statuses = [
        client.post(url, {"username": "member_a", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert statuses[-1] == 429
    event = denials()[-1]
    assert event.after["status"] == 429 and event.after["view"] == "accounts:login"
    assert event.actor is None and event.client_address == "10.4.4.4"
    assert "wrong" not in str(event.after)


def test_a_failing_audit_write_still_answers_the_request(bureau, client_for, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the log is down")

    monkeypatch.setattr("audit.middleware.audit_record", broken)
    assert client_for(bureau.member_a_user).get(card(bureau.member_b)).status_code == 404
    assert denials() == []
