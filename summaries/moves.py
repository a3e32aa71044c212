"""A member moves to another branch during the year (组织关系转接), with their history.

Decided and documented: the branch the member moves to ranks them for the whole year.
Their points of the year recorded in the branch they left are carried over as
`transfer` entries in the month of the move — one per item (matched by the template's
item code; a branch's own item goes to the same category, or 其他奉献 / 其它扣分) and one
per appraisal session — and a veto of the year goes with them. The entries in the branch
they left stay there, as recorded; that branch no longer ranks them. Both cards say so.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from core.actors import signed_in
from core.errors import DomainError, PermissionDenied
from core.locks import ROW_LOCK
from declarations.models import Declaration
from ledger.models import Entry, Kind, Source, Veto
from ledger.services import entry_post
from notifications.models import Notification
from notifications.services import notify
from organizations.models import Member, MemberMove, Organization
from organizations.permissions import is_own_member, may_move_member
from rules.models import Item, Section
from rules.services import scheme_for_year

FALLBACK = {Section.DEDICATION: "dedication.other", Section.DEDUCTION: "deduction.other"}


def _target_item(item: Item, items: dict[str, Item], by_category: dict[str, Item]) -> Item:
    """The item of the new branch's scheme that carries the old one's points."""
    if item.code and item.code in items:
        return items[item.code]
    if item.section == Section.DEDICATION and item.category in by_category:
        return by_category[item.category]
    fallback = FALLBACK.get(Section(item.section))
    if fallback and fallback in items:
        return items[fallback]
    raise DomainError(
        _("The scheme of the new branch has no item to carry “%(item)s” over to.")
        % {"item": item.name}
    )


def _open_declarations(member: Member, branch: Organization) -> list[Declaration]:
    undecided = (
        Declaration.Status.SUBMITTED,
        Declaration.Status.UNDER_REVIEW,
        Declaration.Status.RETURNED,
    )
    return list(
        Declaration.objects.filter(member=member, branch=branch, status__in=undecided).order_by(
            "year", "month"
        )
    )


def _carry(move: MemberMove, member: Member, year: int, actor: Any) -> int:
    """Post the year's points recorded in the branch left, in the new branch."""
    scheme = scheme_for_year(branch=move.to_branch, year=year)
    items = {i.code: i for i in scheme.items.filter(is_retired=False) if i.code}
    by_category: dict[str, Item] = {}
    for i in scheme.items.filter(is_retired=False, section=Section.DEDICATION).order_by("order"):
        by_category.setdefault(i.category, i)
    old = Entry.objects.filter(member=member, branch=move.from_branch, year=year)
    by_item: dict[int, Decimal] = defaultdict(Decimal)
    for item_id, total in (
        old.filter(item__isnull=False)
        .values("item_id")
        .annotate(t=Sum("points"))
        .values_list("item_id", "t")
    ):
        by_item[item_id] += Decimal(total)
    sessions = dict(
        old.filter(kind=Kind.APPRAISAL)
        .values("source_ref")
        .annotate(t=Sum("points"))
        .values_list("source_ref", "t")
    )
    month = move.moved_on.month
    reason = _("Carried over from %(branch)s on moving there") % {"branch": move.from_branch.name}
    posted = 0
    for item in Item.objects.filter(pk__in=[pk for pk, total in by_item.items() if total]):
        entry_post(
            member=member,
            year=year,
            month=month,
            points=by_item[item.pk],
            source=Source.TRANSFER,
            item=_target_item(item, items, by_category),
            source_ref=f"move:{move.pk}:item:{item.pk}",
            recorded_by=actor,
            reason=f"{reason}: {item.name}"[:500],
        )
        posted += 1
    for ref, total in sessions.items():
        if not total:
            continue
        entry_post(
            member=member,
            year=year,
            month=month,
            points=total,
            source=Source.TRANSFER,
            kind=Kind.APPRAISAL,
            source_ref=f"move:{move.pk}:{ref}",
            recorded_by=actor,
            reason=reason,
        )
        posted += 1
    return posted


@transaction.atomic
def member_move(
    *,
    member: Member,
    to_branch: Organization,
    moved_on: dt.date,
    reason: str,
    actor: Any,
) -> MemberMove:
    """Move a member to another branch during the year; the new branch ranks them for the
    year and their points of the year go with them (see the module)."""
    member = Member.objects.select_for_update(**ROW_LOCK).select_related("branch").get(pk=member.pk)
    if not may_move_member(actor, member, to_branch):
        raise PermissionDenied(_("Only the party committee moves members between branches."))
    if is_own_member(actor, member):
        raise DomainError(_("Nobody moves themselves; another officer does."))
    if not member.is_active:
        raise DomainError(_("%(name)s has left the branch.") % {"name": member.name})
    if not to_branch.owns_members or to_branch.is_closed:
        raise DomainError(_("Choose an open branch to move the member to."))
    if to_branch.pk == member.branch_id:
        raise DomainError(
            _("%(name)s is already in %(branch)s.")
            % {"name": member.name, "branch": to_branch.name}
        )
    reason = (reason or "").strip()[:200]
    if not reason:
        raise DomainError(_("Give the reason for the move."))
    today = timezone.localdate()
    if not isinstance(moved_on, dt.date) or moved_on > today or moved_on.year != today.year:
        raise DomainError(_("The move is dated this year, today or before."))
    waiting = _open_declarations(member, member.branch)
    if waiting:
        raise DomainError(
            _(
                "%(name)s has %(n)d declaration(s) still to be decided in %(branch)s; the "
                "branch decides them before the move."
            )
            % {"name": member.name, "n": len(waiting), "branch": member.branch.name}
        )
    from_branch = member.branch
    move = MemberMove.objects.create(
        member=member,
        from_branch=from_branch,
        to_branch=to_branch,
        moved_on=moved_on,
        reason=reason,
        recorded_by=signed_in(actor),
    )
    member.branch = to_branch
    member.save(update_fields=["branch"])
    carried = _carry(move, member, moved_on.year, actor)
    for veto in Veto.objects.filter(
        member=member, branch=from_branch, year=moved_on.year, revoked_at__isnull=True
    ):
        Veto.objects.create(
            branch=to_branch,
            member=member,
            year=veto.year,
            ground=veto.ground,
            facts=_("(decided by %(branch)s) %(facts)s")
            % {"branch": from_branch.name, "facts": veto.facts},
            decided_on=veto.decided_on,
            evidence=veto.evidence,
            recorded_by=signed_in(actor),
        )
    audit_record(
        action="organizations.member.moved",
        actor=actor,
        obj=member,
        organization=to_branch,
        after={**snapshot(move), "entries_carried": carried},
    )
    if member.user_id is not None:
        notify(
            user=member.user,
            kind=Notification.Kind.OTHER,
            title=_("You now belong to %(branch)s; your points of %(year)d went with you.")
            % {"branch": to_branch.name, "year": moved_on.year},
            url="",
        )
    return move


def moves_of(member: Member, year: int) -> list[MemberMove]:
    """The member's moves in the year, for the cards' notes."""
    return list(
        MemberMove.objects.filter(member=member, moved_on__year=year)
        .select_related("from_branch", "to_branch")
        .order_by("moved_on", "pk")
    )
