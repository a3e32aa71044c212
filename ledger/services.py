"""Writes to the points ledger. Every entry is appended; corrections are reversals."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, audit_refusal, snapshot
from core.actors import signed_in
from core.errors import DomainError
from core.locks import ROW_LOCK
from organizations.models import Member
from rules.models import Item

from . import gate
from .gate import EntryRefused, period_is_closed, to_points
from .models import Entry, Veto

__all__ = ["entry_post", "entry_reverse", "period_is_closed", "to_points", "veto_record"]


def _refused(
    exc: EntryRefused, *, action: str, actor: Any, organization: Any, **facts: Any
) -> None:
    audit_refusal(
        action=action,
        actor=actor,
        organization=organization,
        object_repr=str(facts.get("member") or facts.get("entry") or ""),
        after={"rule": exc.rule, "message": exc.message, **facts},
    )


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
    partial: bool = False,
) -> Entry:
    """Append one entry to the member's points card (plan §1.3: the group records points).

    The one gate to the points: every rule of `ledger.gate` is checked here, for every
    source; a refusal raises `EntryRefused`, writes nothing and is audited.
    """
    reason = (reason or "").strip()
    try:
        return _entry_post(
            member=member,
            year=year,
            month=month,
            points=points,
            source=source,
            item=item,
            kind=kind,
            source_ref=source_ref,
            recorded_by=recorded_by,
            reason=reason,
            evidence=evidence,
            partial=partial,
        )
    except EntryRefused as exc:
        _refused(
            exc,
            action="ledger.entry.refused",
            actor=recorded_by,
            organization=member.branch_id,
            member=member.name,
            member_id=member.pk,
            year=year,
            month=month,
            item=item.pk if item is not None else None,
            points=str(points),
            source=source,
        )
        raise


@transaction.atomic
def _entry_post(
    *,
    member: Member,
    year: int,
    month: int,
    points: Any,
    source: str,
    item: Item | None,
    kind: str | None,
    source_ref: str,
    recorded_by: Any,
    reason: str,
    evidence: str,
    partial: bool,
) -> Entry:
    value = to_points(points)
    if item is not None:
        # Two officers recording for the same member at once would both see the same
        # room under the caps (PostgreSQL; SQLite's writers queue anyway).
        Member.objects.select_for_update(**ROW_LOCK).filter(pk=member.pk).first()
    kind = gate.check_entry(
        member=member,
        year=year,
        month=month,
        points=value,
        source=source,
        item=item,
        kind=kind,
        reason=reason,
        partial=partial,
        recorded_by=recorded_by,
    )
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
        recorded_by=signed_in(recorded_by),
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


def entry_reverse(*, entry: Entry, reason: str, recorded_by: Any = None) -> Entry:
    """Cancel an entry by appending its negation in the same month, with a reason."""
    try:
        return _entry_reverse(entry=entry, reason=(reason or "").strip(), recorded_by=recorded_by)
    except EntryRefused as exc:
        _refused(
            exc,
            action="ledger.entry.reverse_refused",
            actor=recorded_by,
            organization=entry.branch_id,
            entry=entry.pk,
        )
        raise


@transaction.atomic
def _entry_reverse(*, entry: Entry, reason: str, recorded_by: Any) -> Entry:
    # Lock the entry so that two officers reversing it at once cannot both pass
    # the "already reversed" check (the second would hit the unique key).
    entry = Entry.objects.select_for_update(**ROW_LOCK).get(pk=entry.pk)
    gate.check_reversal(entry=entry, reason=reason, recorded_by=recorded_by)
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
        recorded_by=signed_in(recorded_by),
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
    if gate.acts_on_own(member_user_id=member.user_id, actor=recorded_by):
        raise DomainError(_("Nobody records a veto against themselves; another officer does."))
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
        recorded_by=signed_in(recorded_by),
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
    if gate.acts_on_own(member_user_id=veto.member.user_id, actor=revoked_by):
        raise DomainError(
            _("Nobody revokes their own veto; another officer or the committee does.")
        )
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
