"""Reads: who does not take part in a year, and why; the applications waiting for a step."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from core.nav import BadgeCounts, once_per_request
from core.pinyin import name_order
from organizations.models import Member, Organization, Participation, Role
from organizations.permissions import scope_for

from .models import Exemption, ExemptionStatus, RetireeDecision, RetireeFiling


@dataclass(frozen=True)
class Absent:
    member: Member
    reason: str
    exemption: Exemption | None  # the filed exemption, if that is why
    decision: RetireeDecision | None  # the department's decision, if that is why

    @property
    def source(self) -> str:
        if self.exemption is not None:
            return "exemption"
        if self.decision is not None:
            return "retiree"
        return "other"


def not_taking_part(year: int, branches: Iterable[Organization]) -> list[Absent]:
    """Everyone not taking part in the year in these branches, with the reason (3 queries)."""
    rows = list(
        Participation.objects.filter(year=year, takes_part=False, member__branch__in=list(branches))
        .select_related("member__branch", "member__department")
        .order_by(
            "member__branch__order",
            "member__branch__code",
            *name_order("member__"),
            "member_id",
        )
    )
    ids = [r.member_id for r in rows]
    filed = {
        e.member_id: e
        for e in Exemption.objects.filter(
            member_id__in=ids, year=year, status=ExemptionStatus.FILED
        ).order_by("committee_decided_at", "pk")
    }
    decisions = {
        d.member_id: d
        for d in RetireeDecision.objects.filter(
            member_id__in=ids, year=year, takes_part=False
        ).select_related("filed_by")
    }
    return [
        Absent(r.member, r.reason, filed.get(r.member_id), decisions.get(r.member_id)) for r in rows
    ]


def exemptions(**filters) -> QuerySet[Exemption]:
    return Exemption.objects.filter(**filters).select_related(
        "member", "branch", "branch_decided_by", "committee_decided_by"
    )


def retirees_waiting_for_filing() -> QuerySet[RetireeDecision]:
    """Departments' decisions that a retired member does not take part, not filed yet."""
    return (
        RetireeDecision.objects.filter(filing=RetireeFiling.AWAITING)
        .select_related("member__branch", "member__department", "decided_by")
        .order_by("decided_at", "pk")
    )


def waiting_for_filing(year: int | None = None) -> QuerySet[Exemption]:
    qs = exemptions(status=ExemptionStatus.APPROVED)
    return qs.filter(year=year) if year is not None else qs


@once_per_request
def badge_counts(user: Any) -> BadgeCounts:
    """The committee's badge: applications approved by branches, to file. A secretary's:
    applications submitted in their branches, to decide."""
    scope = scope_for(user)
    if scope.is_committee:
        return {"approved": Exemption.objects.filter(status=ExemptionStatus.APPROVED).count()}
    secretary_of = [b for b, roles in scope.branch_roles.items() if Role.SECRETARY in roles]
    submitted = (
        Exemption.objects.filter(
            branch_id__in=secretary_of, status=ExemptionStatus.SUBMITTED
        ).count()
        if secretary_of
        else 0
    )
    return {"submitted": submitted}
