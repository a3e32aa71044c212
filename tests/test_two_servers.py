"""Two stateless application servers on one PostgreSQL database (the city deployment):
gunicorn serves config.wsgi on two loopback ports; a member signs in through A, and
B honours the same session cookie, shows the declaration written through A and hands
out the evidence photo uploaded through A (one shared media store).

PostgreSQL only (CI's PostgreSQL pass runs it): the servers connect to the test
database, which this transactional test fills and pytest-django empties afterwards.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import uuid
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.db import connection
from django.urls import reverse

from config.proxy import TrustedProxyMiddleware, client_address, trusted_networks
from declarations.models import Declaration
from rules.services import scheme_for_year
from scripts.serverkit import free_port, start_gunicorn, stop
from tests.declarations_support import THIS, png_bytes
from tests.factories import PASSWORD, make_bureau

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{auth}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


class Inputs(HTMLParser):
    """Every named input, textarea and selected option of a page, as a form would send."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name") and a.get("type") not in ("file", "submit"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values[a["name"]] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self.values.setdefault(a["name"], "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def inputs(html: str) -> dict[str, str]:
    parser = Inputs()
    parser.feed(html)
    return parser.values


class Browser:
    """One member's browser: one cookie jar, used against either server."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, port, method, path, fields=None, files=None):
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in (fields or {}).items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{value}\r\n".encode()
                )
            for name, (filename, content) in files.items():
                head = (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                )
                parts.append(head.encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content

    def get(self, port, path):
        return self.request(port, "GET", path)

    def post(self, port, path, fields, files=None):
        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **fields}
        return self.request(port, "POST", path, fields, files)


def start_servers(tmp_path: Path, count: int = 2) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "JIFEN_MEDIA_ROOT": str(tmp_path / "media"),
        "JIFEN_PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "JIFEN_VAR_DIR": str(tmp_path / "var"),
    }
    for name in ("JIFEN_S3_BUCKET", "JIFEN_CACHE_URL", "REDIS_URL"):
        env.pop(name, None)
    servers: list[tuple[int, subprocess.Popen]] = []
    try:
        for _ in range(count):
            port = free_port()
            with open(tmp_path / f"gunicorn-{port}.log", "wb") as log:
                servers.append((port, start_gunicorn(port, env, ["--workers", "1"], log)))
    except RuntimeError as exc:
        stop_all(servers)
        logs = "".join(p.read_text(errors="replace")[-3000:] for p in tmp_path.glob("*.log"))
        pytest.fail(f"{exc}\n{logs}")
    return servers


def stop_all(servers) -> None:
    for _port, server in servers:
        stop(server)


@pytest.mark.django_db(transaction=True)
def test_a_write_through_one_server_is_read_through_the_other(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two application servers share one database server")
    bureau = make_bureau()
    item = scheme_for_year(branch=bureau.branch_a, year=THIS.year).items.get(
        code="dedication.volunteer"
    )
    photo = png_bytes("purple", (64, 48))
    servers = start_servers(tmp_path)
    try:
        (a, _), (b, _) = servers
        member = Browser()

        # Sign in through A (CSRF cookie and token from A's form).
        login = reverse("accounts:login")
        status, _headers, html = member.get(a, login)
        assert status == 200
        token = inputs(html.decode())["csrfmiddlewaretoken"]
        status, headers, _ = member.request(
            a,
            "POST",
            login,
            {"csrfmiddlewaretoken": token, "username": "member_a", "password": PASSWORD},
        )
        assert status == 302, headers
        assert "sessionid" in member.cookies, headers

        # B honours the session A started: the database holds it.
        status, _headers, html = member.get(b, reverse("declarations:mine"))
        assert status == 200
        assert 'data-testid="declare-' in html.decode()
        assert Browser().get(b, reverse("declarations:mine"))[0] == 302  # others are not in

        # A write through A: a declaration of this month with a photo, submitted.
        month = f"{THIS.year}-{THIS.month:02d}"
        status, headers, _ = member.post(a, reverse("declarations:create"), {"month": month})
        assert status == 302
        edit = headers["Location"]
        status, _headers, html = member.get(b, edit)  # B shows the draft A created
        assert status == 200
        form = inputs(html.decode())
        form.pop("csrfmiddlewaretoken", None)
        form.update(
            {
                "then": "submit",
                "lines-TOTAL_FORMS": "1",
                "lines-INITIAL_FORMS": "0",
                "lines-0-description": "两台服务器之间的志愿服务",
                "lines-0-suggested_item": str(item.pk),
            }
        )
        status, headers, body = member.post(
            a, edit, form, files={"lines-0-evidence": ("现场.png", photo)}
        )
        assert status == 302, body.decode(errors="replace")[:3000]
        detail = headers["Location"]

        # Read through B: the submitted declaration, and the photo from the shared store.
        status, _headers, html = member.get(b, detail)
        text = html.decode()
        assert status == 200
        assert "两台服务器之间的志愿服务" in text
        evidence = re.search(r"/declarations/\d+/evidence/\d+/", text)
        assert evidence, "the detail page links no evidence"
        status, headers, content = member.get(b, evidence.group(0))
        assert status == 200
        assert content == photo
        assert Browser().get(b, evidence.group(0))[0] in (302, 404)  # not without signing in
        declaration = Declaration.objects.get(member=bureau.member_a)
        assert declaration.status == Declaration.Status.SUBMITTED
        assert any((tmp_path / "media").rglob("*.png"))  # the servers' one shared store
    finally:
        stop_all(servers)


# --- behind nginx: the client's address (config.proxy) ---------------------------------

PROXIES = trusted_networks("10.0.0.10, 10.0.1.0/24")


@pytest.mark.parametrize(
    ("remote", "forwarded", "seen"),
    [
        ("10.0.0.10", "172.16.5.7", "172.16.5.7"),  # nginx says who the client is
        ("10.0.0.10", "1.2.3.4, 172.16.5.7", "172.16.5.7"),  # a forged first hop is ignored
        ("10.0.1.20", "172.16.5.8, 10.0.0.10", "172.16.5.8"),  # two proxies in a row
        ("172.16.5.9", "1.2.3.4", "172.16.5.9"),  # not from a proxy: the header is not believed
        ("10.0.0.10", "", "10.0.0.10"),
        ("10.0.0.10", "not-an-address", "10.0.0.10"),
    ],
)
def test_the_client_address_is_taken_from_trusted_proxies_only(remote, forwarded, seen):
    assert client_address(remote, forwarded, PROXIES) == seen
    assert client_address(remote, forwarded, []) == remote


def test_the_middleware_rewrites_remote_addr(settings, rf):
    settings.JIFEN_TRUSTED_PROXIES = "127.0.0.1"
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.168.3.4")
    seen = TrustedProxyMiddleware(lambda r: r.META["REMOTE_ADDR"])(request)
    assert seen == "192.168.3.4"
