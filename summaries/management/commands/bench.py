"""`make bench`: time the summary service on a synthetic deployment in its own database.

The command never touches the configured database. It creates a scratch one — a file
under var/bench/ on SQLite, `<name>_bench` on the same PostgreSQL server — runs itself
again with DATABASE_URL pointing there (migrate, build, measure), relays the child's
JSON line, and drops the scratch database unless --keep is given.

--reuse keeps the scratch database and, when it already holds a deployment of the same
size (from an earlier --reuse run; on PostgreSQL also --keep), skips the build: at
100,000 members the build takes minutes, the measuring under one. On SQLite the reused
file is var/bench/bench-<members>-<branches>-<entries>-<year>.sqlite3.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from organizations.models import Organization
from summaries import bench

INSIDE_ENV = "JIFEN_BENCH_DATABASE"
STEPS = ("build", "measure")


@dataclass(frozen=True)
class ScratchDatabase:
    """The bench's own database beside the configured one."""

    vendor: str
    name: str  # file path on SQLite, database name on PostgreSQL
    url: str
    server: dict[str, Any]

    @classmethod
    def beside_default(cls, stable: str | None = None) -> ScratchDatabase:
        """`stable`: a fixed SQLite file name (for --reuse) instead of a fresh one."""
        config = settings.DATABASES["default"]
        if config["ENGINE"] == "django.db.backends.sqlite3":
            folder = Path(settings.VAR_DIR) / "bench"
            stamp = stable or f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
            path = (folder / f"bench-{stamp}.sqlite3").resolve()
            return cls("sqlite", str(path), f"sqlite:///{path}", {})
        if config["ENGINE"] == "django.db.backends.postgresql":
            name = f"{config['NAME']}_bench"
            user, password = config.get("USER") or "", config.get("PASSWORD") or ""
            host, port = config.get("HOST") or "localhost", config.get("PORT") or 5432
            credentials = quote(user, safe="") + (
                f":{quote(password, safe='')}" if password else ""
            )
            url = f"postgres://{credentials}@{host}:{port}/{quote(name, safe='')}"
            server = {"user": user, "password": password, "host": host, "port": port}
            return cls("postgresql", name, url, server)
        raise CommandError(f"The bench supports SQLite and PostgreSQL, not {config['ENGINE']}.")

    def _admin(self, statement: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(dbname="postgres", autocommit=True, **self.server) as admin:
            admin.execute(sql.SQL(statement).format(sql.Identifier(self.name)))

    def exists(self) -> bool:
        if self.vendor == "sqlite":
            return Path(self.name).exists()
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True, **self.server) as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name])
            return found.fetchone() is not None

    def create(self) -> None:
        if self.vendor == "sqlite":
            Path(self.name).parent.mkdir(parents=True, exist_ok=True)
            self.drop()
        else:
            self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            self._admin("CREATE DATABASE {}")

    def drop(self) -> None:
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(self.name + suffix).unlink(missing_ok=True)
        else:
            self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")


class Command(BaseCommand):
    help = (
        "Build a synthetic deployment in a scratch database and time the summary service "
        "against one hand-written GROUP BY over the same ledger; prints JSON last."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--members", type=int, default=10_000)
        parser.add_argument("--branches", type=int, default=200)
        parser.add_argument("--entries-per-member", type=int, default=50)
        parser.add_argument("--repeat", type=int, default=5, help="timed runs after a warm-up")
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--keep", action="store_true", help="keep the scratch database")
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="keep the scratch database and reuse one of the same size left by an "
            "earlier --reuse or --keep run instead of building it again",
        )
        parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)

    def handle(self, **options: Any) -> None:
        if options["members"] < 1 or options["branches"] < 1:
            raise CommandError("--members and --branches must be at least 1.")
        if options["branches"] > options["members"]:
            raise CommandError("--branches cannot exceed --members.")
        if options["entries_per_member"] < 3 or options["repeat"] < 1:
            raise CommandError("--entries-per-member must be at least 3, --repeat at least 1.")
        options["year"] = options["year"] or timezone.localdate().year
        spec = bench.Spec(
            members=options["members"],
            branches=options["branches"],
            entries_per_member=options["entries_per_member"],
            year=options["year"],
        )
        if options["step"] is None:
            self._delegate(spec, options)
            return
        own = os.environ.get(INSIDE_ENV)
        if not own or str(settings.DATABASES["default"]["NAME"]) != own:
            raise CommandError("A bench step runs only in the scratch database it was given.")
        step = self._build if options["step"] == "build" else self._measure
        self.stdout.write(json.dumps(step(spec, options)))

    def _delegate(self, spec: bench.Spec, options: dict[str, Any]) -> None:
        """Build in one child process and measure in another, both in the scratch database.

        The measuring process starts fresh, as a server worker would, rather than after
        the bulk load of half a million rows.
        """
        reuse = options["reuse"]
        stable = f"{spec.members}-{spec.branches}-{spec.entries_per_member}-{spec.year}"
        scratch = ScratchDatabase.beside_default(stable if reuse else None)
        bench.progress(f"bench database: {scratch.name} ({scratch.vendor})")
        env = os.environ | {
            "DATABASE_URL": scratch.url,
            INSIDE_ENV: scratch.name,
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE
            ),
        }
        reused = reuse and scratch.exists()
        if not reused:
            scratch.create()
        try:
            result = {
                "members": spec.members,
                "branches": spec.branches,
                "entries": spec.entries_per_member,
            }
            for step in STEPS:
                args = ["--reuse"] if reused and step == "build" else []
                result |= self._run_step(step, spec, options["repeat"], env, args)
        finally:
            if options["keep"] or reuse:
                bench.progress(f"kept the bench database {scratch.name}")
            else:
                scratch.drop()
        self.stdout.write(json.dumps(result))

    def _run_step(
        self, step: str, spec: bench.Spec, repeat: int, env: dict[str, str], extra: list[str]
    ) -> dict[str, Any]:
        args = [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "bench",
            f"--step={step}",
            f"--members={spec.members}",
            f"--branches={spec.branches}",
            f"--entries-per-member={spec.entries_per_member}",
            f"--repeat={repeat}",
            f"--year={spec.year}",
            *extra,
        ]
        child = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
            args, env=env, stdout=subprocess.PIPE, text=True, check=False
        )
        lines = child.stdout.strip().splitlines()
        if child.returncode != 0 or not lines:
            raise CommandError(f"The bench's {step} step failed (exit {child.returncode}).")
        return json.loads(lines[-1])

    def _build(self, spec: bench.Spec, options: dict[str, Any]) -> dict[str, Any]:
        call_command("migrate", interactive=False, verbosity=0)
        if Organization.objects.exists():
            if options["reuse"] and bench.Built.matches(spec):
                bench.progress("reusing the deployment built earlier")
                entries = bench.Built.load().entries
                return {"ledger_entries": entries, "build_seconds": 0.0, "reused": True}
            raise CommandError(
                "The scratch database is not empty"
                + (" and holds a deployment of another size." if options["reuse"] else ".")
            )
        started = time.perf_counter()
        bench.progress(f"building {spec.members:,} members in {spec.branches:,} branches …")
        built = bench.build(spec)
        if connection.vendor == "postgresql":
            # What autovacuum would soon do to freshly loaded tables: statistics for the
            # planner, and the visibility map that lets it read an index alone.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        seconds = time.perf_counter() - started
        bench.progress(f"built {built.entries:,} entries in {seconds:.1f} s")
        return {
            "ledger_entries": built.entries,
            "build_seconds": round(seconds, 1),
            "reused": False,
        }

    def _measure(self, spec: bench.Spec, options: dict[str, Any]) -> dict[str, Any]:
        built = bench.Built.load()
        bench.progress(f"timing, best of {options['repeat']} …")
        summary = bench.best_of(bench.summary_run(built.committee, spec.year), options["repeat"])
        floor = bench.best_of(bench.floor_run(spec.year), options["repeat"])
        bench.progress(f"summary {summary:.3f} s, one GROUP BY {floor:.3f} s; attachment 4 …")
        export, write_only, rows = bench.summary_xlsx_runs(built.committee, spec.year)
        xlsx = bench.best_of(export, options["repeat"])
        xlsx_floor = bench.best_of(write_only, options["repeat"])
        bench.progress(
            f"attachment 4 for {rows:,} members {xlsx:.3f} s, write-only {xlsx_floor:.3f} s"
        )
        bench.progress("counting queries …")
        query_branches = bench.query_branches()
        return {
            "database": connection.vendor,
            "summary_seconds": round(summary, 4),
            "sql_seconds": round(floor, 4),
            "summary_ratio": round(summary / floor, 3),
            "summary_xlsx_seconds": round(xlsx, 4),
            "xlsx_write_only_seconds": round(xlsx_floor, 4),
            "summary_xlsx_ratio": round(xlsx / xlsx_floor, 3),
            "queries": bench.page_query_counts(built.committee_user, query_branches, spec.year),
        }
