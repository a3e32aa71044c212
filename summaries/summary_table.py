"""附件4 党员奉献量化积分制管理汇总表: a branch's year as the summary table, and its
confirmation by the secretary (plan 一(三)4, DESIGN.md §3.4).

The table's rows are the members taking part, in the order of the ranking: 序号, 党员姓名,
基本分, 奉献分, 评议分, 扣减分, 年度总积分. Exempt members are left out. The secretary confirms
the table of a closed year; the confirmation keeps the rows it confirmed, and when the
year's totals change afterwards (a reopened period, a veto) it is stale and must be
given again. A fixed number of queries whatever the size of the branch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_record
from core.errors import DomainError, PermissionDenied
from core.locks import ROW_LOCK
from core.pinyin import name_order
from declarations.models import WAITING, Declaration
from ledger.models import PeriodLock
from ledger.totals import BranchYear, MemberResult, branch_year, year_results
from organizations.models import Member, Organization, Role
from organizations.permissions import scope_for
from scoring import engine

from .models import SummaryConfirmation

TITLE = "党员奉献量化积分制管理汇总表"
HEADINGS = ("序号", "党员姓名", "基本分", "奉献分", "评议分", "扣减分", "年度总积分")
MIN_ROWS = 20  # the printed form has twenty numbered rows
BIN_WIDTH = Decimal(10)


def decimal_text(value: Decimal) -> str:
    """A figure as DESIGN.md §6 writes it: at most one decimal place, no trailing zero
    ("100", "90.5", "0")."""
    value = engine.round1(value)
    if value == 0:
        return "0"
    return f"{value.normalize():f}"


def person_name(user: Any) -> str:
    """How a user signs: their member record's name, else their full name, else the login."""
    if user is None:
        return ""
    member = Member.objects.filter(user=user).only("name").first()
    if member is not None:
        return member.name
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class SummaryRow:
    number: int  # 序号: the row's place in the table, 1..n
    member: Member
    base: Decimal
    dedication: Decimal
    appraisal: Decimal
    deductions: Decimal
    total: Decimal
    rank: int
    vetoed: bool
    award_eligible: bool
    help_talk_due: bool

    @property
    def figures(self) -> tuple[Decimal, ...]:
        return (self.base, self.dedication, self.appraisal, self.deductions, self.total)

    def as_record(self) -> dict[str, Any]:
        """The row as a confirmation stores it (and compares it later)."""
        return {
            "member_id": self.member.pk,
            "name": self.member.name,
            "base": str(self.base),
            "dedication": str(self.dedication),
            "appraisal": str(self.appraisal),
            "deductions": str(self.deductions),
            "total": str(self.total),
            "rank": self.rank,
            "vetoed": self.vetoed,
        }


def _row(number: int, result: MemberResult) -> SummaryRow:
    t, s = result.totals, result.standing
    assert s is not None  # only ranked members have rows
    return SummaryRow(
        number=number,
        member=result.member,
        base=t.base,
        dedication=t.dedication,
        appraisal=t.appraisal,
        deductions=t.deductions,
        total=t.total,
        rank=s.rank,
        vetoed=s.vetoed,
        award_eligible=s.award_eligible,
        help_talk_due=s.help_talk_due,
    )


def summary_rows(by: BranchYear) -> list[SummaryRow]:
    """The members taking part, by rank (ties by name): the rows of attachment 4."""
    return [_row(number, result) for number, result in enumerate(by.ranked, start=1)]


def snapshot_rows(by: BranchYear) -> list[dict[str, Any]]:
    """Every member's totals and standing, for a closing snapshot (decimal strings)."""
    out = []
    for result in by.results:
        t, s = result.totals, result.standing
        out.append(
            {
                "member_id": result.member.pk,
                "name": result.member.name,
                "takes_part": result.takes_part,
                "base": str(t.base),
                "dedication": str(t.dedication),
                "appraisal": str(t.appraisal),
                "deductions": str(t.deductions),
                "total": str(t.total),
                "rank": s.rank if s else None,
                "vetoed": result.vetoed,
                "award_eligible": s.award_eligible if s else False,
                "help_talk_due": s.help_talk_due if s else False,
            }
        )
    return out


class State:
    """Where a branch's summary table of a year stands."""

    OPEN = "open"  # the year is not closed: totals so far
    UNCONFIRMED = "unconfirmed"  # closed, waiting for the secretary
    CONFIRMED = "confirmed"
    STALE = "stale"  # confirmed, but the year was reopened or its totals changed since

    LABELS = {
        OPEN: gettext_lazy("Year not closed"),
        UNCONFIRMED: gettext_lazy("Awaiting confirmation"),
        CONFIRMED: gettext_lazy("Confirmed"),
        STALE: gettext_lazy("Changed since confirmed"),
    }


@dataclass(frozen=True)
class SummaryTable:
    branch: Organization
    year: int
    by: BranchYear
    rows: list[SummaryRow]
    year_lock: PeriodLock | None  # the active closing of the second half
    confirmation: SummaryConfirmation | None  # the latest one, current or not
    state: str

    @property
    def state_label(self) -> str:
        return str(State.LABELS[self.state])

    @property
    def is_confirmed(self) -> bool:
        return self.state == State.CONFIRMED

    @property
    def secretary_name(self) -> str:
        """The name on the signature line: the confirming secretary's, while it holds."""
        return self.confirmation.confirmed_by_name if self.is_confirmed else ""  # type: ignore[union-attr]

    @property
    def vetoed_names(self) -> list[str]:
        return [row.member.name for row in self.rows if row.vetoed]

    @property
    def blank_rows(self) -> range:
        """Numbers of the form's empty rows after the members (up to twenty rows)."""
        return range(len(self.rows) + 1, MIN_ROWS + 1)


def _state(
    rows: list[SummaryRow], lock: PeriodLock | None, confirmation: SummaryConfirmation | None
) -> str:
    if confirmation is not None and (
        lock is None
        or confirmation.lock_id != lock.pk
        or confirmation.rows != [row.as_record() for row in rows]
    ):
        return State.STALE
    if lock is None:
        return State.OPEN
    return State.CONFIRMED if confirmation is not None else State.UNCONFIRMED


def _latest_confirmations(year: int, branch_ids: list[int]) -> dict[int, SummaryConfirmation]:
    latest: dict[int, SummaryConfirmation] = {}
    for confirmation in SummaryConfirmation.objects.filter(
        branch_id__in=branch_ids, year=year
    ).order_by("branch_id", "-confirmed_at", "-pk"):
        latest.setdefault(confirmation.branch_id, confirmation)
    return latest


def _year_locks(year: int, branch_ids: list[int]) -> dict[int, PeriodLock]:
    return {
        lock.branch_id: lock
        for lock in PeriodLock.objects.filter(
            branch_id__in=branch_ids, year=year, half=2, reopened_at__isnull=True
        )
    }


def _table(
    by: BranchYear, lock: PeriodLock | None, confirmation: SummaryConfirmation | None
) -> SummaryTable:
    rows = summary_rows(by)
    return SummaryTable(
        branch=by.branch,
        year=by.year,
        by=by,
        rows=rows,
        year_lock=lock,
        confirmation=confirmation,
        state=_state(rows, lock, confirmation),
    )


def summary_table(branch: Organization, year: int) -> SummaryTable:
    """The branch's summary table of the year, with its confirmation state."""
    return summary_tables(year, [branch])[0]


def summary_tables(year: int, branches: Iterable[Organization]) -> list[SummaryTable]:
    """Each branch's table of the year, in the branches' order, in a fixed number of queries."""
    branches = list(branches)
    ids = [b.pk for b in branches]
    results = year_results(year, branches)
    locks = _year_locks(year, ids)
    confirmations = _latest_confirmations(year, ids)
    return [_table(results[b.pk], locks.get(b.pk), confirmations.get(b.pk)) for b in branches]


def distribution(rows: list[SummaryRow]) -> dict[str, list[str]]:
    """Members per band of ten points of the annual total, for the bar chart."""
    if not rows:
        return {"labels": [], "values": []}
    low = min(row.total for row in rows) // BIN_WIDTH * BIN_WIDTH
    high = max(row.total for row in rows) // BIN_WIDTH * BIN_WIDTH
    counts: dict[Decimal, int] = {}
    start = low
    while start <= high:
        counts[start] = 0
        start += BIN_WIDTH
    for row in rows:
        counts[row.total // BIN_WIDTH * BIN_WIDTH] += 1
    return {
        "labels": [f"{decimal_text(s)}–{decimal_text(s + BIN_WIDTH)}" for s in counts],
        "values": [str(n) for n in counts.values()],
    }


# Confirming -------------------------------------------------------------------


class UnreviewedDeclarations(DomainError):
    """Declarations still waiting for the group: the summary would leave them out."""

    def __init__(self, message: str, declarations: list[Declaration]) -> None:
        super().__init__(message)
        self.declarations = declarations


def unreviewed_declarations(
    branch: Organization, year: int, months: Iterable[int] = range(1, 13)
) -> list[Declaration]:
    """The branch's declarations of those months still waiting for review."""
    return list(
        Declaration.objects.filter(
            branch=branch, year=year, month__in=list(months), status__in=WAITING
        )
        .select_related("member")
        .order_by("month", *name_order("member__"), "pk")
    )


def _fingerprint(records: list[dict[str, Any]]) -> str:
    text = json.dumps(records, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def summary_confirm_check(*, branch: Organization, year: int, confirmed_by: Any) -> Any:
    """Whether the table may be confirmed now; raises the refusal `summary_confirm` would
    and returns (the year's lock, the table)."""
    if not scope_for(confirmed_by).has_role(branch.pk, Role.SECRETARY):
        raise PermissionDenied(_("Only the branch secretary confirms the summary table."))
    lock = _year_locks(year, [branch.pk]).get(branch.pk)
    if lock is None:
        raise DomainError(
            _("Close the year %(year)d before confirming its summary table.") % {"year": year}
        )
    waiting = unreviewed_declarations(branch, year)
    if waiting:
        raise UnreviewedDeclarations(
            _(
                "%(n)d declaration(s) of %(year)d still await review; review them before "
                "confirming the summary table."
            )
            % {"n": len(waiting), "year": year},
            waiting,
        )
    table = _table(
        branch_year(branch, year), lock, _latest_confirmations(year, [branch.pk]).get(branch.pk)
    )
    if table.state == State.CONFIRMED:
        raise DomainError(_("This summary table is already confirmed and has not changed since."))
    return lock, table


@transaction.atomic
def summary_confirm(*, branch: Organization, year: int, confirmed_by: Any) -> SummaryConfirmation:
    """The secretary confirms the closed year's summary table, which then goes to the
    committee (plan 一(三)4); name and time are kept with the rows confirmed."""
    # One confirmation at a time per branch: two clicks must not both pass the checks.
    if scope_for(confirmed_by).has_role(branch.pk, Role.SECRETARY):
        Organization.objects.select_for_update(**ROW_LOCK).filter(pk=branch.pk).first()
    lock, table = summary_confirm_check(branch=branch, year=year, confirmed_by=confirmed_by)
    records = [row.as_record() for row in table.rows]
    confirmation = SummaryConfirmation.objects.create(
        branch=branch,
        year=year,
        lock=lock,
        confirmed_by=confirmed_by,
        confirmed_by_name=person_name(confirmed_by)[:100],
        rows=records,
    )
    audit_record(
        action="summaries.summary.confirmed",
        actor=confirmed_by,
        obj=confirmation,
        organization=branch,
        before={"state": table.state},
        after={
            "year": year,
            "lock": lock.pk,
            "members": len(records),
            "rows_sha256": _fingerprint(records),
            "confirmed_by_name": confirmation.confirmed_by_name,
        },
    )
    return confirmation
