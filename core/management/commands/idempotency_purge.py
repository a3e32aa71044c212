"""Forget idempotency keys older than --days (default 30): retries come within minutes."""

from typing import Any

from django.core.management.base import BaseCommand

from core.idempotency import records_purge


class Command(BaseCommand):
    help = "Delete idempotency records older than --days days."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=30, help="Keep this many days (30).")

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = records_purge(days=max(1, options["days"]))
        self.stdout.write(f"idempotency records deleted: {deleted}")
