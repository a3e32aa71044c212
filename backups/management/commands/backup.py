"""`manage.py backup DIR`: the database, the media files and a manifest, into DIR."""

import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from backups.services import BackupError, backup_create


class Command(BaseCommand):
    help = "Write a consistent copy of the database and the media files, with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Where to write the backup (created if missing).")
        parser.add_argument(
            "--force", action="store_true", help="Write into DIR even if it is not empty."
        )

    def handle(self, *args, **options):
        try:
            result = backup_create(target=Path(options["directory"]), force=options["force"])
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        except (OSError, DatabaseError, sqlite3.Error) as exc:
            raise CommandError(_("Backup failed: %(error)s") % {"error": exc}) from exc
        self.stdout.write(result.summary())
