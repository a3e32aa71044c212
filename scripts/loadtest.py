"""`make loadtest`: month-end load on the real app under gunicorn (issue 7, part 1).

What it does, all on loopback, bounded in time, stopping by itself:

1. A scratch database: a file in a new folder under var/loadtest/ on SQLite (the
   default), or `<name>_loadtest` created fresh on the same server when DATABASE_URL is
   PostgreSQL; both (and the uploaded evidence) are removed at the end unless --keep.
   It is migrated and filled through the ORM and the organisation services: one
   committee, one branch, 200 members with accounts (one password hash, set once and
   copied) and 3 reviewers (assessment-group members of the branch). Every member gets a
   signed-in session row beforehand (a "force login": the same session a sign-in makes).
2. gunicorn serves `config.wsgi` with config.settings.loadtest on 127.0.0.1:<free port>:
   2 x cores + 1 sync workers by default (--workers, --worker-class, --threads), each
   keeping its database connection (CONN_MAX_AGE), as the README's deployment section says.
3. This process drives it with plain asyncio streams (no extra package, one thread): each
   request opens its own connection, as nginx does towards gunicorn. For --seconds, 200
   members submit declarations with a small PNG through the real pages while 3 reviewers
   recognise them; then the same 200 clients POST the floor view `/_loadtest/floor/`
   (one inserted row, through the same middleware) for --floor-seconds.

What one declaration costs a member (a browser's requests, all counted):
GET its edit form, POST the form (a line, an item, the evidence and "then=submit": saved
and submitted in one request), GET the declaration's page the answer redirects to (a
browser follows the redirect; the page shows the result). So 3 requests, plus once per
member the "declare" POST that starts this month's declaration. A member's browser keeps
its session and CSRF cookies; it does not sign in again.

A recognition costs a reviewer: GET the review page, POST every line recognised with its
suggested item's points, GET the queue that answer redirects to (read for the next one).
Each reviewer takes the waiting declarations whose pk modulo 3 is theirs. Every client
waits for each answer before its next request (no think time): the server is saturated,
and a reviewer's request queues behind the members' like any other, which is why the
reviewers recognise far fewer declarations than the members submit.

Idempotency: every POST (the floor's too) carries a fresh `Idempotency-Key` header (uuid4);
a transport failure or 502/503/504 is retried up to 3 times with the same key. With
core.idempotency's middleware a retry is answered from the first attempt; without it the
app's own version checks make a repeated submission or decision a no-op.

Months. A member has one declaration per month (a unique constraint), and members may
only start this month's by themselves. So each member first starts the current month's
declaration through the "declare" page, and the months of the previous and current year
before it are opened in advance as late declarations (as the recorder would, written
through the ORM with the late-opening fields). A member works through those drafts,
newest first; a member with none left stops.

stderr shows the latency of each kind of request and the processor time per declaration
and per floor request: the gunicorn processes ("server"), PostgreSQL's processes
("database", on PostgreSQL: all its processes), this client, and the rest of the machine
("other": the machine is shared). The last line printed is JSON: requests, errors
(transport failures, unexpected statuses, retries included), duplicates (declarations
counted twice for one member and month, plus ledger entries posted twice for one
declaration line), lost (acknowledged submissions or recognitions the database does not
hold), p50_ms / p95_ms of all requests, declarations (submissions acknowledged),
member_requests_per_declaration, declarations_per_second and recognitions_per_second,
floor_rps and throughput_ratio = declarations_per_second / floor_rps, member_rps (the
members' requests answered per second in the window: declare, edit form, save and submit,
declaration page) and request_ratio = member_rps / floor_rps, what a user feels per
request against the floor (goal >= 0.4). A declaration is
counted when the page after its submission has arrived; the rates are those of the steady
state (see Window: the last two thirds of --seconds, the last four fifths of
--floor-seconds). Goal: 0 errors, 0 duplicates, 0 lost, request_ratio >= 0.4.

    .venv/bin/python scripts/loadtest.py [--seconds 60] [--members 200] [--floor-seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import statistics
import struct
import sys
import time
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python scripts/loadtest.py`
    sys.path.insert(0, str(ROOT))

from scripts.serverkit import (  # noqa: E402
    HOST,
    free_port,
    postgres_admin,
    scratch_database_url,
    start_gunicorn,
    stop,
)

REVIEWERS = 3
CSRF = "loadtestcsrfsecret0123456789abcd"  # 32 characters: an unmasked CSRF secret
PASSWORD = "Loadtest-2026-pass"  # noqa: S105 - scratch accounts on loopback only


# --- the scratch database ------------------------------------------------------------


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
    from django.db import connections

    from declarations import deadlines
    from organizations.models import Role
    from organizations.services import role_grant
    from scripts.scratch_branch import scratch_branch, signed_in_session

    today = deadlines.today()
    scratch = scratch_branch(
        code="lt",
        name="压力测试",
        people=members + REVIEWERS,
        password=PASSWORD,
        drafted=members,
        late_months=12 + today.month - 1,  # back to January of last year
        late_reason="压力测试",
    )
    people = scratch.people
    for _member, user in people[members:]:
        role_grant(user=user, organization=scratch.branch, role=Role.GROUP_MEMBER)
    actors = [
        Actor(m.name, signed_in_session(u), scratch.drafts.get(m.pk, []), m.pk)
        for m, u in people[:members]
    ]
    reviewers = [Actor(m.name, signed_in_session(u), [], m.pk) for m, u in people[members:]]
    connections.close_all()
    return actors, reviewers, scratch.items


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


FORM = "application/x-www-form-urlencoded"
RETRIES = 3  # a transport failure or 502/503/504 is retried, a POST with the same key
TIMEOUT = 120.0


class Stats:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.requests = 0
        self.errors = 0
        self.retries = 0
        self.error_samples: list[str] = []
        self.submitted: set[int] = set()  # declarations whose submission was acknowledged
        self.recognised: set[int] = set()  # declarations whose recognition was acknowledged
        self.declared_at: list[float] = []  # when each declaration's last request was answered
        self.recognised_at: list[float] = []  # when each recognition was acknowledged
        self.floor_at: list[float] = []  # when each floor insert was answered
        self.member_at: list[float] = []  # when each member request was answered as expected

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(text)

    def all_latencies(self) -> list[float]:
        return [ms for values in self.latencies.values() for ms in values]


@dataclass
class Response:
    status: int
    location: str
    text: str


def _dechunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


class Client:
    """One signed-in browser: its session and CSRF cookies, one request at a time.

    Each request opens its own connection and reads the answer to its end (what nginx
    does towards gunicorn); plain asyncio streams, so 200 clients cost one thread."""

    def __init__(self, port: int, session: str, stats: Stats) -> None:
        self.port, self.session, self.stats = port, session, stats

    async def _once(self, method: str, path: str, body: bytes | None, headers: list[str]) -> tuple:
        reader, writer = await asyncio.open_connection(HOST, self.port)
        try:
            head = [
                f"{method} {path} HTTP/1.1",
                f"Host: {HOST}:{self.port}",
                "Connection: close",
                f"Cookie: sessionid={self.session}; csrftoken={CSRF}",
                *headers,
            ]
            if body is not None:
                head.append(f"Content-Length: {len(body)}")
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (body or b""))
            raw = await reader.read()
        finally:
            writer.close()
        header_block, _, content = raw.partition(b"\r\n\r\n")
        lines = header_block.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        if fields.get("transfer-encoding", "").lower() == "chunked":
            content = _dechunk(content)
        return status, fields.get("location", ""), content.decode("utf-8", "replace")

    async def call(
        self,
        kind: str,
        method: str,
        path: str,
        body: bytes | None = None,
        ctype: str | None = None,
        expect: int = 200,
    ) -> Response | None:
        """The answer if it has the expected status; a POST carries a fresh idempotency
        key, and a retry (transport failure, 502/503/504) sends the same key again."""
        headers = []
        if method == "POST":
            headers += [
                f"Content-Type: {ctype or FORM}",
                f"X-CSRFToken: {CSRF}",
                f"Idempotency-Key: {uuid.uuid4()}",
            ]
        for attempt in range(RETRIES + 1):
            if attempt:
                self.stats.retries += 1
                await asyncio.sleep(0.5 * attempt)
            self.stats.requests += 1
            started = time.perf_counter()
            try:
                status, location, text = await asyncio.wait_for(
                    self._once(method, path, body, headers), TIMEOUT
                )
            except (OSError, TimeoutError, ValueError, IndexError) as exc:
                self.stats.error(f"{method} {path}: {exc!r}")
                continue
            self.stats.latencies.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            if status in (502, 503, 504):
                self.stats.error(f"{method} {path}: {status}")
                continue
            if status != expect:
                self.stats.error(f"{method} {path}: {status} {location} {text[:200]!r}")
                return None
            if kind in MEMBER_KINDS:
                self.stats.member_at.append(time.monotonic())
            return Response(status, urlsplit(location).path if location else "", text)
        return None


VERSION_RE = re.compile(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"')
INITIAL_RE = re.compile(
    r'name="lines-INITIAL_FORMS"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="lines-INITIAL_FORMS"'
)
QUEUE = "/declarations/review/?status=waiting"
# The requests a member's browser makes (request_ratio counts these per second).
MEMBER_KINDS = ("declare", "edit form", "save and submit", "declaration page")


def _found(pattern: re.Pattern, text: str) -> str | None:
    match = pattern.search(text)
    return next((g for g in match.groups() if g), None) if match else None


async def member_loop(
    client: Client,
    actor: Actor,
    items: dict[int, tuple[int, str]],
    evidence: bytes,
    until: float,
    delay: float,
) -> None:
    """This month's declaration through the "declare" button, then the drafts opened
    before; each one: its edit form (GET), the form posted with "then=submit", and the
    declaration's page the answer redirects to (GET, as a browser follows it)."""
    await asyncio.sleep(delay)
    today = time.localtime()
    body = urlencode({"month": f"{today.tm_year}-{today.tm_mon:02d}", "csrfmiddlewaretoken": CSRF})
    created = await client.call("declare", "POST", "/declarations/new/", body.encode(), expect=302)
    match = re.fullmatch(r"/declarations/(\d+)/edit/", created.location if created else "")
    queue = ([int(match.group(1))] if match else []) + list(actor.drafts)
    for pk in queue:
        if time.monotonic() >= until:
            return
        form = await client.call("edit form", "GET", f"/declarations/{pk}/edit/")
        if form is None:
            continue
        version = _found(VERSION_RE, form.text)
        if version is None:
            client.stats.error(f"no version on /declarations/{pk}/edit/")
            continue
        fields = [
            ("csrfmiddlewaretoken", CSRF),
            ("version", version),
            ("name", actor.name),
            ("lines-TOTAL_FORMS", "1"),
            ("lines-INITIAL_FORMS", _found(INITIAL_RE, form.text) or "1"),
            ("lines-MIN_NUM_FORMS", "0"),
            ("lines-MAX_NUM_FORMS", "30"),
            ("lines-0-id", ""),
            ("lines-0-description", "月末集中申报：参加社区志愿服务两小时。"),
            ("lines-0-suggested_item", str(_item_on_page(form.text, items))),
            ("then", "submit"),
        ]
        data, ctype = multipart(fields, [("lines-0-evidence", "photo.png", evidence)])
        answer = await client.call(
            "save and submit", "POST", f"/declarations/{pk}/edit/", data, ctype, expect=302
        )
        if answer is None:
            continue
        if answer.location != f"/declarations/{pk}/":
            client.stats.error(f"edit {pk} went to {answer.location}")
            continue
        client.stats.submitted.add(pk)
        if await client.call("declaration page", "GET", answer.location):
            client.stats.declared_at.append(time.monotonic())


def _item_on_page(page: str, items: dict[int, tuple[int, str]]) -> int:
    """The first of our items offered on the edit page (the scheme of the declaration's year)."""
    offered = set(re.findall(r'<option value="(\d+)"', page))
    pks = [pk for pk, _points in items.values()]
    return next((pk for pk in pks if str(pk) in offered), pks[0])


def _recognise_fields(page: str, points: dict[int, str]) -> list[tuple[str, str]] | None:
    """Every line of the review page recognised with its suggested item's points."""
    version = _found(VERSION_RE, page)
    lines = sorted(set(re.findall(r'name="l(\d+)-action"', page)))
    if version is None or not lines:
        return None  # decided meanwhile
    fields = [("csrfmiddlewaretoken", CSRF), ("version", version)]
    for line in lines:
        select = re.search(rf'name="l{line}-item".*?</select>', page, re.S)
        chosen = (
            re.search(r'<option value="(\d+)"[^>]*selected', select.group(0)) if select else None
        )
        if chosen is None or int(chosen.group(1)) not in points:
            return []
        fields += [
            (f"l{line}-action", "recognise"),
            (f"l{line}-item", chosen.group(1)),
            (f"l{line}-points", points[int(chosen.group(1))]),
            (f"l{line}-reason", ""),
        ]
    return fields


async def reviewer_loop(client: Client, index: int, until: float, items: dict) -> None:
    """The waiting queue; each declaration of this reviewer's share (pk modulo the number
    of reviewers, so that they do not take the same one): its review page (GET), every
    line recognised (POST), and the queue the answer redirects to (GET), read for the next."""
    points = dict(items.values())
    skipped: set[int] = set()  # not decidable by this reviewer as shown: not tried again
    queue = await client.call("queue", "GET", QUEUE)
    while time.monotonic() < until:
        waiting = sorted(
            {
                int(pk)
                for pk in re.findall(r"/declarations/(\d+)/review/", queue.text if queue else "")
            }
        )
        mine = [
            pk
            for pk in waiting
            if pk % REVIEWERS == index and pk not in client.stats.recognised | skipped
        ]
        if not mine:
            await asyncio.sleep(0.5)
            queue = await client.call("queue", "GET", QUEUE)
            continue
        pk = mine[0]
        page = await client.call("review page", "GET", f"/declarations/{pk}/review/")
        fields = _recognise_fields(page.text, points) if page else None
        if fields == []:
            client.stats.error(f"no suggested item on review {pk}")
        if not fields:
            skipped.add(pk)
            queue = await client.call("queue", "GET", QUEUE)
            continue
        answer = await client.call(
            "recognise",
            "POST",
            f"/declarations/{pk}/review/",
            urlencode(fields).encode(),
            expect=302,
        )
        if answer is None:
            queue = await client.call("queue", "GET", QUEUE)
            continue
        client.stats.recognised.add(pk)
        client.stats.recognised_at.append(time.monotonic())
        queue = await client.call("queue", "GET", answer.location or QUEUE)


async def floor_loop(client: Client, until: float, delay: float) -> None:
    await asyncio.sleep(delay)
    body = urlencode({"csrfmiddlewaretoken": CSRF}).encode()
    while time.monotonic() < until:
        answer = await client.call("floor", "POST", "/_loadtest/floor/", body)
        if answer is not None and answer.text == "ok":
            client.stats.floor_at.append(time.monotonic())


# --- where the processor time goes -------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(match) -> float:
    """Processor seconds (own and reaped children's) of the processes `match` selects."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        if match(comm, int(fields[2])):  # fields[2]: process group
            total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / TICK


def _machine_busy() -> float:
    """Processor seconds the whole machine spent busy (all processes, both cores)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICK


@dataclass
class Cpu:
    server: float
    database: float
    client: float
    machine: float

    @classmethod
    def now(cls, server_group: int) -> Cpu:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        postgres = os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://"))
        return cls(
            server=_proc_cpu(lambda comm, group: group == server_group),
            database=_proc_cpu(lambda comm, group: comm.startswith("postgres")) if postgres else 0,
            client=usage.ru_utime + usage.ru_stime,
            machine=_machine_busy(),
        )

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(
            self.server - other.server,
            self.database - other.database,
            self.client - other.client,
            self.machine - other.machine,
        )

    def per(self, count: int) -> dict[str, float]:
        """Milliseconds per unit; "other" is what the rest of the machine used meanwhile."""
        if not count:
            return {}
        other = self.machine - self.server - self.database - self.client
        return {
            name: round(value * 1000 / count, 2)
            for name, value in (
                ("server", self.server),
                ("database", self.database),
                ("client", self.client),
                ("other", max(other, 0.0)),
            )
        }


async def drive(port: int, server_group: int, actors, reviewers, items, seconds, floor_seconds):
    """The load for `seconds`, then the floor for `floor_seconds`; see Window."""
    stats = Stats()
    evidence = png()
    rng = random.Random(11)  # noqa: S311 - start times
    cpu = Cpu.now(server_group)
    started = time.monotonic()
    until = started + seconds
    ramp = min(10.0, seconds / 6)
    await asyncio.gather(
        *(
            member_loop(
                Client(port, a.session, stats), a, items, evidence, until, rng.uniform(0, ramp)
            )
            for a in actors
        ),
        *(
            reviewer_loop(Client(port, r.session, stats), i, until, items)
            for i, r in enumerate(reviewers)
        ),
    )
    elapsed = time.monotonic() - started
    cpu_load = Cpu.now(server_group) - cpu
    floor_stats = Stats()
    cpu = Cpu.now(server_group)
    floor_started = time.monotonic()
    floor_until = floor_started + floor_seconds
    await asyncio.gather(
        *(
            floor_loop(Client(port, a.session, floor_stats), floor_until, rng.uniform(0, 1.0))
            for a in actors
        )
    )
    floor_elapsed = time.monotonic() - floor_started
    cpu_floor = Cpu.now(server_group) - cpu
    return Run(
        stats=stats,
        window=Window(started + seconds / 3, until),
        elapsed=elapsed,
        cpu=cpu_load,
        floor_stats=floor_stats,
        floor_window=Window(floor_started + floor_seconds / 5, floor_until),
        floor_elapsed=floor_elapsed,
        floor_cpu=cpu_floor,
    )


@dataclass
class Window:
    """Where a rate is counted: the steady state. Clients start at random moments over
    the first seconds (the members over min(10 s, --seconds / 6), the floor's over 1 s),
    so that 200 of them do not move in step and answers arrive spread out; the first
    third of --seconds (a fifth of --floor-seconds) is left out as the ramp. What is under
    way when the window ends is finished (its processor time counted) but not counted."""

    start: float
    end: float

    def rate(self, times: list[float]) -> float:
        return sum(1 for t in times if self.start <= t <= self.end) / (self.end - self.start)


@dataclass
class Run:
    stats: Stats
    window: Window
    elapsed: float  # the whole load phase, the finishing of what was under way included
    cpu: Cpu
    floor_stats: Stats
    floor_window: Window
    floor_elapsed: float
    floor_cpu: Cpu


# --- gunicorn --------------------------------------------------------------------------


def gunicorn_options(options: Any) -> list[str]:
    return [
        *("--workers", str(options.workers), "--worker-class", options.worker_class),
        *("--threads", str(options.threads), "--backlog", "2048"),
        *("--timeout", "120", "--log-level", "warning"),
    ]


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(fraction * 100) - 1]


def lost(submitted: set[int], recognised: set[int]) -> int:
    """Acknowledged writes the database does not hold: a submission still a draft, a
    recognition still waiting."""
    from declarations.models import Declaration

    Status = Declaration.Status
    drafts = Declaration.objects.filter(pk__in=submitted, status=Status.DRAFT).count()
    undecided = Declaration.objects.filter(
        pk__in=recognised, status__in=[Status.SUBMITTED, Status.UNDER_REVIEW]
    ).count()
    return drafts + undecided


def report_kinds(stats: Stats) -> None:
    for kind, values in stats.latencies.items():
        print(
            f"  {kind:17s} {len(values):6d} requests  p50 {percentile(values, 0.5):8.1f} ms"
            f"  p95 {percentile(values, 0.95):8.1f} ms",
            file=sys.stderr,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--floor-seconds", type=float, default=10)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1, help="per worker (gthread only)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and files")
    options = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    folder = ROOT / "var" / "loadtest" / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    folder.mkdir(parents=True)
    url, postgres_name = scratch_database_url(folder, "loadtest")
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
    server = start_gunicorn(port, env, gunicorn_options(options))
    try:
        run = asyncio.run(
            drive(
                port, server.pid, actors, reviewers, items, options.seconds, options.floor_seconds
            )
        )
    finally:
        stop(server)
    stats, floor_stats = run.stats, run.floor_stats
    for sample in stats.error_samples + floor_stats.error_samples:
        print(f"error: {sample}", file=sys.stderr)
    per_second = run.window.rate(stats.declared_at)
    floor_rps = run.floor_window.rate(floor_stats.floor_at)
    member_rps = run.window.rate(stats.member_at)
    print(
        f"{options.workers} {options.worker_class} workers"
        + (f" x {options.threads} threads" if options.worker_class == "gthread" else "")
        + f"; {len(stats.declared_at)} declarations, {len(stats.recognised_at)} recognitions"
        f" in {run.elapsed:.1f} s; {len(floor_stats.floor_at)} floor inserts in"
        f" {run.floor_elapsed:.1f} s; retries {stats.retries + floor_stats.retries}",
        file=sys.stderr,
    )
    report_kinds(stats)
    report_kinds(floor_stats)
    member_requests = sum(
        len(stats.latencies.get(kind, []))
        for kind in ("edit form", "save and submit", "declaration page")
    )
    print(
        f"processor ms per declaration {run.cpu.per(len(stats.declared_at))};"
        f" per floor request {run.floor_cpu.per(len(floor_stats.floor_at))}",
        file=sys.stderr,
    )
    latencies = stats.all_latencies() + floor_stats.all_latencies()
    result = {
        "requests": stats.requests + floor_stats.requests,
        "errors": stats.errors + floor_stats.errors,
        "duplicates": duplicates(),
        "lost": lost(stats.submitted, stats.recognised),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "declarations": len(stats.declared_at),
        "member_requests_per_declaration": round(member_requests / len(stats.declared_at), 2)
        if stats.declared_at
        else 0.0,
        "declarations_per_second": round(per_second, 2),
        "recognitions_per_second": round(run.window.rate(stats.recognised_at), 2),
        "floor_rps": round(floor_rps, 2),
        "throughput_ratio": round(per_second / floor_rps, 3) if floor_rps else 0.0,
        "member_rps": round(member_rps, 2),
        "request_ratio": round(member_rps / floor_rps, 3) if floor_rps else 0.0,
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
