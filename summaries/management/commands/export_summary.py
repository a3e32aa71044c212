"""`export_summary --branch CODE --year YEAR --format json|csv|xlsx [-o FILE]`.

Writes a branch's summary table (附件4) to standard output or FILE: the JSON of
DESIGN.md §6 ("Machine-readable summary"), CSV, or the .xlsx form. An open year gives
the totals so far. A bad branch, year or format: a message on stderr, exit status 1.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from core.years import EARLIEST, LATEST
from organizations.models import Organization
from summaries.summary_export import FORMATS, summary_csv, summary_json, summary_xlsx
from summaries.summary_table import summary_table


class Command(BaseCommand):
    help = "Export a branch's summary table (attachment 4) as JSON, CSV or Excel."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--branch", required=True, help="the branch's code")
        parser.add_argument("--year", required=True, help="the year")
        parser.add_argument(
            "--format", required=True, dest="fmt", help="json, csv or xlsx", metavar="FORMAT"
        )
        parser.add_argument(
            "-o", "--output", default="", help="write to this file instead of standard output"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = str(options["fmt"]).lower()
        if fmt not in FORMATS:
            raise CommandError(
                _("Unknown format “%(fmt)s”; use json, csv or xlsx.") % {"fmt": options["fmt"]}
            )
        try:
            year = int(options["year"])
        except ValueError:
            year = 0
        if not EARLIEST <= year <= LATEST:
            raise CommandError(_("“%s” is not a year the system keeps.") % options["year"])
        branch = (
            Organization.objects.exclude(kind=Organization.Kind.COMMITTEE)
            .filter(code=options["branch"])
            .first()
        )
        if branch is None:
            raise CommandError(_("There is no branch with the code %s.") % options["branch"])

        table = summary_table(branch, year)
        if fmt == "xlsx":
            data = summary_xlsx(table)
        elif fmt == "csv":
            data = summary_csv(table).encode("utf-8")
        else:
            text = json.dumps(summary_json(table), ensure_ascii=False, indent=1)
            data = (text + "\n").encode("utf-8")

        output = options["output"]
        if output:
            try:
                Path(output).write_bytes(data)
            except OSError as exc:
                raise CommandError(
                    _("Cannot write %(file)s: %(error)s") % {"file": output, "error": exc}
                ) from exc
            self.stderr.write(
                _("%(branch)s %(year)d: %(n)d members written to %(file)s.")
                % {"branch": branch.name, "year": year, "n": len(table.rows), "file": output}
            )
            return
        if fmt == "xlsx" and self.stdout.isatty():
            raise CommandError(
                _("An .xlsx workbook is binary; give -o FILE or redirect the output.")
            )
        self._write_bytes(data, binary=fmt == "xlsx")

    def _write_bytes(self, data: bytes, *, binary: bool) -> None:
        """The bytes as they are: to the byte stream under standard output, or to a
        byte stream given by a caller; text formats also to a text stream."""
        out: Any = self.stdout._out
        target: Any = getattr(out, "buffer", None) or out
        if isinstance(target, io.TextIOBase):
            if binary:
                raise CommandError(_("An .xlsx workbook is binary; give -o FILE instead."))
            target.write(data.decode("utf-8"))
            return
        out.flush()
        target.write(data)
        target.flush()
