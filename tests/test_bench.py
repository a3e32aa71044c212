"""`make bench` at toy size: it runs end to end in a scratch database of its own."""

import json
import os
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger.models import Entry
from organizations.models import Member, Organization

KEYS = {
    "members",
    "branches",
    "entries",
    "database",
    "summary_seconds",
    "sql_seconds",
    "summary_ratio",
    "summary_xlsx_seconds",
    "xlsx_write_only_seconds",
    "summary_xlsx_ratio",
    "queries",
}


def test_the_bench_runs_end_to_end_and_ends_with_its_json(bureau):
    before = (Organization.objects.count(), Member.objects.count(), Entry.objects.count())
    out = StringIO()
    with CaptureQueriesContext(connection) as default_database:
        call_command(
            "bench",
            "--members=60",
            "--branches=3",
            "--entries-per-member=5",
            "--repeat=1",
            stdout=out,
        )
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert set(result) >= KEYS
    assert (result["members"], result["branches"], result["entries"]) == (60, 3, 5)
    assert result["database"] == connection.vendor
    assert result["summary_seconds"] > 0
    assert result["sql_seconds"] > 0
    assert result["summary_ratio"] > 0
    assert result["summary_xlsx_ratio"] > 0
    assert set(result["queries"]) == {"card_50", "card_500", "branch_table_50", "branch_table_500"}
    assert result["queries"]["card_50"] == result["queries"]["card_500"]
    assert result["queries"]["branch_table_50"] == result["queries"]["branch_table_500"]
    # The configured database was never queried, and nothing is left behind.
    assert len(default_database) == 0
    assert (Organization.objects.count(), Member.objects.count(), Entry.objects.count()) == before
    assert not list((Path(settings.VAR_DIR) / "bench").glob(f"bench-*-{os.getpid()}.sqlite3*"))


def test_a_bench_step_refuses_a_database_it_was_not_given(db):
    with pytest.raises(CommandError):
        call_command("bench", "--step=build", "--members=60", "--branches=3")


def test_the_bench_refuses_more_branches_than_members(db):
    with pytest.raises(CommandError):
        call_command("bench", "--members=2", "--branches=3")


def test_reuse_keeps_the_bench_database_and_skips_the_second_build(bureau):
    from summaries.management.commands.bench import ScratchDatabase

    args = ["--members=60", "--branches=3", "--entries-per-member=5", "--repeat=1", "--reuse"]
    year = 2026
    scratch = ScratchDatabase.beside_default(f"60-3-5-{year}")
    scratch.drop()
    try:
        runs = []
        for _ in range(2):
            out = StringIO()
            call_command("bench", *args, f"--year={year}", stdout=out)
            runs.append(json.loads(out.getvalue().strip().splitlines()[-1]))
            assert scratch.exists()
        first, second = runs
        assert (first["reused"], second["reused"]) == (False, True)
        assert second["build_seconds"] == 0
        assert first["ledger_entries"] == second["ledger_entries"]
        assert first["queries"] == second["queries"]
    finally:
        scratch.drop()
    assert not scratch.exists()
