"""Check that nobody has altered, inserted or removed rows of the audit log.

Exit status 0 with "audit chain intact: N rows"; exit status 1 naming the first
row that does not fit the chain.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_chain_check


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--batch", type=int, default=2000, help="Rows read per query (default 2000)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_check(batch=max(1, options["batch"]))
        if report.first_break is not None:
            raise CommandError(
                f"audit chain broken at {report.first_break.describe()}", returncode=1
            )
        self.stdout.write(f"audit chain intact: {report.rows} rows")
