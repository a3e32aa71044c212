"""The committee's view of every branch in a year, built on `year_results`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ledger.totals import BranchYear, year_results
from organizations.models import Organization
from scoring import engine


@dataclass(frozen=True)
class BranchSummary:
    branch: Organization
    year: int
    taking_part: int
    average: Decimal | None
    top: Decimal | None
    vetoed: int


def summarise(by: BranchYear) -> BranchSummary:
    totals = [r.totals.total for r in by.ranked]
    return BranchSummary(
        branch=by.branch,
        year=by.year,
        taking_part=len(totals),
        average=engine.round1(sum(totals, Decimal(0)) / len(totals)) if totals else None,
        top=max(totals) if totals else None,
        vetoed=sum(1 for r in by.ranked if r.vetoed),
    )


def committee_overview(year: int, branches: Iterable[Organization]) -> list[BranchSummary]:
    """One row per branch, in the branches' order; a fixed number of queries."""
    branches = list(branches)
    results = year_results(year, branches)
    return [summarise(results[b.pk]) for b in branches]


def averages_chart(rows: list[BranchSummary]) -> dict[str, list[str]]:
    """Data for the bar chart of branch averages (decimal strings, read by charts.js)."""
    shown = [r for r in rows if r.average is not None]
    return {
        "labels": [r.branch.name for r in shown],
        "values": [str(r.average) for r in shown],
    }
