"""Importing a year of points cards (附件2) into a branch, all or nothing (DESIGN.md §6).

`cards_import` reads the workbook against the branch's scheme for the year (copied from
the template on first use), matches each sheet to a member by name, and writes every
cell through the ledger services in one transaction. Any problem, or a dry run, rolls
the whole transaction back; the result lists every problem by sheet and cell.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_record
from core.errors import DomainError
from core.locks import ROW_LOCK
from core.periods import half_of
from ledger.models import Entry, Kind, PeriodLock, Source, Veto
from ledger.services import entry_post, veto_record
from ledger.totals import MemberResult, branch_year
from organizations.models import Department, Member, Organization, Participation
from organizations.services import member_create
from rules.services import scheme_for_year

from .card_reader import MAX_BYTES, read_workbook
from .card_sheet import Problem, SheetCard

__all__ = [
    "MAX_BYTES",
    "CardsImport",
    "Problem",
    "SheetCard",
    "cards_import",
    "read_workbook",
    "ref_prefix",
]

ACTION = "summaries.cards.imported"
SHA_PREFIX = 12


@dataclass
class CardsImport:
    """What an import found and, unless it was refused or a dry run, wrote."""

    branch: Organization
    year: int
    sha256: str = ""
    filename: str = ""
    cards: list[SheetCard] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Per card (same order): the member it goes to, None while unmatched; new ones are created.
    members: list[Member | None] = field(default_factory=list)
    new_names: set[str] = field(default_factory=set)
    # The imported members' totals and ranks in the branch after the import.
    results: list[MemberResult] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def result_for(self, card: SheetCard) -> MemberResult | None:
        index = next((i for i, c in enumerate(self.cards) if c is card), None)
        member = self.members[index] if index is not None and index < len(self.members) else None
        if member is None or member.pk is None:
            return None
        return next((r for r in self.results if r.member.pk == member.pk), None)


class _RollBack(Exception):
    """Raised inside the transaction to undo it: a problem was found, or a dry run."""


def ref_prefix(sha256: str) -> str:
    return f"import:{sha256[:SHA_PREFIX]}:"


def cards_import(
    *,
    branch: Organization,
    year: int,
    workbook: bytes | IO[bytes],
    create_members: bool,
    actor: Any = None,
    filename: str = "",
    dry_run: bool = False,
) -> CardsImport:
    """Move a branch's year of Excel points cards into the ledger, every cell or none.

    Entries get source "import" and can be reversed like any other; the same workbook is
    refused a second time for the branch and year.
    """
    data = workbook if isinstance(workbook, bytes) else workbook.read()
    result = CardsImport(branch=branch, year=year, filename=filename)
    if len(data) > MAX_BYTES:
        result.problems.append(
            Problem(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
        )
        return result
    if not branch.owns_members:
        result.problems.append(Problem(_("Only a branch or general branch has points cards.")))
        return result
    try:
        with transaction.atomic():
            _import(result, data, create_members=create_members, actor=actor)
            if result.problems or dry_run:
                raise _RollBack
            result.written = True
    except _RollBack:
        pass
    return result


def _import(result: CardsImport, data: bytes, *, create_members: bool, actor: Any) -> None:
    branch, year = result.branch, result.year
    # One import into a branch at a time, so that the same file cannot pass twice.
    Organization.objects.select_for_update(**ROW_LOCK).filter(pk=branch.pk).first()
    scheme = scheme_for_year(branch=branch, year=year, actor=actor)
    reading = read_workbook(data, items=scheme.items.all(), category_caps=scheme.category_caps)
    result.sha256 = reading.sha256
    result.cards, result.problems, result.warnings = (
        reading.cards,
        reading.problems,
        reading.warnings,
    )
    result.members = _match_members(result, create_members=create_members)
    earlier = _earlier_import(branch, year, reading.sha256)
    if earlier is not None:
        result.problems.insert(0, Problem(earlier))
        return
    _check_periods(result)
    _warn_about_members(result)
    if result.problems:
        return
    _write(result, actor=actor)
    if result.problems:
        return
    audit_record(
        action=ACTION,
        actor=actor,
        obj=branch,
        organization=branch,
        after={
            "year": year,
            "sha256": reading.sha256,
            "filename": result.filename[:200],
            "sheets": [card.sheet for card in result.cards],
            "members_created": sorted(result.new_names),
            "entries": sum(
                len(card.postings()) + (card.appraisal is not None) for card in result.cards
            ),
        },
    )
    imported = {member.pk for member in result.members if member is not None}
    result.results = [r for r in branch_year(branch, year).results if r.member.pk in imported]


def _earlier_import(branch: Organization, year: int, sha256: str) -> str | None:
    event = (
        AuditEvent.objects.filter(
            action=ACTION, organization_id=branch.pk, after__sha256=sha256, after__year=year
        )
        .order_by("-pk")
        .first()
    )
    if event is None:
        return None
    return _(
        "This workbook was already imported into %(branch)s for %(year)d on %(date)s; "
        "it cannot be imported twice."
    ) % {
        "branch": branch.name,
        "year": year,
        "date": timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M"),
    }


def _name_key(name: str) -> str:
    return "".join(name.split())


def _match_members(result: CardsImport, *, create_members: bool) -> list[Member | None]:
    by_name: dict[str, list[Member]] = defaultdict(list)
    for existing in Member.objects.filter(branch=result.branch).order_by("pk"):
        by_name[_name_key(existing.name)].append(existing)
    members: list[Member | None] = []
    for card in result.cards:
        matches = by_name.get(_name_key(card.name), []) if card.name else []
        member: Member | None = None
        if len(matches) > 1:
            result.problems.append(
                Problem(
                    _(
                        "%(count)d members of the branch are named %(name)s; the sheet cannot "
                        "tell which one it is."
                    )
                    % {"count": len(matches), "name": card.name},
                    card.sheet,
                    card.name_cell,
                )
            )
        elif matches:
            member = matches[0]
        elif card.name and create_members:
            result.new_names.add(card.name)
        elif card.name:
            result.problems.append(
                Problem(
                    _(
                        "no member of %(branch)s is named %(name)s; add the member first or "
                        "let the import create the missing members."
                    )
                    % {"branch": result.branch.name, "name": card.name},
                    card.sheet,
                    card.name_cell,
                )
            )
        members.append(member)
    return members


def _check_periods(result: CardsImport) -> None:
    halves = {
        half_of(month) for card in result.cards for _item, month, _points, _cell in card.postings()
    }
    if any(card.appraisal is not None for card in result.cards):
        halves.add(2)
    closed = PeriodLock.objects.filter(
        branch=result.branch, year=result.year, half__in=halves, reopened_at__isnull=True
    ).values_list("half", flat=True)
    for half in sorted(set(closed)):
        result.problems.append(
            Problem(
                _("%(year)d %(half)s is closed; no points can be recorded in it.")
                % {"year": result.year, "half": _("first half") if half == 1 else _("second half")}
            )
        )


def _warn_about_members(result: CardsImport) -> None:
    known = {m.pk: m for m in result.members if m is not None}
    if not known:
        return
    counts = dict(
        Entry.objects.filter(member_id__in=known, year=result.year)
        .values_list("member_id")
        .annotate(n=Count("pk"))
        .values_list("member_id", "n")
    )
    vetoed = set(
        Veto.objects.filter(
            member_id__in=known, year=result.year, revoked_at__isnull=True
        ).values_list("member_id", flat=True)
    )
    not_taking_part = set(
        Participation.objects.filter(
            member_id__in=known, year=result.year, takes_part=False
        ).values_list("member_id", flat=True)
    )
    for card, member in zip(result.cards, result.members, strict=True):
        if member is None:
            continue
        if counts.get(member.pk):
            result.warnings.append(
                Problem(
                    _(
                        "%(name)s already has %(count)d entries in %(year)d; the card's points "
                        "are added to them."
                    )
                    % {"name": member.name, "count": counts[member.pk], "year": result.year},
                    card.sheet,
                )
            )
        if card.veto and member.pk in vetoed:
            result.problems.append(
                Problem(
                    _("%(name)s already has a veto for %(year)d.")
                    % {"name": member.name, "year": result.year},
                    card.sheet,
                    card.veto_cell,
                )
            )
        if member.pk in not_taking_part:
            result.warnings.append(
                Problem(
                    _(
                        "%(name)s does not take part in %(year)d; the points are recorded "
                        "but not ranked."
                    )
                    % {"name": member.name, "year": result.year},
                    card.sheet,
                )
            )


def _department_and_position(
    unit: str, departments: dict[str, Department]
) -> tuple[Department | None, str]:
    """工作单位 "生态保护科 科长": a registered department, then the position."""
    head, _sep, rest = unit.partition(" ")
    if head in departments:
        return departments[head], rest.strip()[:100]
    return None, unit[:100]


def _write(result: CardsImport, *, actor: Any) -> None:
    branch, year = result.branch, result.year
    prefix = ref_prefix(result.sha256)
    departments = {
        d.name: d
        for d in Department.objects.filter(
            name__in={c.unit.partition(" ")[0] for c in result.cards}
        )
    }
    decided_on = min(dt.date(year, 12, 31), timezone.localdate())
    reason = _("Imported from the points card workbook %(file)s") % {
        "file": result.filename or result.sha256[:SHA_PREFIX]
    }
    for index, card in enumerate(result.cards):
        try:
            member = result.members[index]
            if member is None:
                department, position = _department_and_position(card.unit, departments)
                member = member_create(
                    branch=branch,
                    name=card.name,
                    department=department,
                    position=position,
                    actor=actor,
                )
                result.members[index] = member
        except DomainError as exc:
            result.problems.append(Problem(exc.message, card.sheet, card.name_cell))
            continue
        for item, month, points, cell in card.postings():
            _post(
                result,
                card,
                cell,
                member=member,
                year=year,
                month=month,
                points=points,
                item=item,
                source=Source.IMPORT,
                source_ref=f"{prefix}{card.sheet}",
                recorded_by=actor,
                reason=reason,
            )
        if card.appraisal is not None:
            _post(
                result,
                card,
                card.appraisal_cell,
                member=member,
                year=year,
                month=12,
                points=card.appraisal,
                kind=Kind.APPRAISAL,
                source=Source.IMPORT,
                source_ref=f"{prefix}appraisal",
                recorded_by=actor,
                reason=reason,
            )
        if card.veto:
            try:
                veto_record(
                    member=member,
                    year=year,
                    ground=Veto.Ground.OTHER,
                    facts=card.veto,
                    decided_on=decided_on,
                    evidence=reason,
                    recorded_by=actor,
                )
            except DomainError as exc:
                result.problems.append(Problem(exc.message, card.sheet, card.veto_cell))


def _post(result: CardsImport, card: SheetCard, cell: str, **kwargs: Any) -> None:
    try:
        entry_post(**kwargs)
    except DomainError as exc:
        result.problems.append(Problem(exc.message, card.sheet, cell))
