"""Writes of 公示: publishing a quarter's points, objections and their answers, lobby screens."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from core.actors import signed_in
from core.errors import DomainError
from core.locks import ROW_LOCK
from ledger.models import Entry
from ledger.totals import BranchYear, branch_year
from notifications.services import notify
from organizations.models import Member, Organization, Role, RoleAssignment
from organizations.permissions import is_own_member
from scoring import engine

from .models import Objection, Publication, PublicationRow, Screen
from .permissions import PUBLISHERS
from .quarters import Quarter
from .workdays import MAX_WORKDAYS, objection_window

MAX_REASON = 1000
MAX_ANSWER = 2000
MIN_TOP, MAX_TOP = 3, 20


def default_title(branch: Organization, quarter: Quarter) -> str:
    """The notice's heading, e.g. 机关第一党支部2026年第三季度党员奉献积分公示."""
    return f"{branch.name}{quarter.chinese()}党员奉献积分公示"


def default_contact(branch: Organization, fallback_user: Any = None) -> tuple[str, str]:
    """The branch secretary's name and phone (from their member record), else the publisher's."""
    users = [
        a.user
        for a in RoleAssignment.objects.current()
        .filter(organization=branch, role=Role.SECRETARY)
        .select_related("user")
        .order_by("pk")
    ]
    if fallback_user is not None and getattr(fallback_user, "is_authenticated", False):
        users.append(fallback_user)
    for user in users:
        member = Member.objects.filter(user=user, is_active=True).first()
        if member is not None:
            return member.name, member.phone
    return "", ""


def _figures(by: BranchYear) -> dict[str, Any]:
    ranked = by.ranked
    totals = [r.totals.total for r in ranked]
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    for result in ranked:
        for category, points in result.totals.dedication_by_category.items():
            by_category[category] += points
    return {
        "members": len(ranked),
        "average": str(engine.round1(sum(totals, Decimal(0)) / len(totals))) if totals else None,
        "dedication": str(sum((r.totals.dedication for r in ranked), Decimal("0.0"))),
        "by_category": {c: str(p) for c, p in by_category.items() if p},
    }


def _check_window_start(start: date, today: date) -> None:
    if start < today:
        raise DomainError(_("The objection window cannot start before today."))
    if (start - today).days > 30:
        raise DomainError(_("The objection window must start within 30 days."))


def publication_check(
    *,
    branch: Organization,
    quarter: Quarter,
    window_start: date | None,
    workdays: int,
    contact_name: str,
) -> None:
    """The refusals of `publication_publish`, checked before anything is written (the page
    asks for confirmation only when the publication can be made)."""
    today = timezone.localdate()
    if quarter.first_day > today:
        raise DomainError(_("%(quarter)s has not begun yet.") % {"quarter": quarter})
    if not 1 <= workdays <= MAX_WORKDAYS:
        raise DomainError(
            _("The window lasts between 1 and %(max)d working days.") % {"max": MAX_WORKDAYS}
        )
    _check_window_start(window_start or today, today)
    if not (contact_name or "").strip():
        raise DomainError(_("Say whom members should contact about an objection."))
    if Publication.objects.filter(
        branch=branch, year=quarter.year, quarter=quarter.quarter
    ).exists():
        raise DomainError(
            _("%(quarter)s has already been published for this branch.") % {"quarter": quarter}
        )


@transaction.atomic
def publication_publish(
    *,
    branch: Organization,
    quarter: Quarter,
    actor: Any,
    title: str = "",
    window_start: date | None = None,
    workdays: int = 5,
    contact_name: str = "",
    contact_phone: str = "",
) -> Publication:
    """Plan §1.3 step 5: each quarter the branch publishes every member's points so far, open
    for objections for a number of working days; the snapshot is kept as published."""
    today = timezone.localdate()
    start = window_start or today
    contact_name = (contact_name or "").strip()
    # Lock the branch row: two officers publishing the same quarter at once queue here,
    # and the second is told it is already published.
    Organization.objects.select_for_update(**ROW_LOCK).filter(pk=branch.pk).first()
    publication_check(
        branch=branch,
        quarter=quarter,
        window_start=start,
        workdays=workdays,
        contact_name=contact_name,
    )
    by = branch_year(branch, quarter.year)
    ranked = by.ranked
    if not ranked:
        raise DomainError(_("No member of this branch takes part this year; nothing to publish."))
    window = objection_window(start, workdays)
    try:
        with transaction.atomic():
            publication = Publication.objects.create(
                branch=branch,
                year=quarter.year,
                quarter=quarter.quarter,
                title=(title or "").strip()[:120] or default_title(branch, quarter),
                as_of=min(today, date(quarter.year, 12, 31)),
                published_at=timezone.now(),
                published_by=signed_in(actor),
                window_start=window.start,
                window_end=window.end,
                window_workdays=workdays,
                window_estimated=window.estimated,
                contact_name=contact_name[:50],
                contact_phone=(contact_phone or "").strip()[:30],
                figures=_figures(by),
            )
    except IntegrityError as exc:
        raise DomainError(
            _("%(quarter)s has already been published for this branch.") % {"quarter": quarter}
        ) from exc
    PublicationRow.objects.bulk_create(
        PublicationRow(
            publication=publication,
            member=result.member,
            position=position,
            name=result.member.name,
            base=result.totals.base,
            dedication=result.totals.dedication,
            appraisal=result.totals.appraisal,
            deductions=result.totals.deductions,
            total=result.totals.total,
            rank=result.standing.rank,  # ranked: every result here has a standing
            vetoed=result.vetoed,
        )
        for position, result in enumerate(ranked, start=1)
        if result.standing is not None
    )
    audit_record(
        action="publicity.publication.published",
        actor=actor,
        obj=publication,
        organization=branch.pk,
        after={**snapshot(publication), "rows": len(ranked)},
    )
    _tell_members(publication, [r.member for r in ranked])
    return publication


def _tell_members(publication: Publication, members: list[Member]) -> None:
    url = reverse("publicity:detail", kwargs={"pk": publication.pk})
    title = _("%(title)s: objections until %(end)s") % {
        "title": publication.title,
        "end": publication.window_end.isoformat(),
    }
    for member in members:
        if member.user_id is not None:
            notify(
                user=member.user,
                kind="other",
                title=title,
                url=url,
                dedupe_key=f"publicity:{publication.pk}:published",
            )


@transaction.atomic
def objection_raise(
    *,
    publication: Publication,
    member: Member,
    reason: str,
    row: PublicationRow | None = None,
    actor: Any = None,
) -> Objection:
    """A member of the branch objects to the publication within its window, with a reason."""
    if member.branch_id != publication.branch_id or not member.is_active:
        raise DomainError(_("Only members of the branch can object to its publication."))
    if not publication.is_open_for_objections():
        raise DomainError(
            _("The window for objections closed on %(end)s.")
            % {"end": publication.window_end.isoformat()}
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for your objection."))
    if len(reason) > MAX_REASON:
        raise DomainError(_("Keep the reason under %(max)d characters.") % {"max": MAX_REASON})
    if row is not None and row.publication_id != publication.pk:
        raise DomainError(_("Choose a line of this publication."))
    objection = Objection.objects.create(
        publication=publication,
        row=row,
        member=member,
        raised_by=signed_in(actor),
        reason=reason,
    )
    audit_record(
        action="publicity.objection.raised",
        actor=actor,
        obj=objection,
        organization=publication.branch_id,
        after=snapshot(objection),
    )
    _tell_answerers(objection)
    return objection


def _tell_answerers(objection: Objection) -> None:
    url = reverse("publicity:answer", kwargs={"pk": objection.pk})
    title = _("Objection to %(title)s from %(name)s") % {
        "title": objection.publication.title,
        "name": objection.member.name,
    }
    for assignment in (
        RoleAssignment.objects.current()
        .filter(organization_id=objection.publication.branch_id, role__in=PUBLISHERS)
        .exclude(user_id=objection.member.user_id or 0)
        .select_related("user")
    ):
        notify(
            user=assignment.user,
            kind="other",
            title=title,
            url=url,
            dedupe_key=f"publicity:objection:{objection.pk}:{assignment.user_id}",
        )


def correction_candidates(publication: Publication):
    """Entries a correction could be: the branch's entries of the year recorded since it
    was published."""
    return Entry.objects.filter(
        branch_id=publication.branch_id,
        year=publication.year,
        recorded_at__gt=publication.published_at,
    )


@transaction.atomic
def objection_answer(
    *,
    objection: Objection,
    answer: str,
    upheld: bool,
    actor: Any,
    correction: Entry | None = None,
) -> Objection:
    """The assessment group answers an objection in writing; an upheld one may name the new
    ledger entry that corrects it, which the published snapshot then notes."""
    objection = (
        Objection.objects.select_for_update(**ROW_LOCK)
        .select_related("member", "row__member")
        .get(pk=objection.pk)
    )
    if objection.is_answered:
        raise DomainError(_("This objection has already been answered."))
    concerned = [objection.member] + ([objection.row.member] if objection.row else [])
    if any(is_own_member(actor, member) for member in concerned):
        raise DomainError(
            _(
                "Nobody answers an objection they raised or that concerns their own points; "
                "another officer of the branch answers it."
            )
        )
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_("Write the answer to the objection."))
    if len(answer) > MAX_ANSWER:
        raise DomainError(_("Keep the answer under %(max)d characters.") % {"max": MAX_ANSWER})
    if correction is not None:
        if not upheld:
            raise DomainError(_("Only an upheld objection has a correction."))
        publication = objection.publication
        if not correction_candidates(publication).filter(pk=correction.pk).exists():
            raise DomainError(
                _(
                    "The correction must be an entry of this branch and year recorded after the "
                    "publication."
                )
            )
    before = snapshot(objection)
    objection.answer = answer
    objection.upheld = bool(upheld)
    objection.correction = correction
    objection.answered_by = signed_in(actor)
    objection.answered_at = timezone.now()
    objection.save(update_fields=["answer", "upheld", "correction", "answered_by", "answered_at"])
    audit_record(
        action="publicity.objection.answered",
        actor=actor,
        obj=objection,
        organization=objection.publication.branch_id,
        before=before,
        after=snapshot(objection),
    )
    if objection.raised_by_id is not None:
        notify(
            user=objection.raised_by,
            kind="other",
            title=_("Your objection to %(title)s has been answered")
            % {"title": objection.publication.title},
            url=reverse("publicity:detail", kwargs={"pk": objection.publication_id})
            + f"#objection-{objection.pk}",
            dedupe_key=f"publicity:objection:{objection.pk}:answered",
        )
    return objection


# Lobby screens ----------------------------------------------------------------------

SCREEN_FIELDS = ["id", "name", "branch_id", "top", "created_by_id", "revoked_at", "revoked_by_id"]


@transaction.atomic
def screen_create(
    *, name: str, actor: Any, branch: Organization | None = None, top: int = 10
) -> Screen:
    """The committee sets up an office display with a secret address of its own."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the screen a name, e.g. where it hangs."))
    if branch is not None and branch.is_committee:
        raise DomainError(_("Choose a branch, or none for every branch."))
    if not MIN_TOP <= top <= MAX_TOP:
        raise DomainError(
            _("Show between %(min)d and %(max)d members per branch.")
            % {"min": MIN_TOP, "max": MAX_TOP}
        )
    screen = Screen.objects.create(
        name=name[:100],
        token=secrets.token_urlsafe(32),
        branch=branch,
        top=top,
        created_by=signed_in(actor),
    )
    # The secret stays out of the audit log: whoever reads the log should not get the address.
    audit_record(
        action="publicity.screen.created",
        actor=actor,
        obj=screen,
        after=snapshot(screen, SCREEN_FIELDS),
    )
    return screen


@transaction.atomic
def screen_revoke(*, screen: Screen, actor: Any) -> Screen:
    """Revoking a screen makes its address show nothing any more (404)."""
    screen = Screen.objects.select_for_update(**ROW_LOCK).get(pk=screen.pk)
    if screen.revoked_at is not None:
        raise DomainError(_("This screen has already been revoked."))
    before = snapshot(screen, SCREEN_FIELDS)
    screen.revoked_at = timezone.now()
    screen.revoked_by = signed_in(actor)
    screen.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        action="publicity.screen.revoked",
        actor=actor,
        obj=screen,
        before=before,
        after=snapshot(screen, SCREEN_FIELDS),
    )
    return screen
