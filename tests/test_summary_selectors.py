"""The summary service (`year_results`: the ledger summed by the database, then
`engine.totals_from_sums`) gives, to the last printed digit, what the engine gives from
every ledger row on its own (`engine.branch_totals`, `engine.rank_branch`): on the
bench's synthetic data (caps, month caps, reversals, corrected appraisals, vetoes,
exemptions) and with a member who moved branch."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger.models import Entry, Kind, Veto
from ledger.totals import year_results
from organizations.models import Member, Organization, Participation
from rules.models import Item, Scheme
from rules.points import rules_from_items
from scoring import engine
from summaries import bench

YEAR = 2026


def shown(totals: engine.MemberTotals) -> list[str]:
    """Every figure as a page prints it: Decimal("5") and Decimal("5.0") differ here."""
    figures = [totals.base, totals.dedication, totals.appraisal, totals.deductions, totals.total]
    for mapping in (
        totals.base_by_item,
        totals.dedication_by_category,
        totals.deductions_by_item,
        totals.appraisal_sessions,
    ):
        figures += [f"{key}={value}" for key, value in mapping.items()]
    return [str(figure) for figure in figures]


def from_rows(branch: Organization) -> dict[int, tuple[list[str], engine.Standing | None]]:
    """Each member's totals and standing from the engine over the branch's rows one by one."""
    scheme = Scheme.objects.get(organization=branch, year=YEAR)
    rules = rules_from_items(Item.objects.filter(scheme=scheme), scheme.category_caps)
    members = list(Member.objects.filter(branch=branch))
    entries = [
        engine.Entry(
            member_id=e.member_id,
            month=e.month,
            section=e.kind,
            points=e.points,
            item_id=e.item_id,
            session=e.source_ref if e.kind == Kind.APPRAISAL else "",
            count=-1 if e.reverses_id else 1,
        )
        for e in Entry.objects.filter(branch=branch, year=YEAR)
    ]
    totals = engine.branch_totals(rules, [m.pk for m in members], entries)
    exempt = set(
        Participation.objects.filter(year=YEAR, takes_part=False).values_list(
            "member_id", flat=True
        )
    )
    vetoed = set(
        Veto.objects.filter(branch=branch, year=YEAR, revoked_at__isnull=True).values_list(
            "member_id", flat=True
        )
    )
    standings = {
        s.member_id: s
        for s in engine.rank_branch(
            (m.pk, totals[m.pk].total, m.pk in vetoed) for m in members if m.pk not in exempt
        )
    }
    return {m.pk: (shown(totals[m.pk]), standings.get(m.pk)) for m in members}


def test_the_summary_equals_the_engine_over_every_row(db):
    spec = bench.Spec(
        members=240, branches=4, entries_per_member=30, year=YEAR, seed=7, query_branches=False
    )
    built = bench.build(spec)
    branches = list(bench.timed_branches(built.committee).order_by("code"))
    # A member who moved: their rows stay in the old branch and count there only.
    mover = Member.objects.filter(branch=branches[0]).order_by("pk").first()
    mover.branch = branches[1]
    mover.save(update_fields=["branch"])
    results = year_results(YEAR, branches)
    checked = 0
    for branch in branches:
        expected = from_rows(branch)
        got = results[branch.pk].results
        assert {r.member.pk for r in got} == set(expected)
        for result in got:
            figures, standing = expected[result.member.pk]
            assert shown(result.totals) == figures
            assert result.standing == standing
            checked += 1
        ranks = [r.rank for r in got if r.rank is not None]
        assert ranks == sorted(ranks)
    assert checked == Member.objects.filter(branch__in=branches).count()


def test_the_summary_queries_do_not_grow_with_the_branches(db):
    spec = bench.Spec(
        members=60, branches=3, entries_per_member=8, year=YEAR, seed=3, query_branches=False
    )
    built = bench.build(spec)
    branches = list(bench.timed_branches(built.committee))
    counts = []
    for chosen in (branches[:1], branches):
        with CaptureQueriesContext(connection) as captured:
            year_results(YEAR, chosen)
        counts.append(len(captured))
    assert counts[0] == counts[1]
    # The streamed ledger queries are logged like any other.
    assert sum("ledger_entry" in q["sql"] for q in captured.captured_queries) >= 3


def test_a_member_in_an_empty_year_holds_the_full_base(db):
    spec = bench.Spec(
        members=6, branches=1, entries_per_member=3, year=YEAR, seed=1, query_branches=False
    )
    built = bench.build(spec)
    results = year_results(YEAR + 1, bench.timed_branches(built.committee))
    rows = [r for by in results.values() for r in by.results]
    assert rows
    assert all(str(r.totals.appraisal) == "0.0" for r in rows)
    assert all(str(r.totals.base) == "100.0" for r in rows)


def test_an_error_while_the_ledger_streams_leaves_the_connection_usable(db, monkeypatch):
    spec = bench.Spec(
        members=60, branches=3, entries_per_member=8, year=YEAR, seed=5, query_branches=False
    )
    built = bench.build(spec)
    branches = list(bench.timed_branches(built.committee))
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise engine.UnknownItem("mid-stream")
        return scored(*args, **kwargs)

    scored = engine.totals_from_sums
    monkeypatch.setattr(engine, "totals_from_sums", failing)
    with pytest.raises(engine.UnknownItem):
        year_results(YEAR, branches)
    monkeypatch.undo()
    assert Member.objects.filter(branch__in=branches).count() == 60
    assert len(year_results(YEAR, branches)) == 3
