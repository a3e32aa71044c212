"""Reads: the review queue, a member's own declarations, duplicate evidence."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from core.nav import BadgeCounts, once_per_request
from core.pinyin import name_order
from organizations.models import Member
from organizations.permissions import scope_for

from .models import WAITING, Declaration, DeclarationLine, EvidenceFile
from .permissions import reviewable_branch_ids


def _reused_elsewhere() -> Exists:
    """The evidence file's hash appears in another declaration."""
    return Exists(
        EvidenceFile.objects.filter(sha256=OuterRef("sha256")).exclude(
            declaration_id=OuterRef("declaration_id")
        )
    )


def queue(
    user: Any,
    *,
    branch_ids: list[int] | None = None,
    year: int | None = None,
    month: int | None = None,
    status: str = "",
    member_id: int | None = None,
) -> QuerySet[Declaration]:
    """Declarations of the branches the user sees as an officer, drafts left out; counts,
    recognised points and the duplicate-evidence flag come with each row (no N+1)."""
    scope = scope_for(user)
    declarations = Declaration.objects.exclude(status=Declaration.Status.DRAFT)
    if not scope.is_committee:
        visible = [b for b in scope.branch_ids if scope.is_officer(b)]
        declarations = declarations.filter(branch_id__in=visible)
    if branch_ids is not None:
        declarations = declarations.filter(branch_id__in=branch_ids)
    if year is not None:
        declarations = declarations.filter(year=year)
    if month is not None:
        declarations = declarations.filter(month=month)
    if status == "waiting":
        declarations = declarations.filter(status__in=WAITING)
    elif status:
        declarations = declarations.filter(status=status)
    if member_id is not None:
        declarations = declarations.filter(member_id=member_id)
    duplicated = EvidenceFile.objects.filter(declaration=OuterRef("pk")).filter(_reused_elsewhere())
    return (
        declarations.select_related("member", "branch")
        .annotate(
            line_count=Count("lines", distinct=True),
            evidence_count=Count("evidence", distinct=True),
            has_duplicate=Exists(duplicated),
        )
        .order_by("-year", "-month", "submitted_at", "pk")
    )


def waiting_count(user: Any) -> int:
    """Declarations waiting for the user's review (their own left out): one query."""
    branch_ids = reviewable_branch_ids(user)
    if not branch_ids:
        return 0
    return (
        Declaration.objects.filter(branch_id__in=branch_ids, status__in=WAITING)
        .exclude(member__user=user)
        .count()
    )


def declarations_of(member: Member) -> list[Declaration]:
    """A member's declarations, newest month first, with their lines and recognised points."""
    lines = DeclarationLine.objects.select_related("item", "suggested_item", "platform").order_by(
        "order", "pk"
    )
    declarations: list[Declaration] = list(
        Declaration.objects.filter(member=member)
        .annotate(evidence_count=Count("evidence"))
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-year", "-month")
    )
    for declaration in declarations:
        # Summed here, not in SQL: a join with the evidence would count each line per file.
        declaration.points = sum(  # type: ignore[attr-defined]
            (line.points for line in declaration.lines.all() if line.points is not None),
            Decimal(0),
        )
    return declarations


def with_details(declaration: Declaration) -> Declaration:
    """Lines (with items) and evidence attached to the instance, in two queries."""
    lines = list(
        declaration.lines.select_related("item", "suggested_item", "entry", "platform").order_by(
            "order", "pk"
        )
    )
    evidence = list(declaration.evidence.order_by("pk"))
    by_line: dict[int | None, list[EvidenceFile]] = defaultdict(list)
    for file in evidence:
        by_line[file.line_id].append(file)
    for line in lines:
        line.files = by_line.get(line.pk, [])  # type: ignore[attr-defined]
    declaration.line_list = lines  # type: ignore[attr-defined]
    declaration.evidence_list = evidence  # type: ignore[attr-defined]
    declaration.general_files = by_line.get(None, [])  # type: ignore[attr-defined]
    return declaration


@dataclass(frozen=True)
class Reuse:
    """Another declaration holding the same file."""

    declaration_id: int
    name: str
    year: int
    month: int
    visible: bool


def duplicates(declaration: Declaration, user: Any) -> dict[int, list[Reuse]]:
    """For each of the declaration's files (from `with_details`), the other declarations
    using the same file.

    Declarations of branches the user does not see are reported without a name.
    """
    files = {f.pk: f.sha256 for f in declaration.evidence_list}  # type: ignore[attr-defined]
    if not files:
        return {}
    scope = scope_for(user)
    others = (
        EvidenceFile.objects.filter(sha256__in=set(files.values()))
        .exclude(declaration=declaration)
        .values_list(
            "sha256",
            "declaration_id",
            "declaration__name",
            "declaration__year",
            "declaration__month",
            "declaration__branch_id",
        )
        .order_by("declaration_id")
        .distinct()
    )
    by_hash: dict[str, list[Reuse]] = defaultdict(list)
    for sha, pk, name, year, month, branch_id in others:
        visible = scope.is_officer(branch_id)
        by_hash[sha].append(Reuse(pk, name if visible else "", year, month, visible))
    return {pk: by_hash[sha] for pk, sha in files.items() if by_hash.get(sha)}


def line_filter_members(user: Any, branch_ids: list[int]) -> QuerySet[Member]:
    return (
        Member.objects.filter(branch_id__in=branch_ids)
        .filter(Q(is_active=True) | Q(declarations__isnull=False))
        .distinct()
        .order_by(*name_order(), "pk")
    )


@once_per_request
def badge_counts(user: Any) -> BadgeCounts:
    """The top bar's badge: declarations waiting for the user's review."""
    return {"waiting": waiting_count(user)}
