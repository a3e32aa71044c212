"""Writes to the points ledger. Every entry is appended; corrections are reversals."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from core.errors import DomainError
from core.locks import ROW_LOCK
from organizations.models import Member
from rules.models import Item, Section

from .models import Entry, Kind, PeriodLock, Source, Veto

ONE_PLACE = Decimal("0.1")
KIND_OF_SECTION = {
    Section.BASE: Kind.BASE,
    Section.DEDICATION: Kind.DEDICATION,
    Section.DEDUCTION: Kind.DEDUCTION,
}


def to_points(value: Any) -> Decimal:
    """A points value with at most one decimal place, or a DomainError."""
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(_("“%(value)s” is not a number of points.") % {"value": value}) from exc
    if not points.is_finite():
        raise DomainError(_("“%(value)s” is not a number of points.") % {"value": value})
    # Checked before quantize, which fails on huge exponents such as 1e999999.
    if abs(points) >= Decimal("100000"):
        raise DomainError(_("The number of points is too large."))
    if points != points.quantize(ONE_PLACE):
        raise DomainError(_("Points have at most one decimal place."))
    return points.quantize(ONE_PLACE) + 0  # + 0 turns -0.0 into 0.0


def period_is_closed(*, branch_id: int, year: int, month: int) -> bool:
    half = 1 if month <= 6 else 2
    return PeriodLock.objects.filter(
        branch_id=branch_id, year=year, half=half, reopened_at__isnull=True
    ).exists()


def _check_period(*, member: Member, year: int, month: int) -> None:
    if not 1 <= month <= 12:
        raise DomainError(_("The month must be between 1 and 12."))
    if period_is_closed(branch_id=member.branch_id, year=year, month=month):
        raise DomainError(
            _("%(year)d %(half)s is closed; no points can be recorded in it.")
            % {"year": year, "half": _("first half") if month <= 6 else _("second half")}
        )


def _check_points_for_item(item: Item, points: Decimal) -> None:
    if item.section == Section.BASE:
        if points > 0:
            raise DomainError(_("A base score adjustment must be zero or negative."))
        if item.points is not None and -points > item.points:
            raise DomainError(
                _("The adjustment exceeds the item's maximum of %(max)s.") % {"max": item.points}
            )
    elif points <= 0:
        raise DomainError(_("Points must be greater than zero."))


@transaction.atomic
def entry_post(
    *,
    member: Member,
    year: int,
    month: int,
    points: Any,
    source: str,
    item: Item | None = None,
    kind: str | None = None,
    source_ref: str = "",
    recorded_by: Any = None,
    reason: str = "",
    evidence: str = "",
) -> Entry:
    """Append one entry to the member's points card (plan §1.3: the group records points)."""
    value = to_points(points)
    if source not in Source.values:
        raise DomainError(_("Unknown source of points."))
    _check_period(member=member, year=year, month=month)
    if item is not None:
        scheme = item.scheme
        if scheme.is_template or scheme.organization_id != member.branch_id or scheme.year != year:
            raise DomainError(_("The item does not belong to this branch's scheme for the year."))
        if item.is_retired:
            raise DomainError(_("The item “%(name)s” is retired.") % {"name": item.name})
        _check_points_for_item(item, value)
        kind = KIND_OF_SECTION[Section(item.section)]
    elif kind != Kind.APPRAISAL:
        raise DomainError(_("Choose an item of the scheme."))
    entry = Entry(
        branch_id=member.branch_id,
        member=member,
        year=year,
        month=month,
        kind=kind,
        item=item,
        points=value,
        source=source,
        source_ref=source_ref[:100],
        recorded_by=recorded_by if getattr(recorded_by, "is_authenticated", False) else None,
        reason=reason[:500],
        evidence=evidence,
    )
    entry.save()
    audit_record(
        action="ledger.entry.posted",
        actor=recorded_by,
        obj=entry,
        organization=member.branch_id,
        after=snapshot(entry),
    )
    return entry


@transaction.atomic
def entry_reverse(*, entry: Entry, reason: str, recorded_by: Any = None) -> Entry:
    """Cancel an entry by appending its negation in the same month, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for the reversal."))
    # Lock the entry so that two officers reversing it at once cannot both pass
    # the "already reversed" check (the second would hit the unique key).
    entry = Entry.objects.select_for_update(**ROW_LOCK).get(pk=entry.pk)
    if entry.reverses_id is not None:
        raise DomainError(_("A reversing entry cannot itself be reversed."))
    if Entry.objects.filter(reverses=entry).exists():
        raise DomainError(_("This entry has already been reversed."))
    if period_is_closed(branch_id=entry.branch_id, year=entry.year, month=entry.month):
        raise DomainError(_("The period of this entry is closed; it cannot be reversed."))
    reversal = Entry(
        branch_id=entry.branch_id,
        member_id=entry.member_id,
        year=entry.year,
        month=entry.month,
        kind=entry.kind,
        item_id=entry.item_id,
        points=-entry.points,
        source=entry.source,
        source_ref=entry.source_ref,
        reverses=entry,
        recorded_by=recorded_by if getattr(recorded_by, "is_authenticated", False) else None,
        reason=reason[:500],
    )
    reversal.save()
    audit_record(
        action="ledger.entry.reversed",
        actor=recorded_by,
        obj=reversal,
        organization=entry.branch_id,
        before=snapshot(entry),
        after=snapshot(reversal),
    )
    return reversal


def _check_year_open(*, branch_id: int, year: int) -> None:
    """A veto changes the year's ranking, so it waits for a reopening once the year is closed."""
    if period_is_closed(branch_id=branch_id, year=year, month=12):
        raise DomainError(
            _("%(year)d is closed; a veto can only change after the committee reopens it.")
            % {"year": year}
        )


@transaction.atomic
def veto_record(
    *,
    member: Member,
    year: int,
    ground: str,
    facts: str,
    decided_on: Any,
    evidence: str = "",
    recorded_by: Any = None,
) -> Veto:
    """Record the branch's 一票否决 decision: the member ranks last and earns no award."""
    if ground not in Veto.Ground.values:
        raise DomainError(_("Choose one of the plan's grounds for a veto."))
    if not (facts or "").strip():
        raise DomainError(_("State the facts of the veto."))
    if Veto.objects.filter(member=member, year=year, revoked_at__isnull=True).exists():
        raise DomainError(_("This member already has a veto for %(year)d.") % {"year": year})
    _check_year_open(branch_id=member.branch_id, year=year)
    veto = Veto.objects.create(
        branch_id=member.branch_id,
        member=member,
        year=year,
        ground=ground,
        facts=facts.strip(),
        decided_on=decided_on,
        evidence=evidence,
        recorded_by=recorded_by if getattr(recorded_by, "is_authenticated", False) else None,
    )
    audit_record(
        action="ledger.veto.recorded",
        actor=recorded_by,
        obj=veto,
        organization=member.branch_id,
        after=snapshot(veto),
    )
    return veto


@transaction.atomic
def veto_revoke(*, veto: Veto, reason: str, revoked_by: Any = None) -> Veto:
    """Withdraw a veto recorded in error; the row stays, marked revoked."""
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for revoking the veto."))
    veto = Veto.objects.select_for_update(**ROW_LOCK).get(pk=veto.pk)
    if veto.revoked_at is not None:
        raise DomainError(_("This veto has already been revoked."))
    _check_year_open(branch_id=veto.branch_id, year=veto.year)
    before = snapshot(veto)
    veto.revoked_at = timezone.now()
    veto.revoked_reason = reason.strip()[:500]
    veto.save(update_fields=["revoked_at", "revoked_reason"])
    audit_record(
        action="ledger.veto.revoked",
        actor=revoked_by,
        obj=veto,
        organization=veto.branch_id,
        before=before,
        after=snapshot(veto),
    )
    return veto
