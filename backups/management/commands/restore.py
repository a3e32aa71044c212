"""`manage.py restore DIR`: a backup into the empty database DATABASE_URL names."""

import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from backups.services import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into the empty configured database and the "
        "media roots, then check row counts and the audit chain against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="A directory written by `manage.py backup`.")

    def handle(self, *args, **options):
        try:
            result = backup_restore(source=Path(options["directory"]))
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        except (OSError, DatabaseError, sqlite3.Error, EOFError) as exc:
            raise CommandError(_("Restore failed: %(error)s") % {"error": exc}) from exc
        self.stdout.write(result.summary())
