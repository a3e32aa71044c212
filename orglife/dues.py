"""Writes of the party dues record (党费): a monthly record per member.

Plan 一(二)1 asks branches to record "按时足额交纳党费"; DESIGN.md §4 turns a late or
short payment into the deduction 不按时参加组织生活或交纳党费. Each function keeps the
record and the ledger in step in one transaction, writes an audit row, and refuses a
closed half-year.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from core.actors import signed_in
from core.errors import DomainError
from core.locks import ROW_LOCK
from core.periods import Month
from ledger.models import Source
from organizations.models import Member, Organization
from organizations.permissions import is_own_member

from .deductions import check_period_open, deduction_sync
from .models import MEETING_DEDUCTION, DuesRecord


def _amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= Decimal("1e8"):
        raise DomainError(_("Enter the amount in yuan, for example 25.50."))
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(_("An amount has at most two decimal places (fen)."))
    return amount.quantize(Decimal("0.01"))


def _dues_reason(record: DuesRecord) -> str:
    month = str(Month(record.year, record.month))
    if record.deducted:
        return _("Party dues for %(month)s %(status)s") % {
            "month": month,
            "status": record.get_status_display(),
        }
    return _("Party dues for %(month)s corrected to “%(status)s”") % {
        "month": month,
        "status": record.get_status_display(),
    }


def _lock_dues(member: Member, year: int, month: int) -> DuesRecord:
    record = DuesRecord.objects.select_for_update(**ROW_LOCK).filter(
        member=member, year=year, month=month
    )
    found = record.first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return DuesRecord.objects.create(
                member=member, year=year, month=month, status=DuesRecord.Status.NONE
            )
    except IntegrityError:  # recorded meanwhile by another officer
        return record.get()


@transaction.atomic
def dues_set(
    *,
    member: Member,
    year: int,
    month: int,
    status: str,
    amount: Any = None,
    note: str = "",
    actor: Any,
    today: date | None = None,
) -> DuesRecord:
    """Record a member's dues for a month: paying late or short posts the deduction,
    a correction to on time (or to not recorded) reverses it."""
    if status not in DuesRecord.Status.values:
        raise DomainError(_("Choose how the dues were paid."))
    if not 1 <= month <= 12:
        raise DomainError(_("The month must be between 1 and 12."))
    if is_own_member(actor, member):
        raise DomainError(_("Nobody records their own party dues; another officer does."))
    value = _amount(amount)
    today = today or timezone.localdate()
    if (year, month) > (today.year, today.month) and status in DuesRecord.DEDUCTED:
        raise DomainError(_("A month still to come cannot be paid late or short."))
    check_period_open(branch_id=member.branch_id, year=year, month=month, what=_("party dues"))
    record = _lock_dues(member, year, month)
    before = snapshot(record, ["status", "amount", "note"])
    record.status = status
    record.amount = value
    record.note = (note or "").strip()[:200]
    record.recorded_by = signed_in(actor)
    record.save()
    entry = deduction_sync(
        member=member,
        year=year,
        month=month,
        code=MEETING_DEDUCTION,
        source=Source.DUES,
        source_ref=record.source_ref,
        due=record.deducted,
        reason=_dues_reason(record),
        actor=signed_in(actor),
    )
    audit_record(
        action="orglife.dues.recorded",
        actor=signed_in(actor),
        obj=record,
        organization=member.branch_id,
        before=before,
        after={
            **snapshot(record, ["status", "amount", "note"]),
            "ledger_entry": entry.pk if entry is not None else None,
        },
    )
    return record


@transaction.atomic
def dues_mark_month_paid(*, branch: Organization, year: int, month: int, actor: Any) -> int:
    """Record every active member without a record for the month as paid on time and in full.

    Months already recorded (late, short or on time) keep their record. Returns the number
    of members marked.
    """
    if not 1 <= month <= 12:
        raise DomainError(_("The month must be between 1 and 12."))
    check_period_open(branch_id=branch.pk, year=year, month=month, what=_("party dues"))
    members = [
        m
        for m in Member.objects.filter(branch=branch, is_active=True).order_by("pk")
        # The officer's own dues wait for another officer (conflict of interest).
        if not is_own_member(actor, m)
    ]
    records = {
        r.member_id: r
        for r in DuesRecord.objects.select_for_update(**ROW_LOCK).filter(
            member__in=members, year=year, month=month
        )
    }
    unrecorded = [r for r in records.values() if r.status == DuesRecord.Status.NONE]
    missing = [m for m in members if m.pk not in records]
    user = signed_in(actor)
    for record in unrecorded:
        record.status = DuesRecord.Status.ON_TIME
        record.recorded_by = user
        record.save(update_fields=["status", "recorded_by", "recorded_at"])
    try:
        with transaction.atomic():
            DuesRecord.objects.bulk_create(
                DuesRecord(
                    member=m,
                    year=year,
                    month=month,
                    status=DuesRecord.Status.ON_TIME,
                    recorded_by=user,
                )
                for m in missing
            )
    except IntegrityError as exc:
        raise DomainError(
            _("Another officer recorded dues for this month just now; reload and try again.")
        ) from exc
    marked = sorted([r.member_id for r in unrecorded] + [m.pk for m in missing])
    if marked:
        audit_record(
            action="orglife.dues.month_paid",
            actor=user,
            obj=branch,
            organization=branch,
            after={"year": year, "month": month, "members": marked},
        )
    return len(marked)
