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
    assert event.actor == bureau.member_a_user
    assert event.actor_name == "member_a"
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
    assert event.after["status"] == 429
    assert event.after["view"] == "accounts:login"
    assert event.actor is None
    assert event.client_address == "10.4.4.4"
    assert "wrong" not in str(event.after)


def test_a_failing_audit_write_still_answers_the_request(bureau, client_for, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the log is down")

    monkeypatch.setattr("audit.middleware.audit_record", broken)
    assert client_for(bureau.member_a_user).get(card(bureau.member_b)).status_code == 404
    assert denials() == []


def test_a_hundred_misses_on_public_links_from_one_client_make_three_rows(bureau, client_for):
    """Anyone can try secret links by the thousand: an anonymous client's misses are
    counted in rows for the 1st, 10th and 100th of the hour, each with the count so far."""
    prober = Client(REMOTE_ADDR="10.5.5.5")
    for n in range(100):
        name = "commitments:public" if n % 2 else "publicity:lobby"
        path = reverse(name, args=[f"no-such-token-{n}"])
        assert prober.get(path).status_code == 404
    rows = denials()
    assert [row.after["count"] for row in rows] == [1, 10, 100]
    last = rows[-1]
    assert last.actor is None
    assert last.client_address == "10.5.5.5"
    assert last.object_repr == path
    assert last.after["view"] == "commitments:public"
    assert last.after["window_seconds"] == 3600

    # Another client's first miss is a row of its own; a signed-in user's misses one each.
    assert Client(REMOTE_ADDR="10.6.6.6").get(path).status_code == 404
    member = client_for(bureau.member_a_user)
    for _ in range(3):
        assert member.get(card(bureau.member_b)).status_code == 404
    rows = denials()
    assert [row.actor_name or row.client_address for row in rows[3:]] == [
        "10.6.6.6",
        "member_a",
        "member_a",
        "member_a",
    ]
    assert audit_verify() is None


def test_the_count_starts_again_in_the_next_hour(bureau, monkeypatch):
    import time

    path = reverse("publicity:lobby", args=["no-such-token"])
    prober = Client(REMOTE_ADDR="10.5.5.6")
    now = 1_800_000_000  # on the hour
    monkeypatch.setattr(time, "time", lambda: now + 10)
    prober.get(path)
    prober.get(path)
    monkeypatch.setattr(time, "time", lambda: now + 3600 + 10)
    prober.get(path)
    rows = denials()
    assert [row.after["count"] for row in rows] == [1, 1]
    assert rows[0].after["window_start"] != rows[1].after["window_start"]
