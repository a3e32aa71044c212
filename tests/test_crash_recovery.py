"""Issue 7: the server is killed (SIGKILL) three times during a burst of declarations,
recognitions and direct ledger entries, while clients retry with the same idempotency
key. Afterwards: no acknowledged write lost, none duplicated, the audit chain intact and,
on SQLite, `PRAGMA integrity_check` ok.

A subprocess test: gunicorn serves a scratch database (a file in a temporary folder, or
`<name>_crash` beside DATABASE_URL's PostgreSQL database) in its own process group; the
clients are threads of this process (tests/crash_support.py has the machinery).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest

from scripts.serverkit import free_port, postgres_admin
from tests.crash_support import (
    INITIAL_RE,
    ROOT,
    SETTINGS,
    VERSION_RE,
    Client,
    found,
    kill,
    offered_item,
    scratch_database_url,
    start_gunicorn,
    wait_answering,
)

pytestmark = pytest.mark.subprocess

MEMBERS = 10
REVIEWERS = 3
BURST = 12.0  # seconds of new work while the server is up; retries may take a little longer
KILLS_AT = (3.0, 6.0, 9.0)  # seconds of the server up into the burst
PATIENCE = 30.0  # a client gives up on a request this long after the burst ends
DROP = "DROP DATABASE IF EXISTS {} WITH (FORCE)"
REPLAY = "Idempotent-Replay"


@dataclass
class Acked:
    """What the clients were told was done (a redirect to the success page)."""

    created: list = field(default_factory=list)  # [member pk, year, month, declaration pk]
    submitted: set = field(default_factory=set)
    recognised: set = field(default_factory=set)
    entries: list = field(default_factory=list)  # the unique reason of each direct entry
    replays: int = 0
    anomalies: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def as_json(self) -> dict:
        return {
            "created": self.created,
            "submitted": sorted(self.submitted),
            "recognised": sorted(self.recognised),
            "entries": self.entries,
        }


@dataclass
class Burst:
    """When the clients stop starting new work: BURST seconds of the server up. The time
    each restart takes until the server answers again (seconds on a loaded machine) is
    added, so a slow restart lengthens the burst instead of leaving it without work."""

    end: float
    downtime: float = 0.0

    def over(self) -> bool:
        return time.monotonic() > self.end

    def lengthen(self, seconds: float) -> None:
        self.downtime += seconds
        self.end += seconds


def member_work(client: Client, member: dict, state: dict, acked: Acked, burst: Burst) -> None:
    year, month = state["year"], state["month"]
    status, location, _text, _r = client.post(
        "/declarations/new/", [("month", f"{year}-{month:02d}")], str(uuid.uuid4())
    )
    match = re.fullmatch(r"/declarations/(\d+)/edit/", location)
    queue = list(member["drafts"])
    if status == 302 and match:
        with acked.lock:
            acked.created.append([member["pk"], year, month, int(match.group(1))])
        queue.insert(0, int(match.group(1)))
    else:
        acked.anomalies.append(f"declare {member['pk']}: {status} {location}")
    for index, pk in enumerate(queue):
        if burst.over():
            return
        _s, _l, page, _r = client.send("GET", f"/declarations/{pk}/edit/")
        version = found(VERSION_RE, page)
        if version is None:
            acked.anomalies.append(f"no version on the edit page of {pk}")
            continue
        fields = [
            ("version", version),
            ("name", member["name"]),
            ("lines-TOTAL_FORMS", "1"),
            ("lines-INITIAL_FORMS", found(INITIAL_RE, page) or "1"),
            ("lines-MIN_NUM_FORMS", "0"),
            ("lines-MAX_NUM_FORMS", "30"),
            ("lines-0-id", ""),
            ("lines-0-description", "参加社区志愿服务两小时。"),
            ("lines-0-suggested_item", offered_item(page, state["items"])),
            ("then", "submit"),
        ]
        key, path = str(uuid.uuid4()), f"/declarations/{pk}/edit/"
        if index == 0:  # the same submission twice at once: one runs, one waits and replays
            status, location = twin_submissions(client, path, fields, key, acked)
        else:
            status, location, _text, _r = client.post(path, fields, key)
        if status != 302 or location != f"/declarations/{pk}/":
            acked.anomalies.append(f"submit {pk}: {status} {location}")
            continue
        with acked.lock:
            acked.submitted.add(pk)
        if index % 2:  # a retry after the success: answered from the key, nothing written
            again = client.post(path, fields, key)
            if again[:2] != (302, location) or again[3].getheader(REPLAY) != "true":
                acked.anomalies.append(f"retried submit {pk}: {again[:2]}")
            with acked.lock:
                acked.replays += 1


def twin_submissions(client: Client, path: str, fields: list, key: str, acked: Acked):
    answers: list = []
    twin = threading.Thread(target=lambda: answers.append(client.post(path, fields, key)))
    twin.start()
    answers.append(client.post(path, fields, key))
    twin.join()
    fresh = sum(not answer[3].getheader(REPLAY) for answer in answers)
    if len({answer[1] for answer in answers}) != 1 or fresh > 1:
        acked.anomalies.append(f"twin submissions {path}: {[a[:2] for a in answers]}")
    return answers[-1][0], answers[-1][1]


def reviewer_work(client: Client, index: int, state: dict, acked: Acked, burst: Burst) -> None:
    points = {str(pk): value for pk, value in state["items"].values()}
    while not burst.over() or (not acked.recognised and time.monotonic() < client.until):
        _s, _l, page, _r = client.send("GET", "/declarations/review/?status=waiting")
        waiting = sorted({int(pk) for pk in re.findall(r"/declarations/(\d+)/review/", page)})
        mine = [pk for pk in waiting if pk % REVIEWERS == index]
        if not mine:
            time.sleep(0.2)
            continue
        for pk in mine:
            if burst.over() and acked.recognised:
                return
            _s, _l, page, _r = client.send("GET", f"/declarations/{pk}/review/")
            version = found(VERSION_RE, page)
            lines = sorted(set(re.findall(r'name="l(\d+)-action"', page)))
            if version is None or not lines:
                continue
            fields = [("version", version)]
            for line in lines:
                select = re.search(rf'name="l{line}-item".*?</select>', page, re.S)
                chosen = select and re.search(r'<option value="(\d+)"[^>]*selected', select[0])
                item = chosen[1] if chosen else ""
                fields += [
                    (f"l{line}-action", "recognise"),
                    (f"l{line}-item", item),
                    (f"l{line}-points", points.get(item, "1")),
                    (f"l{line}-reason", ""),
                ]
            path = f"/declarations/{pk}/review/"
            status, location, _t, _r = client.post(path, fields, str(uuid.uuid4()))
            if status == 302 and location == "/declarations/review/":
                with acked.lock:
                    acked.recognised.add(pk)
            else:
                acked.anomalies.append(f"recognise {pk}: {status} {location}")


def recorder_work(client: Client, state: dict, acked: Acked, burst: Burst) -> None:
    """Direct entries: without the key, a retried one would be recorded twice."""
    year, month = state["year"], state["month"]
    item, points = state["items"][str(year)]
    path = f"/ledger/ct1/entries/new/?year={year}"
    number = 0
    while not burst.over() or (not acked.entries and time.monotonic() < client.until):
        number += 1
        reason = f"crash-entry-{number:04d}"
        fields = [
            ("member", str(state["member_pks"][number % MEMBERS])),
            ("month", str(month)),
            ("item", str(item)),
            ("points", points),
            ("reason", reason),
            ("evidence", ""),
        ]
        status, location, _t, _r = client.post(path, fields, str(uuid.uuid4()))
        if status == 302 and location == path:
            with acked.lock:
                acked.entries.append(reason)
        else:
            acked.anomalies.append(f"entry {reason}: {status} {location}")
        time.sleep(0.05)


def run_support(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our interpreter and our script
        [sys.executable, str(ROOT / "tests" / "crash_support.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_acknowledged_writes_survive_three_kills(tmp_path):
    started = time.monotonic()
    url, postgres_name = scratch_database_url(tmp_path)
    env = dict(
        os.environ,
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE=SETTINGS,
        JIFEN_VAR_DIR=str(tmp_path),
        JIFEN_MEDIA_ROOT=str(tmp_path / "media"),
        JIFEN_PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        PYTHONPATH=str(ROOT),
    )
    if postgres_name:
        postgres_admin(postgres_name, DROP, "CREATE DATABASE {}")
    server = None
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed in finally
    try:
        run_support(env, "prepare", str(tmp_path / "state.json"), str(MEMBERS), str(REVIEWERS))
        state = json.loads((tmp_path / "state.json").read_text())
        port = free_port()
        server = start_gunicorn(port, env, log)
        wait_answering(port)
        burst_started = time.monotonic()
        burst = Burst(burst_started + BURST)
        patience = burst.end + PATIENCE + 120  # room for slow restarts on a loaded machine
        acked, clients, failures = Acked(), [], []

        def worker(target, *args):
            def run():
                try:
                    target(*args)
                except Exception as exc:  # noqa: BLE001 - reported by the test below
                    failures.append(repr(exc))

            return threading.Thread(target=run, daemon=True)

        threads = []
        for member in state["members"]:
            clients.append(Client(port, member["session"], patience))
            threads.append(worker(member_work, clients[-1], member, state, acked, burst))
        for index, session in enumerate(state["reviewers"]):
            clients.append(Client(port, session, patience))
            threads.append(worker(reviewer_work, clients[-1], index, state, acked, burst))
        clients.append(Client(port, state["recorder"], patience))
        threads.append(worker(recorder_work, clients[-1], state, acked, burst))
        for thread in threads:
            thread.start()
        kills, restarts = 0, []
        for at in KILLS_AT:
            time.sleep(max(0.0, burst_started + burst.downtime + at - time.monotonic()))
            kill(server)
            kills += 1
            down = time.monotonic()
            server = start_gunicorn(port, env, log)
            restarts.append(time.monotonic() - down)
            wait_answering(port)
            burst.lengthen(time.monotonic() - down)
        for thread in threads:
            thread.join(timeout=max(1.0, patience - time.monotonic()) + 10)
        kill(server, 15)  # SIGTERM: the end of the run, not a crash
        server = None
        result = json.loads(run_support(env, "check", _write(tmp_path, acked.as_json())))
    finally:
        if server is not None:
            kill(server)
        log.close()
        if postgres_name:
            postgres_admin(postgres_name, DROP)

    retries = sum(c.retries for c in clients)
    recovered = sum(c.recovered for c in clients)
    print(
        f"crash test ({result['vendor']}): {kills} SIGKILLs in {BURST:.0f} s; acknowledged "
        f"{len(acked.created)} declared, {len(acked.submitted)} submitted, "
        f"{len(acked.recognised)} recognised, {len(acked.entries)} direct entries; "
        f"{retries} retries, {recovered} answered from the key after a kill, "
        f"{acked.replays} deliberate replays; lost {sum(result['lost'].values())}, "
        f"duplicated {sum(result['duplicated'].values())}; audit chain "
        f"{'intact' if result['audit_intact'] else 'BROKEN'} ({result['audit_rows']} rows); "
        f"integrity_check {result['integrity']}; restarts "
        f"{'/'.join(f'{r:.1f}' for r in restarts)} s, answering again after "
        f"{burst.downtime:.1f} s in all; "
        f"{time.monotonic() - started:.1f} s in all"
    )
    assert failures == []
    assert acked.anomalies == []
    assert kills == 3
    assert result["lost"] == {"created": 0, "submitted": 0, "recognised": 0, "entries": 0}
    assert result["duplicated"] == {
        "declarations": 0,
        "ledger_entries": 0,
        "direct_entries": 0,
        "submissions": 0,
    }
    assert result["audit_intact"], result["audit_break"]
    assert result["integrity"] in ("ok", "n/a")
    assert (result["vendor"] == "sqlite") == (result["integrity"] == "ok")
    # The burst did real work on every path.
    assert len(acked.created) == MEMBERS
    assert len(acked.submitted) >= MEMBERS // 2
    assert acked.recognised
    assert acked.entries
    assert acked.replays


def _write(folder, data: dict) -> str:
    path = folder / "acked.json"
    path.write_text(json.dumps(data))
    return str(path)
