"""What still stands in the way of closing a half-year (DESIGN.md §3.4).

Closing locks the half's months, so anything still to be decided in them would be
stranded: declarations not yet decided or still within their deadline, an appraisal not
closed, objections not answered. Each is a `Blocker` with a link to where it is dealt
with, and the members it concerns (told if the committee closes anyway).

Apps above `summaries` (publicity) add their own through `register`, so that the
dependency keeps pointing down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from appraisals.models import AppraisalSession
from appraisals.models import Status as SessionStatus
from core.periods import HalfYear, Month
from declarations import deadlines
from declarations.models import Declaration, DeclarationLine
from ledger.models import Entry, Kind, Source
from organizations.models import Organization


@dataclass(frozen=True)
class Blocker:
    kind: str  # appraisal, declaration, deadline, objection
    text: str
    url: str = ""
    member_ids: tuple[int, ...] = field(default_factory=tuple)


Provider = Callable[[Organization, HalfYear], list[Blocker]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a source of blockers (used as a decorator by apps above this one)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def appraisals_recorded_outside_sessions(branch: Organization, year: int) -> set[int]:
    """Halves whose appraisal score is in the ledger without a session of the system:
    an imported card's yearly score counts for both halves."""
    halves: set[int] = set()
    rows = (
        Entry.objects.filter(branch=branch, year=year, kind=Kind.APPRAISAL, reverses__isnull=True)
        .filter(reversed_by__isnull=True)
        .exclude(source_ref__startswith="appraisal:")
        .values_list("month", "source")
        .distinct()
    )
    for month, source in rows:
        if source == Source.IMPORT:
            halves |= {1, 2}
        else:
            halves.add(HalfYear.of(year, month).half)
    return halves


def _appraisal(branch: Organization, half: HalfYear) -> list[Blocker]:
    session = (
        AppraisalSession.objects.filter(branch=branch, year=half.year, half=half.half)
        .exclude(status=SessionStatus.ANNULLED)
        .first()
    )
    if session is not None and session.status == SessionStatus.CLOSED:
        return []
    if session is not None:
        return [
            Blocker(
                "appraisal",
                _("The democratic appraisal of %(period)s is still open for voting.")
                % {"period": half},
                reverse("appraisals:session_detail", kwargs={"pk": session.pk}),
            )
        ]
    if half.half in appraisals_recorded_outside_sessions(branch, half.year):
        return []
    return [
        Blocker(
            "appraisal",
            _("The democratic appraisal of %(period)s has not been held.") % {"period": half},
            reverse("appraisals:session_create", kwargs={"code": branch.code}),
        )
    ]


UNDECIDED = (
    Declaration.Status.SUBMITTED,
    Declaration.Status.UNDER_REVIEW,
    Declaration.Status.RETURNED,
)


def undecided_declarations(branch: Organization, year: int, months: range) -> list[Declaration]:
    """Declarations of the months still to be decided: waiting for review, returned for more
    information, or drafts with something written in them."""
    has_lines = Exists(DeclarationLine.objects.filter(declaration=OuterRef("pk")))
    drafts = Declaration.objects.filter(status=Declaration.Status.DRAFT).filter(has_lines)
    return list(
        (Declaration.objects.filter(status__in=UNDECIDED) | drafts)
        .filter(branch=branch, year=year, month__in=list(months))
        .select_related("member")
        .order_by("month", "member__name", "pk")
    )


def _declarations(branch: Organization, half: HalfYear) -> list[Blocker]:
    out = []
    for declaration in undecided_declarations(branch, half.year, half.months):
        month = Month(declaration.year, declaration.month)
        if declaration.status == Declaration.Status.RETURNED:
            text = _(
                "%(name)s's declaration for %(month)s was returned for more information and "
                "has not come back."
            )
        elif declaration.status == Declaration.Status.DRAFT:
            text = _("%(name)s's declaration for %(month)s is a draft not yet submitted.")
        else:
            text = _("%(name)s's declaration for %(month)s awaits review.")
        out.append(
            Blocker(
                "declaration",
                text % {"name": declaration.member.name, "month": month},
                reverse("declarations:detail", kwargs={"pk": declaration.pk}),
                (declaration.member_id,),
            )
        )
    return out


def _deadlines(branch: Organization, half: HalfYear) -> list[Blocker]:
    day = deadlines.deadline_day_of(branch)
    today = deadlines.today()
    out = []
    for number in half.months:
        month = Month(half.year, number)
        closes = deadlines.deadline(month, day)
        if closes >= today:
            out.append(
                Blocker(
                    "deadline",
                    _("Members may still declare %(month)s until %(date)s.")
                    % {"month": month, "date": closes.isoformat()},
                )
            )
    return out


def closing_blockers(branch: Organization, half: HalfYear) -> list[Blocker]:
    """Everything that keeps the half-year from closing, in the order to deal with it."""
    blockers = _appraisal(branch, half) + _deadlines(branch, half) + _declarations(branch, half)
    for provider in _providers:
        blockers += provider(branch, half)
    return blockers
