"""The application under gunicorn on loopback, on a scratch database: the pieces that
`make loadtest` (scripts/loadtest.py), the crash test (tests/crash_support.py) and the
two-server test (tests/test_two_servers.py) share."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def scratch_database_url(folder: Path, suffix: str) -> tuple[str, str | None]:
    """(url, PostgreSQL database name or None): `<name>_<suffix>` on DATABASE_URL's
    PostgreSQL server, else a SQLite file `<suffix>.sqlite3` in `folder`."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        base, _, name = url.rpartition("/")
        name = name.split("?")[0] or "jifen"
        scratch = f"{name}_{suffix}"
        return f"{base}/{quote(scratch, safe='')}", scratch
    return f"sqlite:///{folder / f'{suffix}.sqlite3'}", None


def postgres_admin(name: str, *statements: str) -> None:
    """Run statements such as "CREATE DATABASE {}" with `name` as the identifier, on the
    server DATABASE_URL names, connected to its maintenance database."""
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


def start_gunicorn(
    port: int,
    env: dict[str, str],
    options: list[str],
    log: IO[Any] | None = None,
    *,
    cwd: Path = ROOT,
) -> subprocess.Popen:
    """gunicorn serving config.wsgi from `cwd` (the checkout, or a copy of it) in its own
    process group (one killpg takes master and workers), once it accepts connections."""
    command = [str(GUNICORN), "config.wsgi", "--bind", f"{HOST}:{port}", *options]
    server = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, our arguments
        command, cwd=cwd, env=env, start_new_session=True, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn on port {port} exited at start")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return server
        except OSError:
            time.sleep(0.05)
    stop(server, signal.SIGKILL)
    raise RuntimeError(f"gunicorn on port {port} did not start within 30 s")


def stop(server: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Signal the server's whole process group (SIGKILL: a crash) and reap the master."""
    if server.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, sig)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()
