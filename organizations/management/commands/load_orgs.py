"""Load the committee, general branches and branches from a CSV file.

The file has the header `code,name,kind,parent` (UTF-8, with or without a BOM).
A row's parent may come later in the file than the row itself. Every row is
checked before anything is written; if any row is wrong, every problem is
listed with its line number and nothing changes.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from organizations.models import Organization
from organizations.services import CODE_RE, check_parent, organization_save

HEADER = ["code", "name", "kind", "parent"]


@dataclass(frozen=True)
class Row:
    line: int
    code: str
    name: str
    kind: str
    parent: str


# (line number, what is wrong there)
Problem = tuple[int, str]


def read_rows(text: str) -> tuple[list[Row], list[Problem]]:
    """The file's rows and the problems found reading them one by one."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != HEADER:
        return [], [(1, _("The header must be exactly “code,name,kind,parent”."))]
    rows: list[Row] = []
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(HEADER):
            problems.append((line, _("Expected 4 columns, found %(n)d.") % {"n": len(cells)}))
            continue
        code, name, kind, parent = (c.strip() for c in cells)
        row = Row(line, code, name, kind, parent)
        problems += [(line, problem) for problem in row_problems(row)]
        if code in first_line:
            problems.append(
                (
                    line,
                    _("The code “%(code)s” already appears on line %(first)d.")
                    % {"code": code, "first": first_line[code]},
                )
            )
            continue
        first_line[code] = line
        rows.append(row)
    return rows, problems


def row_problems(row: Row) -> list[str]:
    problems = []
    if not CODE_RE.match(row.code):
        problems.append(
            _("The code “%(code)s” is not 1–32 letters, digits, hyphens or underscores.")
            % {"code": row.code}
        )
    if not row.name:
        problems.append(_("The name is missing."))
    elif len(row.name) > 100:
        problems.append(_("The name is longer than 100 characters."))
    if row.kind not in Organization.Kind.values:
        problems.append(
            _("Unknown kind “%(kind)s” (use committee, general_branch or branch).")
            % {"kind": row.kind}
        )
    elif row.kind == Organization.Kind.COMMITTEE and row.parent:
        problems.append(_("A party committee has no parent organisation."))
    elif row.kind != Organization.Kind.COMMITTEE and not row.parent:
        problems.append(_("A branch or general branch needs a parent organisation."))
    if row.parent and row.parent == row.code:
        problems.append(_("An organisation cannot be its own parent."))
    return problems


def tree_problems(rows: list[Row]) -> list[Problem]:
    """Problems of the tree the file would make together with what is stored."""
    final: dict[str, tuple[str, str]] = {
        code: (kind, parent or "")
        for code, kind, parent in Organization.objects.values_list("code", "kind", "parent__code")
    }
    stored = set(final)
    with_members = set(
        Organization.objects.filter(members__isnull=False).values_list("code", flat=True)
    )
    final.update({row.code: (row.kind, row.parent) for row in rows})
    line_of = {row.code: row.line for row in rows}
    problems: list[Problem] = []

    def fits(line: int, kind: str, parent: str, what: str = "") -> None:
        # A committee with a parent is already reported row by row.
        if not parent or kind not in Organization.Kind.values or kind == "committee":
            return
        if parent not in final:
            problems.append(
                (
                    line,
                    _("The parent “%(parent)s” is neither in the file nor stored.")
                    % {"parent": parent},
                )
            )
            return
        parent_kind = final[parent][0]
        if parent_kind not in Organization.Kind.values:
            return
        try:
            check_parent(kind=kind, parent_kind=parent_kind)
        except DomainError as exc:
            problems.append((line, what + exc.message))

    for row in rows:
        fits(row.line, row.kind, row.parent)
        if row.kind == Organization.Kind.COMMITTEE and row.code in with_members:
            problems.append(
                (
                    row.line,
                    _("“%(code)s” has members and cannot become a party committee.")
                    % {"code": row.code},
                )
            )
    # Stored organisations the file leaves alone must still fit under a changed parent.
    for code in sorted(stored - set(line_of)):
        kind, parent = final[code]
        if parent in line_of:
            what = _("The stored organisation “%(code)s” under it: ") % {"code": code}
            fits(line_of[parent], kind, parent, what)
    return problems + cycle_problems(final, line_of)


def cycle_problems(final: dict[str, tuple[str, str]], line_of: dict[str, int]) -> list[Problem]:
    problems: list[Problem] = []
    reported: set[str] = set()
    for code, line in line_of.items():
        path, node = [code], final[code][1]
        while node and node in final and node not in path:
            path.append(node)
            node = final[node][1]
        if node == code and code not in reported:
            cycle = [*path, code]
            reported.update(path)
            problems.append(
                (line, _("The parents form a cycle: %(cycle)s.") % {"cycle": " → ".join(cycle)})
            )
    return problems


def depth_order(rows: list[Row]) -> list[Row]:
    """Parents before children, whatever the order in the file."""
    by_code = {row.code: row for row in rows}
    depth: dict[str, int] = {}

    def depth_of(code: str) -> int:
        if code not in depth:
            parent = by_code[code].parent
            depth[code] = depth_of(parent) + 1 if parent in by_code else 0
        return depth[code]

    return sorted(rows, key=lambda row: (depth_of(row.code), row.line))


class Command(BaseCommand):
    help = "Create or update organisations from a CSV file with the header code,name,kind,parent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="CSV file (UTF-8, header code,name,kind,parent)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}
            ) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(_("The file is not UTF-8 text.")) from exc
        rows, problems = read_rows(text)
        problems += tree_problems(rows)
        if not rows and not problems:
            problems = [(2, _("The file holds no organisations."))]
        if problems:
            for line, problem in sorted(problems, key=lambda p: p[0]):
                self.stderr.write(
                    _("Line %(line)d: %(problem)s") % {"line": line, "problem": problem}
                )
            raise CommandError(
                _("Nothing was written: %(n)d problem(s) found.") % {"n": len(problems)}
            )
        counts = self.save(rows)
        self.stdout.write(
            _("Organisations created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d.")
            % counts
        )

    @transaction.atomic
    def save(self, rows: list[Row]) -> dict[str, int]:
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        saved: dict[str, Organization] = {}
        position = {row.code: index for index, row in enumerate(rows, start=1)}
        for row in depth_order(rows):
            parent = None
            if row.parent:
                parent = saved.get(row.parent) or Organization.objects.get(code=row.parent)
            existing = Organization.objects.filter(code=row.code).first()
            try:
                org, created = organization_save(
                    code=row.code,
                    name=row.name,
                    kind=row.kind,
                    parent=parent,
                    order=position[row.code] * 10,
                )
            except DomainError as exc:
                raise CommandError(
                    _("Line %(line)d: %(problem)s Nothing was written.")
                    % {"line": row.line, "problem": exc.message}
                ) from exc
            saved[row.code] = org
            if created:
                counts["created"] += 1
            elif (existing.name, existing.kind, existing.parent_id, existing.order) == (  # type: ignore[union-attr]
                org.name,
                org.kind,
                org.parent_id,
                org.order,
            ):
                counts["unchanged"] += 1
            else:
                counts["updated"] += 1
        return counts
