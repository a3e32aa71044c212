"""The crash test's other half (tests/test_crash_recovery.py): a scratch database, the
application under gunicorn on loopback, and a client that retries with the same key.

Parts are copied from scripts/loadtest.py (owned separately) and cut to what the test
needs. Run as a script, this module works on the scratch database named by DATABASE_URL
in a fresh Django process (the test's own process is bound to pytest's database):

    python tests/crash_support.py prepare <out.json>   migrate and fill it; sessions, drafts
    python tests/crash_support.py check <acked.json>   what survived; JSON on stdout
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python tests/crash_support.py`
    sys.path.insert(0, str(ROOT))

from scripts import serverkit  # noqa: E402
from scripts.serverkit import HOST, stop  # noqa: E402

CSRF = "crashtestcsrfsecret0123456789abc"  # 32 characters: an unmasked CSRF secret
SETTINGS = "config.settings.test"
DRAFTS = 4  # late declarations opened for each member, besides this month's


# --- the scratch database ------------------------------------------------------------


def prepare(members: int, reviewers: int) -> dict[str, Any]:
    """Migrate and fill the scratch database; sessions and drafts for the clients."""
    import django

    django.setup()
    from declarations import deadlines
    from organizations.models import Role
    from organizations.services import role_grant
    from scripts.scratch_branch import scratch_branch, signed_in_session

    today = deadlines.today()
    scratch = scratch_branch(
        code="ct",
        name="崩溃测试",
        people=members + reviewers + 1,
        password="Crash-test-2026",  # noqa: S106 - scratch accounts on loopback only
        drafted=members,
        late_months=DRAFTS,
        late_reason="崩溃测试",
    )
    people, drafts = scratch.people, scratch.drafts
    for _member, user in people[members:-1]:
        role_grant(user=user, organization=scratch.branch, role=Role.GROUP_MEMBER)
    recorder = people[-1][1]
    items = {str(year): list(item) for year, item in scratch.items.items()}
    return {
        "members": [
            {"pk": m.pk, "name": m.name, "session": signed_in_session(u), "drafts": drafts[m.pk]}
            for m, u in people[:members]
        ],
        "reviewers": [signed_in_session(u) for _m, u in people[members:-1]],
        "recorder": signed_in_session(recorder),
        "member_pks": [m.pk for m, _u in people[:members]],
        "items": items,
        "year": today.year,
        "month": today.month,
    }


def check(acked: dict[str, Any]) -> dict[str, Any]:
    """What the database holds of the acknowledged writes after the crashes."""
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from audit.models import AuditEvent
    from audit.services import audit_chain_check
    from core.idempotency import IdempotencyRecord
    from declarations.models import Declaration, DeclarationLine
    from ledger.models import Entry

    Status = Declaration.Status
    decided = {Status.RECOGNISED, Status.PARTLY_RECOGNISED, Status.REJECTED}
    status_of = dict(Declaration.objects.values_list("pk", "status"))
    posted = Counter(
        Entry.objects.filter(source_ref__startswith="declaration-line:", reverses__isnull=True)
        .values_list("source_ref", flat=True)
        .iterator()
    )
    lines_of: dict[int, list[int]] = {}
    for pk, declaration_id in DeclarationLine.objects.values_list("pk", "declaration_id"):
        lines_of.setdefault(declaration_id, []).append(pk)
    created = {tuple(row) for row in acked["created"]}
    lost = {
        "created": sum(1 for _m, _y, _mo, pk in created if pk not in status_of),
        "submitted": sum(
            1 for pk in acked["submitted"] if status_of.get(pk) in (None, Status.DRAFT)
        ),
        "recognised": sum(
            1
            for pk in acked["recognised"]
            if status_of.get(pk) not in decided
            or any(posted[f"declaration-line:{line}"] != 1 for line in lines_of.get(pk, []))
        ),
        "entries": 0,
    }
    by_reason = Counter(
        Entry.objects.filter(reason__startswith="crash-entry-").values_list("reason", flat=True)
    )
    lost["entries"] = sum(1 for reason in acked["entries"] if by_reason[reason] != 1)
    twice = (
        Declaration.objects.values("member_id", "year", "month")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    submitted_events = Counter(
        AuditEvent.objects.filter(action="declarations.declaration.submitted").values_list(
            "object_id", flat=True
        )
    )
    duplicated = {
        "declarations": sum(row["n"] - 1 for row in twice),
        "ledger_entries": sum(n - 1 for n in posted.values() if n > 1),
        "direct_entries": sum(n - 1 for n in by_reason.values() if n > 1),
        "submissions": sum(n - 1 for n in submitted_events.values() if n > 1),
    }
    report = audit_chain_check()
    integrity = "n/a"
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            integrity = ";".join(row[0] for row in cursor.execute("PRAGMA integrity_check"))
    return {
        "lost": lost,
        "duplicated": duplicated,
        "audit_rows": report.rows,
        "audit_intact": report.intact,
        "audit_break": report.first_break.describe() if report.first_break else "",
        "integrity": integrity,
        "keys": IdempotencyRecord.objects.count(),
        "declarations_decided": sum(1 for s in status_of.values() if s in decided),
        "vendor": connection.vendor,
    }


# --- gunicorn (scripts/serverkit.py) ----------------------------------------------------

GUNICORN_OPTIONS = [
    *("--workers", "2", "--worker-class", "gthread", "--threads", "4"),
    *("--timeout", "60", "--log-level", "warning"),
]


def scratch_database_url(folder: Path) -> tuple[str, str | None]:
    return serverkit.scratch_database_url(folder, "crash")


def start_gunicorn(port: int, env: dict[str, str], log: Any) -> subprocess.Popen:
    return serverkit.start_gunicorn(port, env, GUNICORN_OPTIONS, log)


def wait_answering(port: int, patience: float = 90.0) -> None:
    """Until the server answers a page (its workers have loaded the app): on a loaded
    machine that takes seconds after gunicorn starts accepting connections."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            connection = HTTPConnection(HOST, port, timeout=15)
            connection.request("GET", "/accounts/login/", headers={"Host": HOST})
            if connection.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn on port {port} answered nothing for {patience:.0f} s")


def kill(server: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    stop(server, sig)


# --- the HTTP client -------------------------------------------------------------------


class Unreachable(Exception):
    """The server did not answer within the client's patience."""


class Client:
    """One signed-in browser; a request that fails in transport is sent again, unchanged
    (for a POST: with the same idempotency key), until an answer comes or time is up."""

    def __init__(self, port: int, session: str, until: float) -> None:
        self.port, self.session, self.until = port, session, until
        self.retries = 0
        self.recovered = 0  # retried posts answered from their key: done before a kill

    def send(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        all_headers = {"Cookie": f"sessionid={self.session}; csrftoken={CSRF}", "Host": HOST}
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            all_headers["X-CSRFToken"] = CSRF
        all_headers.update(headers or {})
        while True:
            connection = HTTPConnection(HOST, self.port, timeout=15)
            try:
                connection.request(method, path, body=body, headers=all_headers)
                response = connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                if response.status < 500:
                    return response.status, response.getheader("Location") or "", text, response
            except OSError:  # refused, reset, cut off: the server is down or restarting
                pass
            finally:
                connection.close()
            if time.monotonic() > self.until:
                raise Unreachable(f"{method} {path}")
            self.retries += 1
            time.sleep(0.1)

    def post(self, path: str, fields: list[tuple[str, str]], key: str):
        body = urlencode([("csrfmiddlewaretoken", CSRF), *fields]).encode()
        retries = self.retries
        answer = self.send("POST", path, body, {"Idempotency-Key": key})
        if self.retries > retries and answer[3].getheader("Idempotent-Replay"):
            self.recovered += 1
        return answer


VERSION_RE = re.compile(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"')
INITIAL_RE = re.compile(
    r'name="lines-INITIAL_FORMS"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="lines-INITIAL_FORMS"'
)


def found(pattern: re.Pattern, text: str) -> str | None:
    match = pattern.search(text)
    return next((g for g in match.groups() if g), None) if match else None


def offered_item(page: str, items: dict[str, list[Any]]) -> str:
    """The first of our items offered on the page (the scheme of the declaration's year)."""
    offered = set(re.findall(r'<option value="(\d+)"', page))
    pks = [str(pk) for pk, _points in items.values()]
    return next((pk for pk in pks if pk in offered), pks[0])


def _main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    command, path = sys.argv[1], Path(sys.argv[2])
    if command == "prepare":
        members, reviewers = int(sys.argv[3]), int(sys.argv[4])
        path.write_text(json.dumps(prepare(members, reviewers)))
    elif command == "check":
        print(json.dumps(check(json.loads(path.read_text()))))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    _main()
