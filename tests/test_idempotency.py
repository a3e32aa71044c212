"""A submission carrying an idempotency key is carried out at most once (core.idempotency)."""

import uuid
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record, audit_verify
from core import idempotency
from core.idempotency import IdempotencyMiddleware, IdempotencyRecord
from declarations.models import Declaration
from ledger.models import Entry
from rules.services import scheme_for_year
from tests.declarations_support import draft

YEAR = 2026


@pytest.fixture
def scheme_a(bureau):
    return scheme_for_year(branch=bureau.branch_a, year=YEAR)


def entries_url(code="zb1", year=YEAR):
    return f"{reverse('ledger:entry_new', kwargs={'code': code})}?year={year}"


def entry_form(bureau, scheme, **overrides):
    data = {
        "member": bureau.member_a.pk,
        "month": 3,
        "item": scheme.items.get(code="dedication.volunteer").pk,
        "points": "2",
        "reason": "组织志愿服务",
        "evidence": "",
    }
    data.update(overrides)
    return data


def key() -> str:
    return str(uuid.uuid4())


def test_a_replayed_submission_redirects_to_the_same_page_and_writes_nothing(
    bureau, scheme_a, client_for
):
    client = client_for(bureau.group_a)
    data = entry_form(bureau, scheme_a, idempotency_key=key())
    first = client.post(entries_url(), data)
    assert first.status_code == 302
    events = AuditEvent.objects.count()

    again = client.post(entries_url(), data)

    assert again.status_code == 302
    assert again.url == first.url
    assert again[idempotency.REPLAY_HEADER] == "true"
    assert Entry.objects.count() == 1
    assert AuditEvent.objects.count() == events
    record = IdempotencyRecord.objects.get()
    assert (record.user, record.status, record.location) == (bureau.group_a, 302, first.url)
    texts = [str(m) for m in get_messages(again.wsgi_request)]
    assert "This form had already been submitted; nothing was done again." in texts


def test_the_key_may_come_in_a_header(bureau, scheme_a, client_for):
    client = client_for(bureau.group_a)
    token = key()
    for _attempt in range(3):
        response = client.post(
            entries_url(), entry_form(bureau, scheme_a), headers={"Idempotency-Key": token}
        )
        assert response.status_code == 302
    assert Entry.objects.count() == 1


def test_a_plain_form_without_a_key_works_as_before(bureau, scheme_a, client_for):
    client = client_for(bureau.group_a)
    client.post(entries_url(), entry_form(bureau, scheme_a))
    client.post(entries_url(), entry_form(bureau, scheme_a))
    assert Entry.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_new_keys_are_new_submissions(bureau, scheme_a, client_for):
    client = client_for(bureau.group_a)
    client.post(entries_url(), entry_form(bureau, scheme_a, idempotency_key=key()))
    client.post(entries_url(), entry_form(bureau, scheme_a, idempotency_key=key()))
    assert Entry.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 2


def test_keys_belong_to_their_user(bureau, scheme_a, client_for):
    token = key()
    for user in (bureau.group_a, bureau.recorder_a):
        response = client_for(user).post(
            entries_url(), entry_form(bureau, scheme_a, idempotency_key=token)
        )
        assert response.status_code == 302
        assert idempotency.REPLAY_HEADER not in response
    assert Entry.objects.count() == 2


def test_a_key_used_for_another_path_is_refused_and_nothing_changes(bureau, scheme_a, client_for):
    client = client_for(bureau.group_a)
    token = key()
    client.post(entries_url(), entry_form(bureau, scheme_a, idempotency_key=token))
    entry = Entry.objects.get()
    events = AuditEvent.objects.count()

    response = client.post(
        reverse("ledger:entry_reverse", kwargs={"pk": entry.pk}),
        {"reason": "重复记录", "idempotency_key": token},
    )

    assert response.status_code == 422
    assert "already used for another submission" in response.content.decode()
    assert Entry.objects.count() == 1
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("bad", ["", "short", "x" * 65, "has space-123", "ключ-12345", "-leading1"])
def test_a_malformed_key_is_refused_with_a_clear_message(bureau, scheme_a, client_for, bad):
    client = client_for(bureau.group_a)
    response = client.post(entries_url(), entry_form(bureau, scheme_a, idempotency_key=bad))
    assert response.status_code == 400
    assert "idempotency key is not valid" in response.content.decode()
    assert not Entry.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_form_shown_again_with_errors_keeps_no_key(bureau, scheme_a, client_for):
    client = client_for(bureau.group_a)
    token = key()
    shown = client.post(
        entries_url(), entry_form(bureau, scheme_a, points="", idempotency_key=token)
    )
    assert shown.status_code == 200
    assert not IdempotencyRecord.objects.exists()
    # Corrected and sent again under the same key, it is carried out.
    done = client.post(entries_url(), entry_form(bureau, scheme_a, idempotency_key=token))
    assert done.status_code == 302
    assert Entry.objects.count() == 1


def test_a_refused_request_keeps_no_key(bureau, scheme_a, client_for):
    token = key()
    response = client_for(bureau.secretary_b).post(
        entries_url(), entry_form(bureau, scheme_a, idempotency_key=token)
    )
    assert response.status_code == 404
    assert not IdempotencyRecord.objects.exists()


def test_an_anonymous_post_is_not_affected(bureau):
    response = Client().post(
        reverse("accounts:login"),
        {"username": "member_a", "password": "wrong", "idempotency_key": "not a valid key"},
    )
    assert response.status_code == 200
    assert not IdempotencyRecord.objects.exists()


def test_a_declaration_submitted_twice_under_one_key_is_submitted_once(bureau, client_for):
    declaration = draft(bureau, "参加社区志愿服务")
    client = client_for(bureau.member_a_user)
    data = {"version": declaration.version, "idempotency_key": key()}
    url = reverse("declarations:submit", kwargs={"pk": declaration.pk})
    first, again = client.post(url, data), client.post(url, data)
    assert first.url == again.url == reverse("declarations:detail", kwargs={"pk": declaration.pk})
    declaration.refresh_from_db()
    assert (declaration.status, declaration.submissions) == (Declaration.Status.SUBMITTED, 1)
    assert AuditEvent.objects.filter(action="declarations.declaration.submitted").count() == 1
    # The retry reports the earlier success, not "changed by someone else meanwhile".
    texts = [str(m) for m in get_messages(again.wsgi_request)]
    assert not any("changed by someone else" in text for text in texts)


def test_the_forms_that_write_points_carry_a_fresh_key(bureau, scheme_a, client_for):
    page = client_for(bureau.group_a).get(entries_url()).content.decode()
    assert page.count('name="idempotency_key"') >= 1
    first = Template("{% load jifen_idempotency %}{% idempotency_field %}").render(Context())
    second = Template("{% load jifen_idempotency %}{% idempotency_field %}").render(Context())
    assert first.startswith('<input type="hidden" name="idempotency_key" value="')
    assert first != second


# --- the middleware on its own: rollback, races ----------------------------------------


def keyed_request(user, token, path="/somewhere/"):
    request = RequestFactory().post(path, {"idempotency_key": token})
    request.user = user
    return request


def writing_view(status=302, raises=False):
    def view(request):
        audit_record(action="test.written", actor=request.user)
        if raises:
            raise RuntimeError("the view failed")
        response = HttpResponse(status=status)
        if 300 <= status < 400:
            response["Location"] = "/done/"
        return response

    return view


@pytest.mark.parametrize("status", [400, 403, 404, 409, 500])
def test_an_error_response_rolls_back_the_views_writes(bureau, status):
    middleware = IdempotencyMiddleware(lambda request: HttpResponse())
    request = keyed_request(bureau.group_a, key())
    response = middleware.process_view(request, writing_view(status), (), {})
    assert response.status_code == status
    assert not AuditEvent.objects.filter(action="test.written").exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_view_that_raises_rolls_back_and_keeps_no_key(bureau):
    middleware = IdempotencyMiddleware(lambda request: HttpResponse())
    request = keyed_request(bureau.group_a, key())
    with pytest.raises(RuntimeError):
        middleware.process_view(request, writing_view(raises=True), (), {})
    assert not AuditEvent.objects.filter(action="test.written").exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_concurrent_duplicate_waits_and_answers_as_a_retry(bureau):
    """The other request has committed the key: this one's insert fails on it."""
    token = key()
    middleware = IdempotencyMiddleware(lambda request: HttpResponse())
    first = middleware.process_view(keyed_request(bureau.group_a, token), writing_view(), (), {})
    assert first.status_code == 302
    calls = []

    def view(request):
        calls.append(request)
        return HttpResponse()

    second = middleware.process_view(keyed_request(bureau.group_a, token), view, (), {})

    assert calls == []
    assert (second.status_code, second["Location"]) == (302, "/done/")
    assert second[idempotency.REPLAY_HEADER] == "true"
    assert AuditEvent.objects.filter(action="test.written").count() == 1
    assert audit_verify() is None


def test_old_keys_are_purged(bureau):
    IdempotencyRecord.objects.create(user=bureau.group_a, key=key(), method="POST", path="/a/")
    old = IdempotencyRecord.objects.create(
        user=bureau.group_a, key=key(), method="POST", path="/b/"
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(
        created=timezone.now() - timezone.timedelta(days=31)
    )
    call_command("idempotency_purge", "--days", "30")
    assert list(IdempotencyRecord.objects.values_list("path", flat=True)) == ["/a/"]


def test_points_recorded_under_a_key_are_the_ones_sent(bureau, scheme_a, client_for):
    client = client_for(bureau.group_a)
    client.post(entries_url(), entry_form(bureau, scheme_a, points="1.5", idempotency_key=key()))
    assert Entry.objects.get().points == Decimal("1.5")
