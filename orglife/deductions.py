"""The deduction an attendance row or a dues record carries on the points card.

The ledger is the record: a row's deduction is the entry with its source_ref
that has not been reversed. `deduction_sync` posts or reverses so that exactly
one such entry exists while the row deserves a deduction, and none otherwise.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.errors import DomainError
from ledger.models import Entry
from ledger.services import entry_post, entry_reverse, period_is_closed
from organizations.models import Member, Organization
from rules.models import Item, PointsKind
from rules.services import scheme_for_year


def check_period_open(*, branch_id: int, year: int, month: int, what: str) -> None:
    """Refuse any change to a record of a closed half-year (its points are final)."""
    if period_is_closed(branch_id=branch_id, year=year, month=month):
        half = _("first half") if month <= 6 else _("second half")
        raise DomainError(
            _("The %(half)s of %(year)d is closed; %(what)s in it can no longer change.")
            % {"half": half, "year": year, "what": what}
        )


def deduction_item(*, branch: Organization, year: int, code: str) -> Item:
    """The branch's scheme item with this template code for the year."""
    scheme = scheme_for_year(branch=branch, year=year)
    item = scheme.items.filter(code=code, is_retired=False).first()
    if item is None:
        raise DomainError(
            _(
                "The points scheme of %(branch)s for %(year)d has no deduction item "
                "for this (%(code)s); ask the secretary to restore it."
            )
            % {"branch": branch.name, "year": year, "code": code}
        )
    return item


def deduction_points(item: Item) -> Decimal:
    """Points per occurrence: the fixed value, or the lowest the item allows."""
    if item.points_kind == PointsKind.FIXED and item.points is not None:
        return item.points
    if item.points_kind == PointsKind.RANGE and item.points_min is not None:
        return item.points_min
    if item.points_kind == PointsKind.LEVELS and item.levels:
        return min(Decimal(str(level["points"])) for level in item.levels)
    raise DomainError(_("The deduction item “%(name)s” has no points set.") % {"name": item.name})


def _live(**filters: Any) -> Any:
    # The (member, year) and (branch, year) indexes narrow the search; source_ref has none.
    return Entry.objects.filter(reverses__isnull=True, reversed_by__isnull=True, **filters)


def live_deduction(*, member: Member, year: int, source_ref: str) -> Entry | None:
    """The entry for this record that still counts, if any."""
    return _live(member=member, year=year, source_ref=source_ref).order_by("-pk").first()


def live_deductions(*, branch_id: int, year: int, source_refs: list[str]) -> dict[str, Entry]:
    """Live deductions of many records of one branch and year in one query, by source_ref."""
    if not source_refs:
        return {}
    entries = (
        _live(branch_id=branch_id, year=year, source_ref__in=source_refs)
        .select_related("item")
        .order_by("pk")
    )
    return {entry.source_ref: entry for entry in entries}


def deduction_sync(
    *,
    member: Member,
    year: int,
    month: int,
    code: str,
    source: str,
    source_ref: str,
    due: bool,
    reason: str,
    actor: Any,
) -> Entry | None:
    """Post the deduction when it is due and missing; reverse it when it is live and not due.

    Returns the entry written (posted or reversing), or None when nothing changed.
    """
    live = live_deduction(member=member, year=year, source_ref=source_ref)
    if due and live is None:
        item = deduction_item(branch=member.branch, year=year, code=code)
        return entry_post(
            member=member,
            year=year,
            month=month,
            item=item,
            points=deduction_points(item),
            source=source,
            source_ref=source_ref,
            recorded_by=actor,
            reason=reason,
        )
    if not due and live is not None:
        return entry_reverse(entry=live, reason=reason, recorded_by=actor)
    return None
