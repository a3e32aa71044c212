"""Figures from neighbouring parts of the plan: quarterly publications and objections
(公示, the publicity app) and confirmed summary tables (汇总, summaries).

Every reader is one query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from publicity.models import Objection, Publication
from summaries.models import SummaryConfirmation


def publications_by_quarter(year: int, branch_ids: list[int]) -> dict[int, dict[int, int]]:
    """branch id -> quarter -> publications of the year."""
    out: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (
        Publication.objects.filter(year=year, branch_id__in=branch_ids)
        .values_list("branch_id", "quarter")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for branch_id, quarter, n in rows:
        out[branch_id][quarter] = n
    return out


def confirmed_branches(year: int, branch_ids: list[int]) -> set[int]:
    """Branches whose summary table of the year is confirmed for the year's current
    closing (a confirmation of a closing since reopened no longer counts)."""
    return set(
        SummaryConfirmation.objects.filter(
            year=year,
            branch_id__in=branch_ids,
            lock__half=2,
            lock__reopened_at__isnull=True,
        )
        .values_list("branch_id", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class PublicationRow:
    quarter: int
    published_at: Any
    objections: int


@dataclass(frozen=True)
class ObjectionRow:
    quarter: int
    member: str
    reason: str
    answer: str
    answered_at: Any
    upheld: bool | None
    corrected: bool


def branch_publications(branch_id: int, year: int) -> list[PublicationRow]:
    """The branch's publications of the year with their objection counts."""
    rows = (
        Publication.objects.filter(year=year, branch_id=branch_id)
        .annotate(n=Count("objections"))
        .order_by("quarter", "pk")
        .values_list("quarter", "published_at", "n")
    )
    return [PublicationRow(quarter=q, published_at=at, objections=n) for q, at, n in rows]


def branch_objections(branch_id: int, year: int) -> list[ObjectionRow]:
    """The objections raised against the branch's publications of the year, with answers."""
    rows = (
        Objection.objects.filter(publication__branch_id=branch_id, publication__year=year)
        .select_related("publication", "member")
        .order_by("publication__quarter", "raised_at", "pk")
    )
    return [
        ObjectionRow(
            quarter=o.publication.quarter,
            member=o.member.name,
            reason=o.reason,
            answer=o.answer,
            answered_at=o.answered_at,
            upheld=o.upheld,
            corrected=o.correction_id is not None,
        )
        for o in rows
    ]
