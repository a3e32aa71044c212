"""The REST API (/api/v1/): tokens, problem details, the access walk over every route for
every role and a foreign branch, bad input on every write, throttling, idempotency."""

import hashlib
import json
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken, ServiceAccount
from api.services import token_create
from audit.models import AuditEvent
from declarations.models import Declaration
from ledger.models import Entry
from notifications.models import Notification
from organizations.models import Member, Organization
from orglife.models import Attendance, DuesRecord, Meeting
from tests.declarations_support import THIS, png_bytes, submitted

PROBLEM = "application/problem+json"


def token(user, scope="write", **extra):
    return token_create(user=user, name="test", scope=scope, **extra)[1]


def api(raw=None):
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}") if raw else Client()


def send(client, method, url, body=None, **headers):
    if method == "GET":
        return client.get(url, **headers)
    return getattr(client, method.lower())(
        url, json.dumps(body or {}), content_type="application/json", **headers
    )


def assert_problem(response, status):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"]
    assert body["title"]
    return body


# --- tokens -------------------------------------------------------------------------------


def test_the_token_is_stored_only_as_its_hash(bureau):
    row, raw = token_create(user=bureau.member_a_user, name="手机")
    stored = ApiToken.objects.filter(pk=row.pk).values()[0]
    assert raw not in json.dumps(stored, default=str)
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(row.prefix)
    assert len(row.prefix) < len(raw) / 4
    assert AuditEvent.objects.filter(action="api.token.created", object_id=str(row.pk)).exists()


def test_the_command_prints_the_token_on_its_last_line(bureau):
    out = StringIO()
    call_command(
        "api_token",
        "create",
        "member_a",
        "--name",
        "脚本",
        "--expires-days",
        "7",
        "--scope",
        "read",
        stdout=out,
        stderr=StringIO(),
    )
    raw = out.getvalue().strip().splitlines()[-1]
    row = ApiToken.objects.get(token_hash=hashlib.sha256(raw.encode()).hexdigest())
    assert (row.name, row.scope, row.user) == ("脚本", "read", bureau.member_a_user)
    assert timedelta(days=6) < row.expires_at - timezone.now() <= timedelta(days=7)
    with pytest.raises(CommandError):
        call_command("api_token", "create", "nobody", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError):
        call_command(
            "api_token",
            "create",
            "member_a",
            "--expires-days",
            "0",
            stdout=StringIO(),
            stderr=StringIO(),
        )


def test_a_token_reads_as_its_user(bureau):
    response = api(token(bureau.member_a_user)).get("/api/v1/me/card/")
    assert response.status_code == 200
    assert response.json()["member"]["name"] == bureau.member_a.name


def test_an_expired_token_is_refused(bureau):
    raw = token(bureau.member_a_user)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api(raw).get("/api/v1/me/card/")
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_at_once(bureau, client_for):
    raw = token(bureau.member_a_user)
    assert api(raw).get("/api/v1/me/card/").status_code == 200
    row = ApiToken.objects.get()
    page = client_for(bureau.member_a_user)
    assert page.post(reverse("api_pages:token_revoke", args=[row.pk])).status_code == 302
    assert_problem(api(raw).get("/api/v1/me/card/"), 401)
    assert AuditEvent.objects.filter(action="api.token.revoked").count() == 1
    # someone else's token is not theirs to revoke
    other = ApiToken.objects.get(pk=token_create(user=bureau.member_b_user, name="x")[0].pk)
    assert page.post(reverse("api_pages:token_revoke", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_a_disabled_login_s_token_is_refused(bureau):
    raw = token(bureau.member_a_user)
    bureau.member_a_user.is_active = False
    bureau.member_a_user.save()
    assert_problem(api(raw).get("/api/v1/me/card/"), 401)


def test_a_wrong_token_is_refused(bureau):
    for header in ("Bearer jf_nothing", "Bearer", "Bearer a b", "Token jf_" + "x" * 200):
        assert_problem(Client(HTTP_AUTHORIZATION=header).get("/api/v1/me/card/"), 401)


def test_a_read_token_cannot_write(bureau):
    raw = token(bureau.member_a_user, scope="read")
    response = send(
        api(raw), "POST", "/api/v1/declarations/", {"year": THIS.year, "month": THIS.month}
    )
    assert_problem(response, 403)
    assert not Declaration.objects.exists()
    assert api(raw).get("/api/v1/declarations/").status_code == 200


def test_every_use_of_a_token_is_audited_and_its_last_use_shown(bureau, client_for):
    raw = token(bureau.member_a_user)
    client = api(raw)
    client.get("/api/v1/me/card/")
    client.get("/api/v1/me/notifications/")
    client.get(f"/api/v1/declarations/{10**6}/")
    rows = AuditEvent.objects.filter(action="api.token.used").order_by("pk")
    assert [r.after["path"] for r in rows] == [
        "/api/v1/me/card/",
        "/api/v1/me/notifications/",
        f"/api/v1/declarations/{10**6}/",
    ]
    assert [r.after["status"] for r in rows] == [200, 200, 404]
    assert all(r.actor_id == bureau.member_a_user.pk for r in rows)
    assert AuditEvent.objects.filter(action="access.denied", actor=bureau.member_a_user).exists()
    row = ApiToken.objects.get()
    assert row.last_used_at is not None
    page = client_for(bureau.member_a_user).get(reverse("api_pages:tokens"))
    assert row.prefix in page.content.decode()
    assert raw not in page.content.decode()


def test_requests_beyond_the_rate_are_throttled_per_token(bureau, settings):
    settings.JIFEN_API_RATE = "3/min"
    cache.clear()
    first, second = token(bureau.member_a_user), token(bureau.member_a_user)
    statuses = [api(first).get("/api/v1/me/card/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api(first).get("/api/v1/me/card/")
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0
    assert api(second).get("/api/v1/me/card/").status_code == 200
    cache.clear()


def test_the_session_works_with_its_csrf_token_only(bureau):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bureau.member_a_user)
    assert client.get("/api/v1/me/card/").status_code == 200
    response = send(
        client, "POST", "/api/v1/declarations/", {"year": THIS.year, "month": THIS.month}
    )
    assert_problem(response, 403)
    assert not Declaration.objects.exists()


def test_the_account_page_makes_a_token_shown_once(bureau, client_for):
    client = client_for(bureau.member_a_user)
    response = client.post(
        reverse("api_pages:tokens"), {"name": "手机", "scope": "write", "expires_days": "30"}
    )
    assert response.status_code == 200
    shown = response.context["shown"]
    assert shown.startswith("jf_")
    assert shown in response.content.decode()
    assert shown not in client.get(reverse("api_pages:tokens")).content.decode()
    assert api(shown).get("/api/v1/me/card/").status_code == 200
    bad = client.post(reverse("api_pages:tokens"), {"name": "", "scope": "admin"})
    assert bad.status_code == 200
    assert bad.context["shown"] is None
    assert ApiToken.objects.count() == 1


# --- documentation and errors ----------------------------------------------------------


def test_the_openapi_document_and_the_docs_page_are_served_locally(bureau, client_for):
    client = client_for(bureau.member_a_user)
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/me/card/" in paths
    assert "/api/v1/declarations/{id}/decide/" in paths
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
    assert "<style" not in html
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/openapi.json" in script.content.decode()


def test_an_unknown_api_path_is_a_problem_not_a_page(bureau):
    assert_problem(api(token(bureau.member_a_user)).get("/api/v1/nothing/here/"), 404)
    assert_problem(Client().get("/api/v1/nothing/"), 404)


def test_the_problem_speaks_chinese(bureau, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the deployment's language (tests default to English)
    body = assert_problem(Client().get("/api/v1/me/card/"), 401)
    assert body["title"] == "未登录"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["title"] + body.get("detail", ""))


# --- the access walk --------------------------------------------------------------------


@pytest.fixture
def world(bureau, settings, tmp_path):
    """Branch A's objects every route names: a submitted declaration of member A, a
    meeting's attendance, a notification; member A's job number."""
    settings.MEDIA_ROOT = tmp_path
    declaration = submitted(bureau, "参加社区志愿服务")
    meeting = Meeting.objects.create(
        branch=bureau.branch_a, kind="general_meeting", topic="甲支部会议", starts_at=timezone.now()
    )
    attendance = Attendance.objects.create(meeting=meeting, member=bureau.member_a)
    notification = Notification.objects.create(
        user=bureau.member_a_user, kind="other", title="甲支部通知"
    )
    Member.objects.filter(pk=bureau.member_a.pk).update(job_number="A-0001")
    return {
        "d": declaration.pk,
        "line": declaration.lines.get().pk,
        "version": declaration.version,
        "attendance": attendance.pk,
        "notification": notification.pk,
        "member": bureau.member_a.pk,
        "other": bureau.other_member_a.pk,
    }


def routes(w):
    """(method, url, body) for every API route, aimed at branch A."""
    d = w["d"]
    return [
        ("GET", "/api/v1/me/card/?year=2026", None),
        ("GET", "/api/v1/me/data/", None),
        ("GET", "/api/v1/me/notifications/", None),
        ("POST", f"/api/v1/me/notifications/{w['notification']}/read/", {}),
        ("GET", "/api/v1/me/commitments/", None),
        ("GET", "/api/v1/declarations/", None),
        ("POST", "/api/v1/declarations/", {"year": THIS.year, "month": THIS.month}),
        ("GET", f"/api/v1/declarations/{d}/", None),
        ("PUT", f"/api/v1/declarations/{d}/", {"version": w["version"], "name": "改名"}),
        ("POST", f"/api/v1/declarations/{d}/evidence/", {"version": w["version"]}),
        ("POST", f"/api/v1/declarations/{d}/submit/", {"version": w["version"]}),
        ("POST", f"/api/v1/declarations/{d}/withdraw/", {"version": w["version"]}),
        ("GET", "/api/v1/review/queue/", None),
        ("GET", "/api/v1/review/queue/?branch=zb1", None),
        ("POST", f"/api/v1/declarations/{d}/review/start/", {"version": w["version"]}),
        ("POST", f"/api/v1/declarations/{d}/return/", {"version": w["version"], "reason": "补充"}),
        (
            "POST",
            f"/api/v1/declarations/{d}/decide/",
            {
                "version": w["version"],
                "lines": [{"line": w["line"], "action": "reject", "reason": "不符"}],
            },
        ),
        ("GET", "/api/v1/branches/zb1/entries/", None),
        (
            "POST",
            "/api/v1/branches/zb1/entries/",
            {
                "member": w["other"],
                "year": THIS.year,
                "month": THIS.month,
                "item": 1,
                "points": "1",
            },
        ),
        ("POST", f"/api/v1/attendance/{w['attendance']}/", {"status": "present"}),
        (
            "POST",
            f"/api/v1/members/{w['member']}/dues/",
            {"year": THIS.year, "month": THIS.month, "status": "on_time"},
        ),
        ("GET", "/api/v1/organizations/", None),
        ("GET", "/api/v1/organizations/zb1/", None),
        (
            "PUT",
            "/api/v1/organizations/zb1/",
            {"name": "第一党支部", "kind": "branch", "parent": "jgdw"},
        ),
        ("GET", "/api/v1/branches/zb1/members/", None),
        ("GET", "/api/v1/members/by-job-number/A-0001/", None),
        ("PUT", "/api/v1/members/by-job-number/A-0001/", {"branch": "zb1", "name": "张红梅"}),
        ("GET", "/api/v1/branches/zb1/summary/?year=2026", None),
        ("GET", "/api/v1/branches/zb1/results/?year=2026", None),
        ("GET", "/api/v1/branches/zb1/publications/", None),
    ]


def test_the_walk_covers_every_api_route(bureau, world):
    from tests.urlwalk import walk

    named = {p.name for p in walk() if p.name.startswith("api:")}
    named -= {"api:schema", "api:docs", "api:not_found"}
    walked = set()
    for _method, url, _body in routes(world):
        from django.urls import resolve

        walked.add("api:" + resolve(url.split("?")[0]).url_name)
    assert named == walked


def branch_a_state():
    return {
        "declarations": list(Declaration.objects.values_list("pk", "status", "version", "name")),
        "entries": Entry.objects.count(),
        "attendance": list(Attendance.objects.values_list("pk", "status")),
        "dues": DuesRecord.objects.count(),
        "members": list(Member.objects.values_list("pk", "name", "job_number", "branch_id")),
        "organizations": list(Organization.objects.values_list("pk", "name", "kind", "parent_id")),
        "read": list(Notification.objects.values_list("pk", "read_at")),
    }


@pytest.mark.parametrize("who", ["secretary_b", "member_b_user"])
def test_a_foreign_branch_reaches_nothing_of_branch_a(bureau, world, who):
    client = api(token(getattr(bureau, who)))
    before = branch_a_state()
    leaks = []
    for method, url, body in routes(world):
        if url.startswith(("/api/v1/me/", "/api/v1/organizations/?")) or url in (
            "/api/v1/declarations/",
            "/api/v1/review/queue/",
            "/api/v1/organizations/",
        ):
            continue  # their own, not branch A's
        if method == "POST" and url == "/api/v1/declarations/":
            continue
        response = send(client, method, url, body)
        if response.status_code not in (403, 404) or not response["Content-Type"].startswith(
            PROBLEM
        ):
            leaks.append(f"{method} {url}: {response.status_code}")
        if "张红梅" in response.content.decode() or "甲支部" in response.content.decode():
            leaks.append(f"{method} {url}: shows branch A")
    # the lists they may read show nothing of branch A
    for url in ("/api/v1/review/queue/", "/api/v1/organizations/", "/api/v1/me/notifications/"):
        response = client.get(url)
        assert response.status_code in (200, 404)
        assert "张红梅" not in response.content.decode()
        assert "zb1" not in response.content.decode()
    assert not leaks, "\n".join(leaks)
    assert branch_a_state() == before


def test_an_anonymous_caller_gets_401_everywhere(bureau, world):
    before = branch_a_state()
    for method, url, body in routes(world):
        assert_problem(send(Client(), method, url, body), 401)
    assert branch_a_state() == before


OFFICER_ONLY = (
    "/api/v1/review/",
    "/api/v1/branches/",
    "/api/v1/attendance/",
    "/api/v1/organizations/zb1/",
    "/api/v1/members/",
)


@pytest.mark.parametrize(
    "who", ["committee_admin", "secretary_a", "group_a", "recorder_a", "member_a_user"]
)
def test_every_route_answers_every_role_of_branch_a_without_an_error(bureau, world, who):
    """Each role gets an answer or a problem document, never a 500; the member reaches
    no officer's route."""
    client = api(token(getattr(bureau, who)))
    for method, url, body in routes(world):
        response = send(client, method, url, body)
        assert response.status_code < 500, (method, url, response.content[:300])
        if response.status_code >= 400:
            assert response["Content-Type"].startswith(PROBLEM), (method, url)
        own = url.endswith("/A-0001/") and method == "GET"  # their own record
        if who == "member_a_user" and url.startswith(OFFICER_ONLY) and not own:
            assert response.status_code in (403, 404), (method, url, response.status_code)
        reviewing = url.endswith(("/return/", "/decide/", "/review/start/"))
        if who == "member_a_user" and reviewing:  # their own declaration
            assert response.status_code in (403, 404), (method, url, response.status_code)


# --- bad input changes nothing ----------------------------------------------------------


def bad_inputs(bureau, w):
    """(user, method, url, body) a permitted user sends with a bad body."""
    d = w["d"]
    return [
        ("member_a_user", "POST", "/api/v1/declarations/", {"year": THIS.year, "month": 13}),
        ("member_a_user", "POST", "/api/v1/declarations/", {"year": "x"}),
        ("member_a_user", "PUT", f"/api/v1/declarations/{d}/", {"version": "x"}),
        (
            "member_a_user",
            "PUT",
            f"/api/v1/declarations/{d}/",
            {"version": w["version"], "lines": "x"},
        ),
        ("member_a_user", "POST", f"/api/v1/declarations/{d}/submit/", {}),
        ("member_a_user", "POST", f"/api/v1/declarations/{d}/withdraw/", {"version": -1}),
        ("member_a_user", "POST", f"/api/v1/me/notifications/{10**6}/read/", {}),
        ("group_a", "POST", f"/api/v1/declarations/{d}/review/start/", {"version": "x"}),
        (
            "group_a",
            "POST",
            f"/api/v1/declarations/{d}/return/",
            {"version": w["version"], "reason": ""},
        ),
        (
            "group_a",
            "POST",
            f"/api/v1/declarations/{d}/decide/",
            {"version": w["version"], "lines": []},
        ),
        (
            "group_a",
            "POST",
            f"/api/v1/declarations/{d}/decide/",
            {"version": w["version"], "lines": [{"line": w["line"], "action": "maybe"}]},
        ),
        (
            "group_a",
            "POST",
            f"/api/v1/declarations/{d}/decide/",
            {"version": w["version"], "lines": [{"line": 10**6, "action": "reject"}]},
        ),
        (
            "group_a",
            "POST",
            "/api/v1/branches/zb1/entries/",
            {
                "member": w["other"],
                "year": THIS.year,
                "month": THIS.month,
                "item": 1,
                "points": "abc",
            },
        ),
        ("group_a", "POST", "/api/v1/branches/zb1/entries/", {"member": "x"}),
        ("recorder_a", "POST", f"/api/v1/attendance/{w['attendance']}/", {"status": "asleep"}),
        ("recorder_a", "POST", f"/api/v1/members/{w['other']}/dues/", {"year": "x"}),
        (
            "recorder_a",
            "POST",
            f"/api/v1/members/{w['other']}/dues/",
            {"year": THIS.year, "month": 13, "status": "on_time"},
        ),
        (
            "committee_admin",
            "PUT",
            "/api/v1/organizations/zb9/",
            {"name": "", "kind": "branch", "parent": "jgdw"},
        ),
        (
            "committee_admin",
            "PUT",
            "/api/v1/organizations/zb9/",
            {"name": "九", "kind": "club", "parent": "jgdw"},
        ),
        (
            "committee_admin",
            "PUT",
            "/api/v1/organizations/zb9/",
            {"name": "九", "kind": "branch", "parent": "none"},
        ),
        (
            "secretary_a",
            "PUT",
            "/api/v1/members/by-job-number/A-0009/",
            {"branch": "zb1", "name": "新人", "phone": "123"},
        ),
        ("secretary_a", "PUT", "/api/v1/members/by-job-number/A-0009/", {"branch": "zb1"}),
        (
            "secretary_a",
            "PUT",
            "/api/v1/members/by-job-number/A-0009/",
            {"branch": "zb1", "name": "新人", "department": "无此科"},
        ),
        ("committee_admin", "PUT", "/api/v1/organizations/zb9/", ["not", "an", "object"]),
        ("secretary_a", "PUT", "/api/v1/members/by-job-number/A-0009/", ["x"]),
        ("recorder_a", "POST", f"/api/v1/members/{w['other']}/dues/", ["x"]),
        ("group_a", "POST", f"/api/v1/declarations/{d}/decide/", ["x"]),
        ("member_a_user", "POST", "/api/v1/declarations/", "just a string"),
        ("member_a_user", "GET", "/api/v1/me/card/?year=abc", None),
        ("member_a_user", "GET", "/api/v1/me/data/?format=pdf", None),
        ("secretary_a", "GET", "/api/v1/review/queue/?status=nothing", None),
    ]


def test_bad_input_on_each_write_route_is_400_and_changes_nothing(bureau, world):
    before = branch_a_state()
    clients = {}
    for who, method, url, body in bad_inputs(bureau, world):
        client = clients.setdefault(who, api(token(getattr(bureau, who))))
        response = send(client, method, url, body)
        if "/notifications/" in url:
            assert_problem(response, 404)
        else:
            assert_problem(response, 400)
        assert branch_a_state() == before, (method, url, body)


def test_a_bad_evidence_file_is_refused_like_on_the_page(bureau, world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from declarations import services

    client = api(token(bureau.member_a_user))
    declaration = Declaration.objects.get(pk=world["d"])
    services.declaration_withdraw(
        declaration=declaration, version=declaration.version, actor=bureau.member_a_user
    )
    url = f"/api/v1/declarations/{declaration.pk}/evidence/"
    fake = SimpleUploadedFile("photo.png", b"MZ not an image at all")
    response = client.post(url, {"version": declaration.version, "file": fake})
    body = assert_problem(response, 400)
    assert "file" in body["errors"]
    assert not declaration.evidence.exists()
    good = client.post(
        url, {"version": declaration.version, "file": SimpleUploadedFile("p.png", png_bytes())}
    )
    assert good.status_code == 201
    assert declaration.evidence.count() == 1


# --- declaring and reviewing ------------------------------------------------------------


def test_the_same_idempotency_key_twice_makes_one_declaration(bureau):
    client = api(token(bureau.member_a_user))
    key = str(uuid.uuid4())
    body = {"year": THIS.year, "month": THIS.month}
    first = send(client, "POST", "/api/v1/declarations/", body, HTTP_IDEMPOTENCY_KEY=key)
    second = send(client, "POST", "/api/v1/declarations/", body, HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replay"] == "true"
    assert first.json()["id"] == second.json()["id"]
    assert Declaration.objects.count() == 1
    elsewhere = send(
        client,
        "POST",
        f"/api/v1/declarations/{first.json()['id']}/submit/",
        {"version": 0},
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert_problem(elsewhere, 422)
    assert_problem(
        send(client, "POST", "/api/v1/declarations/", body, HTTP_IDEMPOTENCY_KEY="bad key"), 400
    )


def test_a_session_with_a_key_is_kept_once_too(bureau, client_for):
    client = client_for(bureau.member_a_user)
    key = str(uuid.uuid4())
    body = {"year": THIS.year, "month": THIS.month}
    send(client, "POST", "/api/v1/declarations/", body, HTTP_IDEMPOTENCY_KEY=key)
    again = send(client, "POST", "/api/v1/declarations/", body, HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201
    assert Declaration.objects.count() == 1


def test_declaring_the_same_month_twice_is_refused(bureau):
    client = api(token(bureau.member_a_user))
    body = {"year": THIS.year, "month": THIS.month}
    assert send(client, "POST", "/api/v1/declarations/", body).status_code == 201
    assert_problem(send(client, "POST", "/api/v1/declarations/", body), 400)
    assert Declaration.objects.count() == 1


def test_the_group_returns_a_declaration_with_a_reason(bureau, world):
    client = api(token(bureau.group_a))
    response = send(
        client,
        "POST",
        f"/api/v1/declarations/{world['d']}/return/",
        {"version": world["version"], "reason": "请补充照片"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "returned"
    assert response.json()["return_reason"] == "请补充照片"
    stale = send(
        client,
        "POST",
        f"/api/v1/declarations/{world['d']}/decide/",
        {
            "version": world["version"],
            "lines": [{"line": world["line"], "action": "reject", "reason": "x"}],
        },
    )
    assert stale.status_code in (400, 409)
    assert stale["Content-Type"].startswith(PROBLEM)


def test_nobody_reviews_their_own_declaration_through_the_api(bureau, world):
    response = send(
        api(token(bureau.member_a_user)),
        "POST",
        f"/api/v1/declarations/{world['d']}/return/",
        {"version": world["version"], "reason": "x"},
    )
    assert_problem(response, 403)


# --- sync, summary, publicity -------------------------------------------------------------


def test_members_are_kept_in_step_by_job_number(bureau):
    client = api(token(bureau.secretary_a))
    url = "/api/v1/members/by-job-number/HR-100/"
    created = send(client, "PUT", url, {"branch": "zb1", "name": "赵新", "phone": "13800000001"})
    assert created.status_code == 201, created.content
    member = Member.objects.get(job_number="HR-100")
    assert (member.name, member.branch) == ("赵新", bureau.branch_a)
    updated = send(client, "PUT", url, {"branch": "zb1", "name": "赵新华", "phone": "13800000001"})
    assert updated.status_code == 200
    member.refresh_from_db()
    assert member.name == "赵新华"
    assert Member.objects.filter(job_number="HR-100").count() == 1
    assert AuditEvent.objects.filter(
        action="organizations.member.updated", object_id=str(member.pk)
    ).exists()
    assert client.get(url).json()["name"] == "赵新华"
    # branch B's secretary cannot write into branch A, nor move the member by a sync
    other = api(token(bureau.secretary_b))
    assert_problem(send(other, "PUT", url, {"branch": "zb1", "name": "x"}), 404)
    assert_problem(send(other, "PUT", url, {"branch": "zb2", "name": "x"}), 403)
    member.refresh_from_db()
    assert member.name == "赵新华"
    assert member.branch == bureau.branch_a


def test_the_committee_keeps_organisations_in_step_by_code(bureau):
    client = api(token(bureau.committee_admin))
    url = "/api/v1/organizations/zb3/"
    body = {"name": "第三党支部", "kind": "branch", "parent": "jgdw"}
    assert send(client, "PUT", url, body).status_code == 201
    assert send(client, "PUT", url, {**body, "name": "第三支部"}).status_code == 200
    assert Organization.objects.get(code="zb3").name == "第三支部"
    assert_problem(send(api(token(bureau.secretary_a)), "PUT", url, body), 403)


def test_the_summary_is_export_summary_s(bureau):
    out = StringIO()
    call_command(
        "export_summary", "--branch", "zb1", "--year", "2026", "--format", "json", stdout=out
    )
    response = api(token(bureau.secretary_a)).get("/api/v1/branches/zb1/summary/?year=2026")
    assert response.json() == json.loads(out.getvalue())


# --- service accounts ---------------------------------------------------------------------


def test_the_committee_grants_a_service_account_that_acts_with_its_role(bureau, client_for):
    page = client_for(bureau.committee_admin)
    response = page.post(
        reverse("api_pages:service_accounts"),
        {
            "username": "hr-sync",
            "purpose": "人事系统同步",
            "organization": bureau.branch_a.pk,
            "role": "recorder",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    account = ServiceAccount.objects.get(user__username="hr-sync")
    assert not account.user.has_usable_password()
    raw = token(account.user)
    client = api(raw)
    assert client.get("/api/v1/branches/zb1/members/").status_code == 200
    assert_problem(client.get("/api/v1/branches/zb2/members/"), 404)
    assert (
        client_for(bureau.secretary_a).get(reverse("api_pages:service_accounts")).status_code == 404
    )


def test_the_api_s_audit_rows_read_in_chinese(bureau, client_for, settings):
    from audit.display import ACTIONS

    raw = token(bureau.member_a_user)
    api(raw).get("/api/v1/me/card/")
    client_for(bureau.member_a_user).get(reverse("api_pages:my_data", args=["json"]))
    settings.LANGUAGE_CODE = "zh-hans"
    page = client_for(bureau.committee_admin).get(reverse("audit:log"))
    assert page.status_code == 200
    labels = {change.label for row in page.context["rows"] for change in row.detail}
    shown = {str(label) for label in labels if label}
    assert {"前缀", "格式"} <= shown
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in shown), shown
    for action in ("api.token.created", "api.token.used", "api.my_data.downloaded"):
        assert action in ACTIONS
