"""Backing up and restoring the whole system: the database, the media files and a manifest.

A backup directory holds three files:

- ``database.sqlite3`` (SQLite, taken with the online backup API, so it is
  consistent while the application keeps writing in WAL mode) or
  ``database.dump`` (PostgreSQL, ``pg_dump --format=custom`` inside a
  repeatable-read snapshot);
- ``media.tar.gz``: MEDIA_ROOT under ``media/`` and the private files (medical
  certificates and the like, see participation.models.PrivateStorage) under
  ``private/``; when the files live in an S3-compatible store (JIFEN_S3_BUCKET)
  they are read and restored through the storage API, so the backup is the same;
- ``manifest.json``: when and from what the backup was taken, the migration state,
  the row count of every table and the audit chain head, all read from the same
  snapshot as the copy, and the SHA-256 of each file. It is written last, so a
  directory without it is an unfinished backup.

Restoring goes into an empty database only (tables created by ``migrate`` are
fine, rows are not). On PostgreSQL ``pg_restore --clean --if-exists`` drops the
empty tables ``migrate`` may have created and recreates them from the dump, so
the restored schema is exactly the backed-up one; on SQLite the backup API copies
the backup over the configured database file. Afterwards the row counts and the
audit chain head must equal the manifest and the audit chain must verify.

Neither operation writes an audit row: a backup changes nothing, and a row written
after a restore would make the restored database differ from its backup.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - runs pg_dump/pg_restore with a fixed argument list
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import ChainHead
from core.errors import DomainError

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
MEDIA_FILE = "media.tar.gz"
FORMAT = 1
OUR_FILES = (MANIFEST, SQLITE_FILE, PG_FILE, MEDIA_FILE)
# Tables `migrate` fills by itself; rows there do not make a database "not empty".
FILLED_BY_MIGRATE = {"django_migrations", "django_content_type", "auth_permission"}
AUDIT_TABLE = "audit_auditevent"
# Rows a data migration seeds (rules 0002: the built-in default template and its
# items); a table counts as holding rows only if it has others.
SEEDED_BY_MIGRATE = {
    "rules_scheme": "SELECT 1 FROM rules_scheme "
    "WHERE NOT (organization_id IS NULL AND is_template) LIMIT 1",
    "rules_item": "SELECT 1 FROM rules_item i JOIN rules_scheme s ON s.id = i.scheme_id "
    "WHERE NOT (s.organization_id IS NULL AND s.is_template) LIMIT 1",
    # notifications 0003: the push worker's sweep, every minute.
    "django_q_schedule": "SELECT 1 FROM django_q_schedule "
    "WHERE name <> 'notifications.deliver_due' LIMIT 1",
}


class BackupError(DomainError):
    """A backup or restore was refused or failed; the message says why."""


def _printed(head: dict[str, Any] | None) -> str:
    return ChainHead(head["id"], head["hash"]).short if head else ""


@dataclass(frozen=True)
class BackupResult:
    directory: Path
    manifest: dict[str, Any]

    def summary(self) -> str:
        m = self.manifest
        head = m["audit_head"]
        return _(
            "Backup written to %(dir)s: %(vendor)s, %(tables)d tables, %(rows)d rows, "
            "%(files)d media files, audit head %(audit)s."
        ) % {
            "dir": self.directory,
            "vendor": m["vendor"],
            "tables": len(m["tables"]),
            "rows": sum(m["tables"].values()),
            "files": sum(m["media"].values()),
            "audit": _printed(head) or "0",
        }


@dataclass(frozen=True)
class RestoreResult:
    directory: Path
    manifest: dict[str, Any]
    unapplied_migrations: int

    def summary(self) -> str:
        m = self.manifest
        head = m["audit_head"]
        text = _(
            "Restored %(dir)s (taken %(at)s): %(tables)d tables, %(rows)d rows and "
            "%(files)d media files; row counts and audit head #%(audit)s match the "
            "manifest and the audit chain is intact."
        ) % {
            "dir": self.directory,
            "at": m["created_at"],
            "tables": len(m["tables"]),
            "rows": sum(m["tables"].values()),
            "files": sum(m["media"].values()),
            "audit": head["id"] if head else 0,
        }
        if self.unapplied_migrations:
            text += " " + _(
                "The code has %(n)d migrations the backup predates: run `manage.py migrate`."
            ) % {"n": self.unapplied_migrations}
        return text


# --- where the files live -------------------------------------------------------------


def private_media_root() -> Path:
    """Same rule as participation.models.PrivateStorage."""
    root = getattr(settings, "PRIVATE_MEDIA_ROOT", None)
    return Path(root or Path(settings.MEDIA_ROOT).parent / "private")


def media_roots() -> dict[str, Path]:
    return {"media": Path(settings.MEDIA_ROOT), "private": private_media_root()}


def remote_media_storages() -> dict[str, Storage]:
    """The media storages that are not local folders (S3/MinIO), by archive folder name.

    Their files are copied through the storage API, so a backup is complete and
    self-contained whatever holds the files; local folders are copied as folders.
    """
    from participation.models import private_storage

    found = {"media": storages["default"], "private": private_storage()}
    return {name: st for name, st in found.items() if not isinstance(st, FileSystemStorage)}


def _storage_files(storage: Storage, folder: str = "") -> list[str]:
    dirs, files = storage.listdir(folder)
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in dirs:
        names += _storage_files(storage, f"{folder}/{sub}" if folder else sub)
    return sorted(names)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- reading the state of a database ---------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _state(cursor: Any, tables: list[str]) -> dict[str, Any]:
    """Row counts, latest migration per app and audit chain head, through a DB-API cursor."""
    counts: dict[str, int] = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - quoted name
        counts[table] = int(cursor.fetchone()[0])
    migrations: dict[str, str] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        for app, name in cursor.fetchall():
            migrations[app] = name
    head = None
    if AUDIT_TABLE in tables:
        cursor.execute(f"SELECT id, hash FROM {AUDIT_TABLE} ORDER BY id DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
        if row:
            head = {"id": int(row[0]), "hash": row[1]}
    return {"tables": counts, "migrations": migrations, "audit_head": head}


def _live_tables() -> list[str]:
    with connection.cursor() as cursor:
        return list(connection.introspection.table_names(cursor))


def current_state() -> dict[str, Any]:
    """The state of the configured database, for comparing with a manifest."""
    tables = _live_tables()
    with connection.cursor() as cursor:
        return _state(cursor, tables)


def tables_with_rows() -> list[str]:
    """Project tables that hold rows (rows `migrate` writes itself don't count)."""
    existing = set(_live_tables())
    ours = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    found = []
    with connection.cursor() as cursor:
        for table in sorted((ours & existing) - FILLED_BY_MIGRATE):
            empty = f"SELECT 1 FROM {_quote(table)} LIMIT 1"  # noqa: S608 - quoted name
            query = SEEDED_BY_MIGRATE.get(table, empty)
            cursor.execute(query)
            if cursor.fetchone():
                found.append(table)
    return found


# --- PostgreSQL tools ----------------------------------------------------------------------


def _pg_env() -> dict[str, str]:
    """Connection parameters for pg_dump/pg_restore, the password never on the command line."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _run_pg_tool(args: list[str]) -> None:
    tool = shutil.which(args[0])
    if tool is None:
        raise BackupError(
            _("%(tool)s was not found; install the PostgreSQL client tools.") % {"tool": args[0]}
        )
    done = subprocess.run(  # noqa: S603 - fixed program, arguments built here
        [tool, *args[1:]], env=_pg_env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(error)s")
            % {"tool": args[0], "error": (done.stderr or done.stdout).strip()[-2000:]}
        )


# --- backup ----------------------------------------------------------------------------


def _prepare_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise BackupError(_("%(dir)s exists and is not a directory.") % {"dir": target})
    if target.is_dir() and any(target.iterdir()):
        if not force:
            raise BackupError(
                _("%(dir)s is not empty; choose an empty directory or pass --force.")
                % {"dir": target}
            )
        for name in OUR_FILES:
            (target / name).unlink(missing_ok=True)
    target.mkdir(parents=True, exist_ok=True)


def _backup_sqlite(target: Path) -> dict[str, Any]:
    copy_path = target / SQLITE_FILE
    connection.ensure_connection()
    copy = sqlite3.connect(copy_path)
    try:
        connection.connection.backup(copy)
        # One self-contained file: no -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        tables = [
            row[0]
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return _state(copy.cursor(), tables)
    finally:
        copy.close()


def _backup_postgresql(target: Path) -> dict[str, Any]:
    """pg_dump and the manifest's counts read the same exported snapshot."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run_pg_tool(
            [
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={target / PG_FILE}",
                str(settings.DATABASES["default"]["NAME"]),
            ]
        )
        tables = list(connection.introspection.table_names(cursor))
        return _state(cursor, tables)


def _pack_media(target: Path) -> dict[str, int]:
    counts = {}
    remote = remote_media_storages()
    with tarfile.open(target / MEDIA_FILE, "w:gz") as tar:
        for arcname, root in media_roots().items():
            counts[arcname] = 0
            if arcname in remote:
                counts[arcname] = _pack_storage(tar, arcname, remote[arcname])
                continue
            if not root.is_dir():
                continue
            tar.add(root, arcname=arcname, recursive=False)
            for path in sorted(root.rglob("*")):
                if path.is_symlink() or not (path.is_file() or path.is_dir()):
                    continue
                tar.add(path, arcname=f"{arcname}/{path.relative_to(root)}", recursive=False)
                counts[arcname] += path.is_file()
    return counts


def _pack_storage(tar: tarfile.TarFile, arcname: str, storage: Storage) -> int:
    names = _storage_files(storage)
    for name in names:
        with storage.open(name, "rb") as handle:
            info = tarfile.TarInfo(f"{arcname}/{name}")
            info.size = storage.size(name)
            info.mode = 0o600
            info.mtime = int(timezone.now().timestamp())
            tar.addfile(info, handle)
    return len(names)


def backup_create(*, target: Path, force: bool = False) -> BackupResult:
    """Write a consistent copy of the database, the media files and a manifest into target."""
    target = Path(target)
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(_("Backups support SQLite and PostgreSQL only."))
    _prepare_target(target, force)
    created_at = timezone.now().isoformat(timespec="seconds")
    if vendor == "sqlite":
        database_file, state = SQLITE_FILE, _backup_sqlite(target)
    else:
        database_file, state = PG_FILE, _backup_postgresql(target)
    media = _pack_media(target)
    manifest = {
        "format": FORMAT,
        "created_at": created_at,
        "vendor": vendor,
        "database_file": database_file,
        "media_file": MEDIA_FILE,
        "migrations": state["migrations"],
        "tables": state["tables"],
        "audit_head": state["audit_head"],
        # As printed on notices and tables: `audit_verify --head` checks it against a log.
        "audit_head_printed": _printed(state["audit_head"]),
        "media": media,
        "files": {name: sha256_of(target / name) for name in (database_file, MEDIA_FILE)},
    }
    partial = target / (MANIFEST + ".part")
    partial.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    partial.replace(target / MANIFEST)
    return BackupResult(target, manifest)


# --- restore ---------------------------------------------------------------------------


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest, after checking that every file it lists is there and unaltered."""
    if not source.is_dir():
        raise BackupError(_("%(dir)s does not exist or is not a directory.") % {"dir": source})
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(
            _("%(dir)s has no manifest.json; it is not a finished backup.") % {"dir": source}
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(_("manifest.json cannot be read: %(error)s") % {"error": exc}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("manifest.json is not in a format this version can restore."))
    for name, expected in manifest["files"].items():
        file = source / name
        if not file.is_file():
            raise BackupError(_("%(file)s is missing from the backup.") % {"file": name})
        if sha256_of(file) != expected:
            raise BackupError(
                _("%(file)s does not match its checksum in the manifest; the backup is damaged.")
                % {"file": name}
            )
    return manifest


def _restore_sqlite(file: Path) -> None:
    name = str(settings.DATABASES["default"]["NAME"])
    if not name or name == ":memory:" or "mode=memory" in name:
        raise BackupError(_("Restoring needs a database file, not an in-memory database."))
    connection.close()
    source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    target = sqlite3.connect(name)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _restore_postgresql(file: Path) -> None:
    connection.close()
    _run_pg_tool(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(file),
        ]
    )


def _unpack_media(file: Path) -> None:
    roots = media_roots()
    remote = remote_media_storages()
    local = [root for name, root in roots.items() if name not in remote]
    if local:
        local[0].parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=local[0].parent if local else None) as scratch:
        with tarfile.open(file, "r:gz") as tar:
            tar.extractall(scratch, filter="data")
        for arcname, root in roots.items():
            unpacked = Path(scratch) / arcname
            if not unpacked.is_dir():
                continue
            if arcname in remote:
                _unpack_storage(unpacked, remote[arcname])
            else:
                shutil.copytree(unpacked, root, dirs_exist_ok=True)


def _unpack_storage(folder: Path, storage: Storage) -> None:
    """Write every file under folder into storage under the same name (replacing it)."""
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        if storage.exists(name):
            storage.delete(name)
        with path.open("rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(
                _("%(file)s could not be restored under its own name.") % {"file": name}
            )


def _unapplied_migrations() -> int:
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _check_restored(manifest: dict[str, Any]) -> None:
    from audit.services import audit_verify

    state = current_state()
    wrong = [
        f"{table}: {state['tables'].get(table)} ≠ {count}"
        for table, count in manifest["tables"].items()
        if state["tables"].get(table) != count
    ]
    if wrong:
        raise BackupError(
            _("The restored row counts differ from the manifest: %(tables)s")
            % {"tables": "; ".join(wrong[:10])}
        )
    if state["audit_head"] != manifest["audit_head"]:
        raise BackupError(
            _("The restored audit chain head %(got)s differs from the manifest's %(want)s.")
            % {"got": state["audit_head"], "want": manifest["audit_head"]}
        )
    broken = audit_verify()
    if broken is not None:
        raise BackupError(
            _("The restored audit chain is broken at %(where)s") % {"where": broken.describe()}
        )


def backup_restore(*, source: Path) -> RestoreResult:
    """Restore a backup into the empty configured database and media roots, then verify it."""
    source = Path(source)
    manifest = read_manifest(source)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            _("This backup was taken from %(theirs)s; the configured database is %(ours)s.")
            % {"theirs": manifest["vendor"], "ours": connection.vendor}
        )
    full = tables_with_rows()
    if full:
        raise BackupError(
            _(
                "The target database is not empty (rows in %(tables)s); restore only into "
                "an empty database."
            )
            % {"tables": ", ".join(full[:10]) + (" …" if len(full) > 10 else "")}
        )
    database_file = source / manifest["database_file"]
    if manifest["vendor"] == "sqlite":
        _restore_sqlite(database_file)
    else:
        _restore_postgresql(database_file)
    _unpack_media(source / manifest["media_file"])
    _check_restored(manifest)
    return RestoreResult(source, manifest, _unapplied_migrations())
