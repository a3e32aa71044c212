"""A reminder reaches 企业微信 exactly once across a worker crash.

A subprocess test: the 1st of the month's reminders wait in the outbox of a scratch
database (a file in a temporary folder, or `<name>_push` beside DATABASE_URL's PostgreSQL
database); django-q2's cluster (`manage.py qcluster`, the ORM broker) drains it into the
fake WeCom server running in this process. The fake holds its answer to the first message
after taking it; while the worker waits for that answer it is killed with SIGKILL (its
whole process group). A new cluster then finishes: the killed task runs again once the
broker's retry time passes, the held delivery's lease has lapsed, it is sent again under
the same key, and WeCom's duplicate check drops the repeat. Every member's reminder is
shown exactly once.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from scripts.serverkit import postgres_admin, scratch_database_url, stop
from tests.fakes import wecom as fake_wecom
from tests.fakes.wecom import FakeWeCom
from tests.push_worker_support import delivery_states

pytestmark = pytest.mark.subprocess
ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 6
PUSH_TIMEOUT = 3  # seconds per call: a delivery's lease is 2 × 3 + 5 = 11 s
QUEUE_RETRY = 15  # the broker hands a task out again 15 s after a worker took it


def environment(url: str, fake_url: str, queue: str = "orm://") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIFEN_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=url,
        JIFEN_QUEUE_URL=queue,
        JIFEN_QUEUE_WORKERS="1",
        JIFEN_QUEUE_TIMEOUT="12",
        JIFEN_QUEUE_RETRY=str(QUEUE_RETRY),
        JIFEN_PUSH_TIMEOUT=str(PUSH_TIMEOUT),
        JIFEN_PUSH_CHANNELS="wecom",
        JIFEN_QUIET_HOURS="",
        JIFEN_SITE_URL="https://jifen.bureau.gov",
        JIFEN_WECOM_CORP_ID=fake_wecom.CORP_ID,
        JIFEN_WECOM_AGENT_ID=fake_wecom.AGENT_ID,
        JIFEN_WECOM_SECRET=fake_wecom.SECRET,
        JIFEN_WECOM_API_URL=fake_url,
    )
    return env


def start_worker(env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our interpreter, our manage.py
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=log,
        stderr=log,
    )


def wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds} s for {what}")


def prepare(env: dict[str, str]) -> None:
    """Migrate the scratch database and put the 1st of the month's reminders in its outbox."""
    prepared = subprocess.run(  # noqa: S603
        [sys.executable, "tests/push_worker_support.py", "prepare", str(MEMBERS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(prepared.stdout.splitlines()[-1]) == {
        "reminders": MEMBERS,
        "deliveries": MEMBERS,
    }


def scratch(tmp_path: Path) -> tuple[str, str | None]:
    url, postgres_name = scratch_database_url(tmp_path, "push")
    if postgres_name:
        postgres_admin(postgres_name, "DROP DATABASE IF EXISTS {}", "CREATE DATABASE {}")
    return url, postgres_name


def drop(postgres_name: str | None) -> None:
    if postgres_name:
        with contextlib.suppress(Exception):
            postgres_admin(postgres_name, "DROP DATABASE IF EXISTS {} WITH (FORCE)")


def test_a_reminder_reaches_wecom_exactly_once_across_a_worker_crash(tmp_path):
    url, postgres_name = scratch(tmp_path)
    users = {f"E{n}": {} for n in range(MEMBERS)}
    fake = FakeWeCom(users).start()
    log = (tmp_path / "worker.log").open("w")
    workers: list[subprocess.Popen] = []
    try:
        env = environment(url, fake.url)
        prepare(env)
        fake.hold_next_send(30)
        started = time.monotonic()
        workers.append(start_worker(env, log))
        wait_for(fake.send_started.is_set, 60, "the first message to reach WeCom")
        stop(workers[-1], signal.SIGKILL)  # mid-delivery: WeCom has it, the worker never heard
        killed = time.monotonic()
        assert len(fake.delivered) == 1
        assert delivery_states(url).get("sending") == 1

        workers.append(start_worker(env, log))
        wait_for(lambda: delivery_states(url) == {"sent": MEMBERS}, 90, "every delivery sent")
        finished = time.monotonic()
    finally:
        for worker in workers:
            stop(worker, signal.SIGKILL)
        fake.stop()
        log.close()
        drop(postgres_name)

    shown = Counter(message["touser"] for message in fake.delivered)
    assert shown == dict.fromkeys(users, 1), shown
    sends = len(fake.calls("/cgi-bin/message/send"))
    assert sends == MEMBERS + 1  # the held one was sent twice and shown once
    print(
        f"\nworker crash: {MEMBERS} reminders, {sends} sends, each shown once; "
        f"killed after {killed - started:.1f} s, all sent {finished - killed:.1f} s later"
    )


REDIS = ("127.0.0.1", 6379)
REDIS_QUEUE = "redis://127.0.0.1:6379/14"


def redis_reachable() -> bool:
    import socket

    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_reachable(), reason="no Redis server at 127.0.0.1:6379")
def test_a_city_runs_the_worker_on_redis(tmp_path):
    """The same outbox, the queue in Redis: the reminders reach WeCom, each once."""
    import redis

    redis.Redis.from_url(REDIS_QUEUE).delete("django_q:jifen:q")
    url, postgres_name = scratch(tmp_path)
    users = {f"E{n}": {} for n in range(MEMBERS)}
    fake = FakeWeCom(users).start()
    log = (tmp_path / "worker.log").open("w")
    worker = None
    try:
        env = environment(url, fake.url, queue=REDIS_QUEUE)
        prepare(env)  # queues the reminders' deliveries in Redis after its commit
        assert redis.Redis.from_url(REDIS_QUEUE).llen("django_q:jifen:q") >= 1
        worker = start_worker(env, log)
        wait_for(lambda: delivery_states(url) == {"sent": MEMBERS}, 60, "every delivery sent")
    finally:
        if worker is not None:
            stop(worker, signal.SIGKILL)
        fake.stop()
        log.close()
        drop(postgres_name)
    assert Counter(message["touser"] for message in fake.delivered) == dict.fromkeys(users, 1)
