"""Backups (issue 7 §5): the restore drill and the refusals of `backup` and `restore`.

The commands run in subprocesses against scratch databases: a file database on
SQLite (the test database is in memory), two uniquely named databases on
PostgreSQL (when DATABASE_URL names one), dropped at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import dj_database_url
import pytest
from django.conf import settings

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))

FILL = """
from pathlib import Path
from django.conf import settings
from backups.services import private_media_root
from ledger.services import entry_post
from rules.services import scheme_for_year
from tests.factories import make_bureau

b = make_bureau()
items = {}
for branch in (b.branch_a, b.branch_b):
    scheme = scheme_for_year(branch=branch, year=2025)
    items[branch.pk] = (
        scheme.items.get(code="dedication.volunteer"),
        scheme.items.get(code="dedication.ecology"),
    )
for member, month, points, which in (
    (b.member_a, 3, "3", 0),
    (b.member_a, 4, "2.5", 1),
    (b.other_member_a, 3, "1", 0),
    (b.member_b, 5, "4", 1),
):
    entry_post(member=member, year=2025, month=month, points=points, source="direct",
               item=items[member.branch_id][which], reason="backup drill")
photos = Path(settings.MEDIA_ROOT) / "members"
photos.mkdir(parents=True, exist_ok=True)
(photos / "zhang.jpg").write_bytes(b"\\xff\\xd8\\xff member photo")
b.member_a.photo = "members/zhang.jpg"
b.member_a.save(update_fields=["photo"])
private = private_media_root() / "exemptions" / "2025"
private.mkdir(parents=True, exist_ok=True)
(private / "certificate.pdf").write_bytes(b"%PDF-1.4 certificate")
"""

STATE = """
import hashlib, json
from pathlib import Path
from django.conf import settings
from audit.services import audit_verify
from backups.services import current_state, private_media_root
from organizations.models import Organization
from ledger.totals import branch_year

state = current_state()
totals = {}
for branch in Organization.objects.filter(code__in=["zb1", "zb2"]).order_by("code"):
    for r in branch_year(branch, 2025).results:
        t = r.totals
        totals[r.member.name] = [str(t.base), str(t.dedication), str(t.appraisal),
                                 str(t.deductions), str(t.total)]
files = {}
for label, root in (("media", Path(settings.MEDIA_ROOT)), ("private", private_media_root())):
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        files[f"{label}/{path.relative_to(root)}"] = hashlib.sha256(path.read_bytes()).hexdigest()
print(json.dumps({
    "tables": state["tables"],
    "audit_head": state["audit_head"],
    "audit_break": str(audit_verify()),
    "totals": totals,
    "files": files,
}))
"""


@dataclass
class Side:
    """One database and its media roots, as the subprocesses see them."""

    database_url: str
    media_root: Path

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            DJANGO_SETTINGS_MODULE="config.settings.test",
            JIFEN_MEDIA_ROOT=str(self.media_root),
            JIFEN_VAR_DIR=str(self.media_root.parent),
        )
        return env

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, MANAGE, *args],
            env=self.env(),
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def ok(self, *args: str) -> str:
        done = self.manage(*args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def state(self) -> dict:
        return json.loads(self.ok("shell", "--no-imports", "-c", STATE))


@dataclass
class Drill:
    source: Side
    target: Side
    backup_dir: Path
    backup_output: str
    restore_output: str
    source_state: dict
    target_state: dict

    @property
    def manifest(self) -> dict:
        return json.loads((self.backup_dir / "manifest.json").read_text(encoding="utf-8"))


def _postgres_admin():
    import psycopg

    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    params = {"host": cfg["HOST"] or None, "port": cfg["PORT"] or None, "user": cfg["USER"]}
    if cfg["PASSWORD"]:
        params["password"] = cfg["PASSWORD"]
    conn = psycopg.connect(dbname="postgres", autocommit=True, **params)

    def url(name: str) -> str:
        auth = cfg["USER"] + (f":{cfg['PASSWORD']}" if cfg["PASSWORD"] else "")
        return f"postgres://{auth}@{cfg['HOST'] or 'localhost'}:{cfg['PORT'] or 5432}/{name}"

    return conn, url


@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("backups")
    suffix = uuid.uuid4().hex[:10]
    admin = None
    if ON_POSTGRES:
        admin, url = _postgres_admin()
        names = (f"jifen_bk_src_{suffix}", f"jifen_bk_dst_{suffix}")
        admin.execute(f"CREATE DATABASE {names[0]}")
        source = Side(url(names[0]), tmp / "src" / "media")
        target = Side(url(names[1]), tmp / "dst" / "media")
    else:
        source = Side(f"sqlite:///{tmp / 'src.sqlite3'}", tmp / "src" / "media")
        target = Side(f"sqlite:///{tmp / 'dst.sqlite3'}", tmp / "dst" / "media")
    try:
        source.ok("migrate", "--verbosity=0")
        # The target is what an administrator prepares: a migrated, empty database.
        if ON_POSTGRES:
            admin.execute(f"CREATE DATABASE {names[1]} TEMPLATE {names[0]}")
        else:
            shutil.copyfile(tmp / "src.sqlite3", tmp / "dst.sqlite3")
        source.ok("shell", "--no-imports", "-c", FILL)
        backup_dir = tmp / "backup"
        backup_output = source.ok("backup", str(backup_dir))
        restore_output = target.ok("restore", str(backup_dir))
        yield Drill(
            source=source,
            target=target,
            backup_dir=backup_dir,
            backup_output=backup_output,
            restore_output=restore_output,
            source_state=source.state(),
            target_state=target.state(),
        )
    finally:
        if admin is not None:
            for name in names:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.close()


def test_a_restored_backup_has_the_same_rows_totals_audit_head_and_files(drill):
    before, after = drill.source_state, drill.target_state
    assert before["tables"]["ledger_entry"] == 4
    assert before["totals"]["张红梅"][1] == "5.5"
    assert after["tables"] == before["tables"]
    assert after["totals"] == before["totals"]
    assert after["audit_head"] == before["audit_head"]
    assert after["audit_head"]["id"] > 0
    assert after["audit_break"] == "None"
    assert after["files"] == before["files"]
    assert set(after["files"]) == {
        "media/members/zhang.jpg",
        "private/exemptions/2025/certificate.pdf",
    }


def test_the_commands_print_a_one_line_summary(drill):
    assert drill.backup_output.startswith("Backup written to")
    assert drill.backup_output.count("\n") == 1
    assert drill.restore_output.startswith("Restored")
    assert "audit chain is intact" in drill.restore_output


def test_the_manifest_records_state_and_checksums(drill):
    manifest = drill.manifest
    assert manifest["vendor"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert manifest["migrations"]["ledger"].startswith("00")
    assert manifest["tables"] == drill.source_state["tables"]
    assert manifest["audit_head"] == drill.source_state["audit_head"]
    head = manifest["audit_head"]
    assert manifest["audit_head_printed"] == f"{head['id']}-{head['hash'][:12]}"
    assert manifest["audit_head_printed"] in drill.backup_output
    # The head printed in the manifest is in the restored log, and its chain holds.
    verified = drill.target.ok("audit_verify", "--head", manifest["audit_head_printed"])
    assert "is in the audit chain" in verified
    assert manifest["media"] == {"media": 1, "private": 1}
    assert set(manifest["files"]) == {manifest["database_file"], "media.tar.gz"}
    assert manifest["created_at"]


def test_restore_refuses_a_database_that_has_rows(drill):
    done = drill.source.manage("restore", str(drill.backup_dir))
    assert done.returncode != 0
    assert "not empty" in done.stderr
    assert drill.source.state()["tables"] == drill.source_state["tables"]


def test_restore_refuses_a_tampered_backup(drill, tmp_path):
    tampered = tmp_path / "tampered"
    shutil.copytree(drill.backup_dir, tampered)
    database_file = tampered / drill.manifest["database_file"]
    with database_file.open("r+b") as f:
        f.seek(200)
        byte = f.read(1)
        f.seek(200)
        f.write(bytes([byte[0] ^ 0xFF]))
    done = drill.target.manage("restore", str(tampered))
    assert done.returncode != 0
    assert "checksum" in done.stderr


def test_restore_refuses_a_missing_directory(drill, tmp_path):
    done = drill.target.manage("restore", str(tmp_path / "nowhere"))
    assert done.returncode != 0
    assert "does not exist" in done.stderr


def test_backup_refuses_a_non_empty_directory_unless_forced(drill, tmp_path):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    done = drill.source.manage("backup", str(target))
    assert done.returncode != 0
    assert "not empty" in done.stderr
    assert drill.source.ok("backup", "--force", str(target)).startswith("Backup written")
    assert (target / "notes.txt").read_text() == "keep me"
    assert (target / "manifest.json").is_file()
