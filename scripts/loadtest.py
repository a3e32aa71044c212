"""`make loadtest`: month-end load on the real app under gunicorn (issue 7, part 1).

What it does, all on loopback, bounded in time, stopping by itself:

1. A scratch database: a file in a new folder under var/loadtest/ on SQLite (the
   default), or `<name>_loadtest` created fresh on the same server when DATABASE_URL is
   PostgreSQL; both (and the uploaded evidence) are removed at the end unless --keep.
   It is migrated and filled through the ORM and the organisation services: one
   committee, one branch, 200 members with accounts (one password hash, set once and
   copied) and 3 reviewers (assessment-group members of the branch). Every member gets a
   signed-in session row beforehand (a "force login": the same session a sign-in makes).
2. gunicorn serves `config.wsgi` with config.settings.loadtest on 127.0.0.1:<free port>.
3. This process drives it with asyncio (the standard library's http.client in threads,
   no extra package): 200 members at once submit declarations with a small PNG through
   the real pages (GET the edit page, POST its form with a line, an item, the evidence
   and "then=submit"), while 3 reviewers read the waiting queue, open each declaration's
   review page and recognise every line. Then the same 200 clients POST the floor view
   `/_loadtest/floor/` (one inserted row) for a few seconds.

Months. A member has one declaration per month (a unique constraint), and members may
only start this month's by themselves. So each member first starts the current month's
declaration through the "declare" page, and the months of the previous and current year
before it are opened in advance as late declarations (as the recorder would, written
through the ORM with the late-opening fields). A member works through those drafts,
newest first; a member with none left stops.

The last line printed is JSON: requests, errors (transport failures and unexpected
statuses), duplicates (declarations counted twice for one member and month, plus ledger
entries posted twice for one declaration line), p50_ms / p95_ms of all requests,
declarations_per_second (declarations submitted during the run), floor_rps and
throughput_ratio = declarations_per_second / floor_rps. Goal: 0 errors, 0 duplicates,
throughput_ratio >= 0.5.

    .venv/bin/python scripts/loadtest.py [--seconds 60] [--members 200] [--floor-seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REVIEWERS = 3
CSRF = "loadtestcsrfsecret0123456789abcd"  # 32 characters: an unmasked CSRF secret
PASSWORD = "Loadtest-2026-pass"  # noqa: S105 - scratch accounts on loopback only


# --- the scratch database ------------------------------------------------------------


def scratch_database_url(folder: Path) -> tuple[str, str | None]:
    """(url, postgres database name or None) beside the configured database."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        base, _, name = url.rpartition("/")
        name = name.split("?")[0] or "jifen"
        scratch = f"{name}_loadtest"
        return f"{base}/{quote(scratch, safe='')}", scratch
    return f"sqlite:///{folder / 'loadtest.sqlite3'}", None


def postgres_admin(name: str, *statements: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    server: dict[str, Any] = {
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or "localhost",
        "port": config.get("PORT") or 5432,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        for statement in statements:
            admin.execute(sql.SQL(statement).format(sql.Identifier(name)))


@dataclass
class Actor:
    name: str
    session: str
    drafts: list[int] = field(default_factory=list)
    member_pk: int = 0


def prepare(members: int) -> tuple[list[Actor], list[Actor], dict[int, tuple[int, str]]]:
    """Migrate and fill the scratch database; (members, reviewers, item pk by year)."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from core.periods import Month
    from declarations import deadlines
    from declarations.models import Declaration
    from declarations.services import profile_header
    from organizations.models import Member, Organization, Role
    from organizations.services import member_create, organization_save, role_grant
    from rules.models import Item, PointsKind, Section
    from rules.services import scheme_for_year

    call_command("migrate", interactive=False, verbosity=0)
    committee, _ = organization_save(
        code="lt", name="压力测试党委", kind=Organization.Kind.COMMITTEE, parent=None
    )
    branch, _ = organization_save(
        code="lt1", name="压力测试支部", kind=Organization.Kind.BRANCH, parent=committee
    )
    today = deadlines.today()
    items: dict[int, tuple[int, str]] = {}
    for year in (today.year - 1, today.year):
        scheme = scheme_for_year(branch=branch, year=year)
        item = (
            Item.objects.filter(
                scheme=scheme,
                section=Section.DEDICATION,
                is_retired=False,
                points_kind=PointsKind.RANGE,
                points_min__gt=0,
                cap_month__isnull=True,
                cap_year__isnull=True,
            )
            .order_by("order", "pk")
            .first()
        )
        if item is None:
            raise SystemExit(f"No uncapped range dedication item in the {year} scheme.")
        items[year] = (item.pk, str(item.points_min))

    hasher = User(username="x")
    hasher.set_password(PASSWORD)
    people = []
    for index in range(members + REVIEWERS):
        member = member_create(branch=branch, name=f"党员{index:03d}")
        user = User.objects.create(
            username=f"lt{index:03d}",
            password=hasher.password,
            first_name=member.name,
            must_change_password=False,
        )
        Member.objects.filter(pk=member.pk).update(user=user)
        member.user = user
        people.append((member, user))
    recorder = people[-1][1]
    role_grant(user=recorder, organization=branch, role=Role.RECORDER)
    for _member, user in people[members:]:
        role_grant(user=user, organization=branch, role=Role.GROUP_MEMBER)

    # Earlier months, opened in advance as late declarations (see the module's docstring).
    this = Month(today.year, today.month)
    months, month = [], deadlines.previous(this)
    while month.year >= today.year - 1:
        months.append(month)
        month = deadlines.previous(month)
    now = timezone.now()
    Declaration.objects.bulk_create(
        Declaration(
            member=member,
            branch_id=branch.pk,
            year=m.year,
            month=m.month,
            late_opened_by=recorder,
            late_opened_at=now,
            late_reason="压力测试",
            **profile_header(member),
        )
        for member, _user in people[:members]
        for m in months
    )
    drafts: dict[int, list[int]] = {}
    for pk, member_id in Declaration.objects.order_by("-year", "-month").values_list(
        "pk", "member_id"
    ):
        drafts.setdefault(member_id, []).append(pk)

    def session_for(user: User) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key or ""

    actors = [
        Actor(m.name, session_for(u), drafts.get(m.pk, []), m.pk) for m, u in people[:members]
    ]
    reviewers = [Actor(m.name, session_for(u), [], m.pk) for m, u in people[members:]]
    from django.db import connections

    connections.close_all()
    return actors, reviewers, items


def duplicates() -> int:
    from django.db.models import Count

    from declarations.models import Declaration
    from ledger.models import Entry

    twice = (
        Declaration.objects.values("member_id", "year", "month")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    posted = (
        Entry.objects.filter(source_ref__startswith="declaration-line:")
        .filter(reverses__isnull=True)
        .values("source_ref")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    return sum(row["n"] - 1 for row in twice) + sum(row["n"] - 1 for row in posted)


# --- the HTTP client -------------------------------------------------------------------


def png(size: int = 64) -> bytes:
    """A valid PNG of a few KB (noise, so that it does not compress away)."""
    rng = random.Random(7)  # noqa: S311 - test data
    raw = b"".join(
        b"\x00" + bytes(rng.getrandbits(8) for _ in range(size * 3)) for _ in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> tuple:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, filename, data in files:
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.requests = 0
        self.error_samples: list[str] = []
        self.submitted = 0
        self.recognised = 0

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(text)


class Client:
    def __init__(self, port: int, session: str, stats: Stats) -> None:
        self.port, self.session, self.stats = port, session, stats

    def _call(self, method: str, path: str, body: bytes | None, ctype: str | None) -> tuple:
        headers = {"Cookie": f"sessionid={self.session}; csrftoken={CSRF}", "Host": HOST}
        if ctype:
            headers["Content-Type"] = ctype
            headers["X-CSRFToken"] = CSRF
        started = time.perf_counter()
        connection = HTTPConnection(HOST, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            return response.status, response.getheader("Location") or "", text, started
        finally:
            connection.close()

    async def request(
        self, method: str, path: str, body: bytes | None = None, ctype: str | None = None
    ) -> tuple[int, str, str]:
        self.stats.requests += 1
        try:
            status, location, text, started = await asyncio.to_thread(
                self._call, method, path, body, ctype
            )
        except OSError as exc:
            self.stats.error(f"{method} {path}: {exc!r}")
            return 0, "", ""
        self.stats.latencies.append((time.perf_counter() - started) * 1000)
        return status, location, text

    async def expect(self, status: int, method: str, path: str, *args: object) -> tuple[str, str]:
        got, location, text = await self.request(method, path, *args)  # type: ignore[arg-type]
        if got != status:
            if got:
                self.stats.error(f"{method} {path}: {got} {location}")
            return "", ""
        return location, text


VERSION_RE = re.compile(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"')
INITIAL_RE = re.compile(
    r'name="lines-INITIAL_FORMS"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="lines-INITIAL_FORMS"'
)


def _found(pattern: re.Pattern, text: str) -> str | None:
    match = pattern.search(text)
    return next((g for g in match.groups() if g), None) if match else None


async def member_loop(
    client: Client,
    actor: Actor,
    items: dict[int, tuple[int, str]],
    evidence: bytes,
    until: float,
    year: int,
) -> None:
    # This month's declaration through the "declare" page, then the drafts opened before.
    today = time.localtime()
    body = urlencode({"month": f"{today.tm_year}-{today.tm_mon:02d}", "csrfmiddlewaretoken": CSRF})
    location, _ = await client.expect(
        302, "POST", "/declarations/new/", body.encode(), "application/x-www-form-urlencoded"
    )
    match = re.search(r"/declarations/(\d+)/", location)
    queue = ([(int(match.group(1)), year)] if match else []) + [(pk, 0) for pk in actor.drafts]
    for pk, _year in queue:
        if time.monotonic() >= until:
            return
        _, page = await client.expect(200, "GET", f"/declarations/{pk}/edit/")
        version = _found(VERSION_RE, page)
        if version is None:
            client.stats.error(f"no version on /declarations/{pk}/edit/")
            continue
        item = _item_on_page(page, items)
        fields = [
            ("csrfmiddlewaretoken", CSRF),
            ("version", version),
            ("name", actor.name),
            ("lines-TOTAL_FORMS", "1"),
            ("lines-INITIAL_FORMS", _found(INITIAL_RE, page) or "1"),
            ("lines-MIN_NUM_FORMS", "0"),
            ("lines-MAX_NUM_FORMS", "30"),
            ("lines-0-id", ""),
            ("lines-0-description", "月末集中申报：参加社区志愿服务两小时。"),
            ("lines-0-suggested_item", str(item)),
            ("then", "submit"),
        ]
        data, ctype = multipart(fields, [("lines-0-evidence", "photo.png", evidence)])
        location, _ = await client.expect(302, "POST", f"/declarations/{pk}/edit/", data, ctype)
        if location.rstrip("/").endswith(f"/declarations/{pk}"):
            client.stats.submitted += 1
        elif location:
            client.stats.error(f"edit {pk} went to {location}")


def _item_on_page(page: str, items: dict[int, tuple[int, str]]) -> int:
    """The first of our items offered on the edit page (the scheme of the declaration's year)."""
    offered = set(re.findall(r'<option value="(\d+)"', page))
    pks = [pk for pk, _points in items.values()]
    return next((pk for pk in pks if str(pk) in offered), pks[0])


async def reviewer_loop(client: Client, index: int, until: float, items: dict) -> None:
    points = dict(items.values())
    while time.monotonic() < until:
        _, page = await client.expect(200, "GET", "/declarations/review/?status=waiting")
        waiting = sorted({int(pk) for pk in re.findall(r"/declarations/(\d+)/review/", page)})
        mine = [pk for pk in waiting if pk % REVIEWERS == index]
        if not mine:
            await asyncio.sleep(0.2)
            continue
        for pk in mine:
            if time.monotonic() >= until:
                return
            _, page = await client.expect(200, "GET", f"/declarations/{pk}/review/")
            version = _found(VERSION_RE, page)
            lines = sorted(set(re.findall(r'name="l(\d+)-action"', page)))
            if version is None or not lines:
                continue  # decided meanwhile, or not ours to decide
            fields = [("csrfmiddlewaretoken", CSRF), ("version", version)]
            for line in lines:
                select = re.search(rf'name="l{line}-item".*?</select>', page, re.S)
                chosen = (
                    re.search(r'<option value="(\d+)"[^>]*selected', select.group(0))
                    if select
                    else None
                )
                if chosen is None or int(chosen.group(1)) not in points:
                    client.stats.error(f"no suggested item on review {pk}")
                    break
                fields += [
                    (f"l{line}-action", "recognise"),
                    (f"l{line}-item", chosen.group(1)),
                    (f"l{line}-points", points[int(chosen.group(1))]),
                    (f"l{line}-reason", ""),
                ]
            else:
                location, _ = await client.expect(
                    302,
                    "POST",
                    f"/declarations/{pk}/review/",
                    urlencode(fields).encode(),
                    "application/x-www-form-urlencoded",
                )
                if location:
                    client.stats.recognised += 1


async def floor_loop(client: Client, until: float, counter: list[int]) -> None:
    body = urlencode({"csrfmiddlewaretoken": CSRF}).encode()
    while time.monotonic() < until:
        _, text = await client.expect(
            200, "POST", "/_loadtest/floor/", body, "application/x-www-form-urlencoded"
        )
        if text == "ok":
            counter[0] += 1


async def drive(port: int, actors, reviewers, items, seconds: float, floor_seconds: float):
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=len(actors) + len(reviewers) + 8)
    )
    stats = Stats()
    evidence = png()
    year = time.localtime().tm_year
    started = time.monotonic()
    until = started + seconds
    await asyncio.gather(
        *(
            member_loop(Client(port, a.session, stats), a, items, evidence, until, year)
            for a in actors
        ),
        *(
            reviewer_loop(Client(port, r.session, stats), i, until, items)
            for i, r in enumerate(reviewers)
        ),
    )
    elapsed = time.monotonic() - started
    floor_stats = Stats()
    counter = [0]
    floor_started = time.monotonic()
    floor_until = floor_started + floor_seconds
    await asyncio.gather(
        *(floor_loop(Client(port, a.session, floor_stats), floor_until, counter) for a in actors)
    )
    floor_elapsed = time.monotonic() - floor_started
    return stats, elapsed, floor_stats, counter[0] / floor_elapsed


# --- gunicorn --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, env: dict[str, str], workers: int, threads: int) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--backlog",
        "2048",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited at start")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise SystemExit("gunicorn did not start within 30 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(fraction * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--floor-seconds", type=float, default=5)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and files")
    options = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    folder = ROOT / "var" / "loadtest" / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    folder.mkdir(parents=True)
    url, postgres_name = scratch_database_url(folder)
    drop = "DROP DATABASE IF EXISTS {} WITH (FORCE)"
    if postgres_name:
        postgres_admin(postgres_name, drop, "CREATE DATABASE {}")
    env = dict(
        os.environ,
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.loadtest",
        JIFEN_MEDIA_ROOT=str(folder / "media"),
        JIFEN_PRIVATE_MEDIA_ROOT=str(folder / "private"),
    )
    os.environ.update(env)
    print(f"scratch database: {url}", file=sys.stderr)
    actors, reviewers, items = prepare(options.members)
    port = free_port()
    server = start_gunicorn(port, env, options.workers, options.threads)
    try:
        stats, elapsed, floor_stats, floor_rps = asyncio.run(
            drive(port, actors, reviewers, items, options.seconds, options.floor_seconds)
        )
    finally:
        stop(server)
    for sample in stats.error_samples + floor_stats.error_samples:
        print(f"error: {sample}", file=sys.stderr)
    print(
        f"submitted {stats.submitted}, recognised {stats.recognised} in {elapsed:.1f} s",
        file=sys.stderr,
    )
    latencies = stats.latencies + floor_stats.latencies
    per_second = stats.submitted / elapsed if elapsed else 0.0
    result = {
        "requests": stats.requests + floor_stats.requests,
        "errors": stats.errors + floor_stats.errors,
        "duplicates": duplicates(),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "declarations_per_second": round(per_second, 2),
        "floor_rps": round(floor_rps, 2),
        "throughput_ratio": round(per_second / floor_rps, 3) if floor_rps else 0.0,
    }
    if not options.keep:
        from django.db import connections

        connections.close_all()
        if postgres_name:
            postgres_admin(postgres_name, drop)
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
