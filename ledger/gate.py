"""The rules of the gate: whether a ledger entry may exist, whoever asks for it.

`ledger.services.entry_post` and `entry_reverse` are the only writers of entries, and
they ask every question here before writing: the period is open, the member takes part,
nobody acts on their own points, the item belongs to the branch's scheme for the year,
the value keeps to the item's points rule and section, and the caps leave room. Each
refusal is an `EntryRefused` naming the rule, in Chinese; the caller shows it, nothing
is written, and the refusal is audited.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.errors import DomainError
from core.numbers import NotOnePlace, one_place
from core.periods import HalfYear
from organizations.models import Member, Participation
from rules.models import Item, Section
from rules.points import (
    format_points,
    item_maximum,
    points_spec,
    sum_of_occurrences,
    within_rules,
)

from . import caps
from .models import Entry, Kind, PeriodLock, Source

APPRAISAL_MAX = Decimal("100")

KIND_OF_SECTION = {
    Section.BASE: Kind.BASE,
    Section.DEDICATION: Kind.DEDICATION,
    Section.DEDUCTION: Kind.DEDUCTION,
}

# Which sources may write which kinds. Import brings whole cards, so it writes all.
SOURCE_KINDS = {
    Source.DECLARATION: {Kind.DEDICATION},
    Source.DIRECT: {Kind.DEDICATION, Kind.DEDUCTION},
    Source.ADJUSTMENT: {Kind.BASE},
    Source.ATTENDANCE: {Kind.DEDUCTION},
    Source.DUES: {Kind.DEDUCTION},
    Source.APPRAISAL: {Kind.APPRAISAL},
    Source.IMPORT: {Kind.BASE, Kind.DEDICATION, Kind.DEDUCTION, Kind.APPRAISAL},
    Source.TRANSFER: {Kind.BASE, Kind.DEDICATION, Kind.DEDUCTION, Kind.APPRAISAL},
}
# Points carried over when a member moves keep the value they were recorded with: the
# rules and caps were checked in the branch that recorded them.
CHECKED_WHERE_EARNED = {Source.TRANSFER}
# A base adjustment carries its reason (DESIGN.md §2).
REASON_REQUIRED = {Source.ADJUSTMENT}


class EntryRefused(DomainError):
    """The gate refused an entry; `rule` names the rule (for the audit log and tests)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def to_points(value: Any) -> Decimal:
    """A points value with at most one decimal place, or a DomainError."""
    try:
        return one_place(value)
    except NotOnePlace as refused:
        if refused.reason == "too_large":
            raise EntryRefused("number", _("The number of points is too large.")) from None
        if refused.reason == "places":
            raise EntryRefused("one_place", _("Points have at most one decimal place.")) from None
        raise EntryRefused(
            "number", _("“%(value)s” is not a number of points.") % {"value": value}
        ) from None


def period_is_closed(*, branch_id: int, year: int, month: int) -> bool:
    return PeriodLock.objects.filter(
        branch_id=branch_id, year=year, half=HalfYear.of(year, month).half, reopened_at__isnull=True
    ).exists()


def check_period(*, branch_id: int, year: int, month: int) -> None:
    if not 1 <= month <= 12:
        raise EntryRefused("month", _("The month must be between 1 and 12."))
    if period_is_closed(branch_id=branch_id, year=year, month=month):
        raise EntryRefused(
            "period_closed",
            _("%(period)s is closed; no points can be recorded in it or taken out of it.")
            % {"period": HalfYear.of(year, month)},
        )


def acts_on_own(*, member_user_id: int | None, actor: Any) -> bool:
    actor_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    return actor_id is not None and member_user_id == actor_id


def own_points_message(what: str) -> str:
    return _(
        "Nobody %(what)s their own points. Another officer of the branch does it, "
        "or the general branch or the party committee where there is none."
    ) % {"what": what}


def check_not_own(*, member_user_id: int | None, actor: Any, what: str) -> None:
    """DESIGN.md §2, conflict of interest: nobody acts on their own points."""
    if acts_on_own(member_user_id=member_user_id, actor=actor):
        raise EntryRefused("own_points", own_points_message(what))


def check_member(member: Member, year: int) -> None:
    if not member.is_active:
        raise EntryRefused(
            "member_inactive",
            _("%(name)s no longer belongs to the branch; no points can be recorded.")
            % {"name": member.name},
        )
    if Participation.objects.filter(member=member, year=year, takes_part=False).exists():
        raise EntryRefused(
            "not_taking_part",
            _(
                "%(name)s does not take part in the dedication points of %(year)d "
                "(filed with the committee); no points can be recorded."
            )
            % {"name": member.name, "year": year},
        )


def check_item(*, item: Item, member: Member, year: int, source: str) -> str:
    """The item belongs to the branch's scheme of the year and suits the source; its kind."""
    scheme = item.scheme
    if scheme.is_template or scheme.organization_id != member.branch_id or scheme.year != year:
        raise EntryRefused(
            "item_scheme", _("The item does not belong to this branch's scheme for the year.")
        )
    if item.is_retired:
        raise EntryRefused(
            "item_retired", _("The item “%(name)s” is retired.") % {"name": item.name}
        )
    kind = KIND_OF_SECTION[Section(item.section)]
    if kind not in SOURCE_KINDS[Source(source)]:
        raise EntryRefused(
            "item_source",
            _("%(source)s cannot record points under “%(item)s” (%(section)s).")
            % {
                "source": Source(source).label,
                "item": item.name,
                "section": Section(item.section).label,
            },
        )
    return kind


def _outside_rule(item: Item, points: Decimal) -> EntryRefused:
    return EntryRefused(
        "points_rule",
        _("%(points)s points are outside the rules of %(item)s (%(rule)s).")
        % {"points": points, "item": item.name, "rule": points_spec(item)},
    )


def check_base(*, item: Item, member: Member, year: int, points: Decimal) -> None:
    """A base adjustment is negative and never takes the item below zero for the year."""
    if points >= 0:
        raise EntryRefused(
            "base_sign", _("A base score adjustment is negative (e.g. -2), with a reason.")
        )
    maximum = item.points or Decimal(0)
    before = Entry.objects.filter(member=member, year=year, item=item).aggregate(s=Sum("points"))
    total = (before["s"] or Decimal(0)) + points
    if -total > maximum:
        raise EntryRefused(
            "base_floor",
            _(
                "The adjustments of %(item)s would come to %(total)s; the item holds "
                "%(max)s points, so at most %(room)s more can be taken off this year."
            )
            % {
                "item": item.name,
                "total": format_points(total),
                "max": format_points(maximum),
                "room": format_points(maximum + (before["s"] or Decimal(0))),
            },
        )


def check_points_rule(
    *, item: Item, points: Decimal, source: str, partial: bool, reason: str
) -> None:
    """Dedication and deduction values keep to the item's rule: one occurrence in full,
    less than in full when recognised in part with a reason, or (an imported card's month
    cell) a sum of whole occurrences."""
    if points <= 0:
        raise EntryRefused("sign", _("Points must be greater than zero."))
    if source == Source.IMPORT:
        if not sum_of_occurrences(item, points):
            raise EntryRefused(
                "points_rule",
                _(
                    "%(points)s points cannot be a month of %(item)s: the item gives "
                    "%(rule)s each time."
                )
                % {"points": points, "item": item.name, "rule": points_spec(item)},
            )
        return
    if partial:
        maximum = item_maximum(item)
        if source != Source.DECLARATION or item.section != Section.DEDICATION:
            raise EntryRefused(
                "partial", _("Only a declaration's dedication points are recognised in part.")
            )
        if maximum is not None and points >= maximum:
            raise EntryRefused(
                "partial",
                _(
                    "Recognised in part means fewer points than the item gives in full "
                    "(%(rule)s) and more than zero."
                )
                % {"rule": points_spec(item)},
            )
        if not reason:
            raise EntryRefused(
                "partial_reason", _("Give the reason for recognising this line only in part.")
            )
        return
    if not within_rules(item, points):
        raise _outside_rule(item, points)


def check_caps(*, item: Item, member: Member, year: int, month: int, points: Decimal) -> None:
    short = caps.entry_shortfall(member=member, year=year, month=month, item=item, asked=points)
    if short is not None:
        raise EntryRefused("cap", short.explanation)


def check_appraisal(*, points: Decimal, source: str) -> None:
    if source not in (Source.APPRAISAL, Source.IMPORT, Source.TRANSFER):
        raise EntryRefused("item_required", _("Choose an item of the scheme."))
    if not Decimal(0) <= points <= APPRAISAL_MAX:
        raise EntryRefused(
            "appraisal_range", _("An appraisal score lies between 0 and 100 points.")
        )


def check_entry(
    *,
    member: Member,
    year: int,
    month: int,
    points: Decimal,
    source: str,
    item: Item | None,
    kind: str | None,
    reason: str,
    partial: bool,
    recorded_by: Any,
) -> str:
    """Every rule an entry must keep to exist; returns the entry's kind."""
    if source not in Source.values:
        raise EntryRefused("source", _("Unknown source of points."))
    check_period(branch_id=member.branch_id, year=year, month=month)
    check_member(member, year)
    # The appraisal's scores are the anonymous ballots' means, not an officer's choice;
    # closing the session is open to an appraised secretary (annulling is not: that is
    # a reversal, checked in `check_reversal`).
    if source != Source.APPRAISAL:
        check_not_own(
            member_user_id=member.user_id, actor=recorded_by, what=pgettext("own points", "records")
        )
    if source in REASON_REQUIRED and not reason:
        raise EntryRefused("reason", _("Give the reason for recording these points."))
    if item is None:
        if kind != Kind.APPRAISAL:
            raise EntryRefused("item_required", _("Choose an item of the scheme."))
        check_appraisal(points=points, source=source)
        return Kind.APPRAISAL
    kind = check_item(item=item, member=member, year=year, source=source)
    if kind == Kind.BASE:
        check_base(item=item, member=member, year=year, points=points)
        return kind
    if source in CHECKED_WHERE_EARNED:
        if points <= 0:
            raise EntryRefused("sign", _("Points must be greater than zero."))
        return kind
    check_points_rule(item=item, points=points, source=source, partial=partial, reason=reason)
    if kind == Kind.DEDICATION:
        check_caps(item=item, member=member, year=year, month=month, points=points)
    return kind


def check_reversal(*, entry: Entry, reason: str, recorded_by: Any) -> None:
    if not reason:
        raise EntryRefused("reason", _("Give a reason for the reversal."))
    if entry.reverses_id is not None:
        raise EntryRefused(
            "reversal_of_reversal", _("A reversing entry cannot itself be reversed.")
        )
    if Entry.objects.filter(reverses=entry).exists():
        raise EntryRefused("already_reversed", _("This entry has already been reversed."))
    member_user_id = Member.objects.filter(pk=entry.member_id).values_list("user_id", flat=True)
    check_not_own(
        member_user_id=member_user_id.first(),
        actor=recorded_by,
        what=pgettext("own points", "reverses"),
    )
    if period_is_closed(branch_id=entry.branch_id, year=entry.year, month=entry.month):
        raise EntryRefused(
            "period_closed", _("The period of this entry is closed; it cannot be reversed.")
        )
