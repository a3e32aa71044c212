"""Reads of 公示: publications as shown (with correction notes), the lobby screen's data and
the charts built on published and live figures."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.models import Commitment
from commitments.models import Status as CommitmentStatus
from commitments.selectors import confirmed_vanguard_posts
from core.nav import BadgeCounts, once_per_request
from core.pinyin import name_order
from ledger.models import Entry
from ledger.totals import aggregated_entries, year_results
from organizations.models import Member, Organization
from organizations.permissions import scope_for
from rules.models import Category, Scheme
from rules.points import rules_from_items
from rules.services import template_for
from scoring import engine

from .models import Objection, Publication, PublicationRow, Screen
from .permissions import PUBLISHERS

ROTATE_SECONDS = 12
REFRESH_SECONDS = 300
LOBBY_COMMITMENTS = 48


def category_label(category: str) -> str:
    return str(Category(category).label) if category in Category.values else category


# A publication as shown -------------------------------------------------------------


@dataclass
class ShownRow:
    row: PublicationRow
    notes: list[str] = field(default_factory=list)


@dataclass
class ShownPublication:
    publication: Publication
    rows: list[ShownRow]
    other_notes: list[str]  # corrections of members not in the publication

    @property
    def corrected(self) -> bool:
        return bool(self.other_notes) or any(r.notes for r in self.rows)


def correction_note(entry: Entry) -> str:
    """已更正：the correcting entry's points, item and the day it was recorded."""
    what = entry.item.name if entry.item is not None else entry.get_kind_display()
    return _("Corrected: %(points)s %(item)s (recorded %(date)s)") % {
        "points": f"{entry.points:+}",
        "item": what,
        "date": timezone.localtime(entry.recorded_at).date().isoformat(),
    }


def shown_publication(publication: Publication) -> ShownPublication:
    """The rows exactly as published, each with notes of the corrections made since (two
    queries)."""
    rows = [ShownRow(row) for row in publication.rows.order_by("position")]
    by_member = {r.row.member_id: r for r in rows}
    other: list[str] = []
    corrections = (
        Objection.objects.filter(publication=publication, upheld=True, correction__isnull=False)
        .select_related("correction__item")
        .order_by("answered_at", "pk")
    )
    for objection in corrections:
        entry = objection.correction
        assert entry is not None
        note = correction_note(entry)
        shown = by_member.get(entry.member_id)
        if shown is not None:
            shown.notes.append(note)
        else:
            other.append(note)
    return ShownPublication(publication, rows, other)


def histogram(totals: Iterable[Decimal]) -> dict[str, list[Any]]:
    """How many members fall in each band of annual points: bands of 5, 10, 20 or 50 points
    depending on the spread, for the branch's distribution chart."""
    values = list(totals)
    if not values:
        return {"labels": [], "values": []}
    low, high = min(values), max(values)
    spread = high - low
    width = next((w for w in (5, 10, 20) if spread <= 8 * w), 50)
    start = math.floor(low / width) * width
    bands = int((high - start) // width) + 1
    counts = [0] * bands
    for value in values:
        counts[int((value - start) // width)] += 1
    return {
        "labels": [f"{start + i * width}–{start + (i + 1) * width}" for i in range(bands)],
        "values": counts,
    }


def publications_of(branches: Iterable[Organization]) -> QuerySet[Publication]:
    return Publication.objects.filter(branch__in=list(branches)).select_related("branch")


def quarters_published(year: int, branches: Iterable[Organization]) -> dict[int, set[int]]:
    """The quarters each branch has published in the year, by branch id (one query): what
    the committee's oversight shows as "publicity done per quarter"."""
    done: dict[int, set[int]] = {b.pk: set() for b in branches}
    for branch_id, quarter in Publication.objects.filter(
        branch_id__in=list(done), year=year
    ).values_list("branch_id", "quarter"):
        done[branch_id].add(quarter)
    return done


# The lobby screen -------------------------------------------------------------------


def _latest_publications(screen: Screen) -> list[Publication]:
    """The latest publication of each branch the screen shows, in the branches' order (two
    queries, however many branches)."""
    branches = Organization.objects.exclude(kind=Organization.Kind.COMMITTEE)
    if screen.branch_id is not None:
        branches = branches.filter(pk=screen.branch_id)
    latest = Publication.objects.filter(branch=OuterRef("pk")).order_by("-year", "-quarter", "-pk")
    ids = [
        pk
        for pk in branches.annotate(latest=Subquery(latest.values("pk")[:1])).values_list(
            "latest", flat=True
        )
        if pk is not None
    ]
    by_pk = Publication.objects.select_related("branch").in_bulk(ids)
    return [by_pk[pk] for pk in ids]


def _approved_commitments(branch_ids: list[int], year: int) -> list[dict[str, str]]:
    """What the branches published as approved commitments.

    The commitments app offers `approved_commitments(branch, year)`, one query per branch;
    the screen of every branch asks for all of them in one query with the same conditions.
    """
    rows = (
        Commitment.objects.filter(
            branch_id__in=branch_ids,
            year=year,
            status=CommitmentStatus.APPROVED,
            member__is_active=True,
        )
        .select_related("member", "branch")
        .order_by("branch__order", "branch__code", *name_order("member__"), "member_id", "pk")[
            :LOBBY_COMMITMENTS
        ]
    )
    return [{"branch": c.branch.name, "name": c.member.name, "text": c.text} for c in rows]


def _vanguard_posts(branch_ids: list[int], year: int) -> list[dict[str, str]]:
    """The confirmed 党员先锋岗 of the latest year the branches have any (two queries)."""
    return [
        {
            "branch": post.branch.name,
            "name": post.member.name,
            "position": post.member.position,
            "title": post.title,
            "year": _("Party Member Vanguard Post %(year)d") % {"year": post.year},
        }
        for post in confirmed_vanguard_posts(branch_ids, year)
    ]


def lobby_data(screen: Screen) -> dict[str, Any]:
    """Everything the screen shows, already public: the latest publications' leading names and
    totals, published figures by category and branch, approved commitments, the confirmed
    vanguard posts. Never a deduction, a reason or a phone number. A fixed number of
    queries."""
    publications = _latest_publications(screen)
    leaders: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in PublicationRow.objects.filter(
        publication__in=publications, vetoed=False, position__lte=screen.top
    ).order_by("publication_id", "position"):
        leaders[row.publication_id].append(
            {"rank": row.rank, "name": row.name, "total": str(row.total)}
        )
    boards = [
        {
            "branch": p.branch.name,
            "title": p.title,
            "as_of": p.as_of.isoformat(),
            "members": p.figures.get("members", 0),
            "leaders": leaders.get(p.pk, []),
        }
        for p in publications
    ]
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    for p in publications:
        for category, points in (p.figures.get("by_category") or {}).items():
            by_category[category] += Decimal(points)
    categories = sorted(by_category.items(), key=lambda kv: kv[1], reverse=True)
    averaged = [p for p in publications if p.figures.get("average") is not None]
    year = timezone.localdate().year
    return {
        "screen": screen.name,
        "heading": screen.branch.name if screen.branch else _("Dedication points of all branches"),
        "rotate": ROTATE_SECONDS,
        "refresh": REFRESH_SECONDS,
        "updated": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "labels": {
            "rank": _("Rank"),
            "name": _("Name"),
            "total": _("Points"),
            "as_of": _("Points as of"),
            "members": _("members taking part"),
            "by_category": _("Dedication points by category"),
            "by_branch": _("Average points by branch"),
            "charts": _("Published points at a glance"),
            "commitments": _("Our commitments"),
            "vanguard": _("Party Member Vanguard Posts"),
            "nothing": _("No points have been published yet."),
            "updated": _("Updated"),
        },
        "boards": boards,
        "categories": {
            "labels": [category_label(c) for c, _points in categories],
            "values": [str(points) for _c, points in categories],
        },
        "branches": {
            "labels": [p.branch.name for p in averaged],
            "values": [p.figures["average"] for p in averaged],
        }
        if screen.branch_id is None
        else {"labels": [], "values": []},
        "commitments": _approved_commitments([p.branch_id for p in publications], year),
        "vanguard": _vanguard_posts([p.branch_id for p in publications], year),
    }


# Charts where people look -----------------------------------------------------------


def _rules_for(branch: Organization, year: int) -> engine.Rules:
    scheme = Scheme.objects.filter(organization_id=branch.pk, year=year, is_template=False).first()
    source = scheme or template_for(branch)
    return rules_from_items(source.items.all(), source.category_caps)


def member_trend(member: Member, year: int, today: date | None = None) -> dict[str, Any]:
    """The member's annual points as they stood at the end of each month so far, and each
    month's dedication points (a line over bars on the home page)."""
    today = today or timezone.localdate()
    last = 12 if year < today.year else today.month if year == today.year else 0
    if last == 0:
        return {"labels": [], "total": [], "dedication": [], "names": {}}
    rules = _rules_for(member.branch, year)
    entries = [
        e
        for _branch, e in aggregated_entries(
            Entry.objects.filter(member=member, year=year, branch_id=member.branch_id),
            by_month=True,
        )
    ]
    totals, dedication = [], []
    for month in range(1, last + 1):
        so_far = engine.member_totals(rules, member.pk, [e for e in entries if e.month <= month])
        totals.append(str(so_far.total))
        dedication.append(
            str(
                sum(
                    (e.points for e in entries if e.month == month and e.section == "dedication"),
                    Decimal("0.0"),
                )
            )
        )
    return {
        "labels": [_("Month %(month)d") % {"month": m} for m in range(1, last + 1)],
        "total": totals,
        "dedication": dedication,
        "names": {
            "total": _("Annual points so far"),
            "dedication": _("Dedication points recorded in the month"),
        },
    }


def branches_side_by_side(year: int, branches: Iterable[Organization]) -> dict[str, Any]:
    """Each branch's average dedication points, appraisal score and deductions per member
    taking part, for the committee to compare branches at a glance. The base score is left
    out: nearly everyone holds its 100 points, and it would hide the differences."""
    results = year_results(year, list(branches))
    labels: list[str] = []
    parts: dict[str, list[str]] = {k: [] for k in ("dedication", "appraisal", "deductions")}
    for by in results.values():
        ranked = by.ranked
        if not ranked:
            continue
        labels.append(by.branch.name)
        for key, values in parts.items():
            mean = sum((getattr(r.totals, key) for r in ranked), Decimal(0)) / len(ranked)
            values.append(str(engine.round1(mean)))
    names = {
        "dedication": _("Dedication points"),
        "appraisal": _("Appraisal score"),
        "deductions": _("Deductions"),
    }
    return {
        "labels": labels,
        "series": [{"name": names[k], "values": v} for k, v in parts.items()],
    }


@once_per_request
def badge_counts(user: Any) -> BadgeCounts:
    """The publishers' badge: objections in their branches not yet answered."""
    scope = scope_for(user)
    answering = [b for b, roles in scope.branch_roles.items() if roles & set(PUBLISHERS)]
    waiting = (
        Objection.objects.filter(
            publication__branch_id__in=answering, answered_at__isnull=True
        ).count()
        if answering
        else 0
    )
    return {"objections": waiting}
