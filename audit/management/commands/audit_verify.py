"""Check that nobody has altered, inserted or removed rows of the audit log.

Exit status 0 with "audit chain intact: N rows"; exit status 1 naming the first
row that does not fit the chain. With --head, whether a head printed on a notice,
a summary table or a backup manifest is still in the chain: its row there with that
hash, and the chain intact up to it; exit status 1 when the log was rewritten or
cut short since it was printed.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_chain_check, head_check


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log, or that a printed head is still in it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--batch", type=int, default=2000, help="Rows read per query (default 2000)."
        )
        parser.add_argument(
            "--head",
            help="A printed chain head: “123-abcdef012345”, the QR code's text or a whole hash.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch = max(1, options["batch"])
        if options["head"]:
            self._head(options["head"], batch)
            return
        report = audit_chain_check(batch=batch)
        if report.first_break is not None:
            raise CommandError(
                f"audit chain broken at {report.first_break.describe()}", returncode=1
            )
        self.stdout.write(f"audit chain intact: {report.rows} rows")

    def _head(self, text: str, batch: int) -> None:
        try:
            check = head_check(text, batch=batch)
        except ValueError:
            raise CommandError(
                f"not a chain head: {text!r} (expected e.g. 123-abcdef012345)", returncode=2
            ) from None
        if check.found is None:
            raise CommandError(
                f"printed head {text} is NOT in the audit chain: the log was rewritten or "
                "cut short after it was printed",
                returncode=1,
            )
        if check.report.first_break is not None:
            raise CommandError(
                f"printed head {check.found.short} is in the log, but the chain before it is "
                f"broken at {check.report.first_break.describe()}",
                returncode=1,
            )
        self.stdout.write(
            f"printed head {check.found.short} is in the audit chain "
            f"(row {check.found.id}); the chain up to it is intact: {check.report.rows} rows"
        )
