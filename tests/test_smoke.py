from decimal import Decimal

from ledger.services import entry_post
from ledger.totals import branch_year
from rules.services import scheme_for_year


def test_a_member_with_no_entries_has_full_base_marks(bureau):
    result = branch_year(bureau.branch_a, 2026)
    assert {r.member.name for r in result.results} == {"张红梅", "李建国"}
    assert all(r.totals.base == Decimal("100") for r in result.results)


def test_posted_dedication_points_count_in_the_total(bureau):
    scheme = scheme_for_year(branch=bureau.branch_a, year=2026)
    item = scheme.items.get(code="dedication.volunteer")
    entry_post(member=bureau.member_a, year=2026, month=3, points="2.5", source="direct", item=item)
    result = branch_year(bureau.branch_a, 2026)
    top = result.ranked[0]
    assert top.member == bureau.member_a
    assert top.totals.total == Decimal("102.5")
