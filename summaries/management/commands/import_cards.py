"""`import_cards FILE.xlsx --branch CODE --year YEAR [--create-members] [--dry-run]`.

Moves a branch's year of Excel points cards (附件2) into the ledger, all or nothing
(DESIGN.md §6). Every problem is printed by sheet and cell and the command exits 1
with nothing written; on success it prints each imported member's totals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from core.years import EARLIEST, LATEST
from organizations.models import Organization
from summaries.card_import import MAX_BYTES, cards_import


class Command(BaseCommand):
    help = "Import a workbook of points cards (attachment 2) into a branch's year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .xlsx workbook, one sheet per member")
        parser.add_argument("--branch", required=True, help="the branch's code")
        parser.add_argument("--year", required=True, type=int, help="the year of the cards")
        parser.add_argument(
            "--create-members",
            action="store_true",
            help="add members the branch does not have yet instead of reporting them",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and show the totals; write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        branch = (
            Organization.objects.exclude(kind=Organization.Kind.COMMITTEE)
            .filter(code=options["branch"])
            .first()
        )
        if branch is None:
            raise CommandError(_("There is no branch with the code %s.") % options["branch"])
        year = options["year"]
        if not EARLIEST <= year <= LATEST:
            raise CommandError(_("%d is not a year the system keeps.") % year)
        path = Path(options["file"])
        try:
            if path.stat().st_size > MAX_BYTES:
                raise CommandError(
                    _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
                )
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc}
            ) from exc

        result = cards_import(
            branch=branch,
            year=year,
            workbook=data,
            create_members=options["create_members"],
            filename=path.name,
            dry_run=options["dry_run"],
        )
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(_("Warning: %s") % warning))
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("%(n)d problem(s) found; nothing was imported.") % {"n": len(result.problems)},
                returncode=1,
            )
        self.stdout.write(
            _("%(branch)s %(year)d — base / dedication / appraisal / deductions / total / rank")
            % {"branch": branch.name, "year": year}
        )
        for r in result.results:
            t = r.totals
            flags = [_("new")] if r.member.name in result.new_names else []
            if r.vetoed:
                flags.append(_("vetoed"))
            self.stdout.write(
                f"{r.member.name}\t{t.base}\t{t.dedication}\t{t.appraisal}\t{t.deductions}"
                f"\t{t.total}\t{r.rank if r.rank is not None else '—'}"
                + (f"\t({', '.join(str(f) for f in flags)})" if flags else "")
            )
        if result.written:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Imported %(n)d cards into %(branch)s for %(year)d.")
                    % {"n": len(result.cards), "branch": branch.name, "year": year}
                )
            )
        else:
            self.stdout.write(_("Dry run: nothing was written."))
