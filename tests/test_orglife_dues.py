"""党费: the monthly dues record, its deductions and the branch's month grid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.errors import DomainError
from ledger.models import Entry, PeriodLock
from ledger.totals import branch_year
from orglife import dues
from orglife.models import DuesRecord
from tests.factories import MemberFactory

YEAR = 2025
Status = DuesRecord.Status


pytestmark = pytest.mark.usefixtures("english")


def record(bureau, status, month=3, member=None, **extra):
    return dues.dues_set(
        member=member or bureau.member_a,
        year=YEAR,
        month=month,
        status=status,
        actor=bureau.recorder_a,
        **extra,
    )


def live(rec):
    return Entry.objects.filter(
        source_ref=f"dues:{rec.pk}", reverses__isnull=True, reversed_by__isnull=True
    )


def deductions(bureau):
    result = next(
        r for r in branch_year(bureau.branch_a, YEAR).results if r.member.pk == bureau.member_a.pk
    )
    return result.totals.deductions


def grid_url(code="zb1", year=YEAR):
    return reverse("orglife:dues:grid", kwargs={"code": code, "year": year})


def cell_url(member, month=3, year=YEAR):
    return reverse(
        "orglife:dues:cell", kwargs={"member_pk": member.pk, "year": year, "month": month}
    )


def test_late_dues_deduct_and_a_correction_to_on_time_reverses(bureau):
    rec = record(bureau, Status.LATE, amount="25.50")
    entry = live(rec).get()
    assert entry.item.code == "deduction.meeting_or_dues"
    assert (entry.points, entry.source, entry.month) == (Decimal("2.0"), "dues", 3)
    assert entry.source_ref == f"dues:{rec.pk}"
    assert rec.amount == Decimal("25.50")
    assert deductions(bureau) == Decimal("2.0")

    record(bureau, Status.ON_TIME)
    assert not live(rec).exists()
    assert Entry.objects.filter(reverses=entry).exists()
    assert deductions(bureau) == Decimal("0.0")


def test_late_then_short_keeps_a_single_deduction(bureau):
    rec = record(bureau, Status.LATE)
    record(bureau, Status.SHORT, note="少交10元")
    assert live(rec).count() == 1
    assert DuesRecord.objects.get().status == Status.SHORT
    record(bureau, Status.NONE)
    assert not live(rec).exists()


def test_a_month_still_to_come_cannot_be_late(bureau):
    with pytest.raises(DomainError):
        dues.dues_set(
            member=bureau.member_a,
            year=YEAR,
            month=5,
            status=Status.LATE,
            actor=None,
            today=date(YEAR, 4, 20),
        )
    paid_ahead = dues.dues_set(
        member=bureau.member_a,
        year=YEAR,
        month=5,
        status=Status.ON_TIME,
        actor=None,
        today=date(YEAR, 4, 20),
    )
    assert paid_ahead.status == Status.ON_TIME


@pytest.mark.parametrize("amount", ["-1", "abc", "1.234", "1e99"])
def test_a_bad_amount_is_refused(bureau, amount):
    with pytest.raises(DomainError):
        record(bureau, Status.ON_TIME, amount=amount)
    assert not DuesRecord.objects.exists()


def test_a_closed_half_year_refuses_dues_and_changes_nothing(bureau):
    rec = record(bureau, Status.LATE)
    PeriodLock.objects.create(branch=bureau.branch_a, year=YEAR, half=1)
    with pytest.raises(DomainError, match="closed"):
        record(bureau, Status.ON_TIME)
    with pytest.raises(DomainError, match="closed"):
        dues.dues_mark_month_paid(branch=bureau.branch_a, year=YEAR, month=3, actor=None)
    rec.refresh_from_db()
    assert rec.status == Status.LATE
    assert live(rec).count() == 1
    assert DuesRecord.objects.count() == 1


def test_all_paid_this_month_fills_the_gaps_and_keeps_late_records(bureau):
    record(bureau, Status.LATE)
    marked = dues.dues_mark_month_paid(
        branch=bureau.branch_a, year=YEAR, month=3, actor=bureau.recorder_a
    )
    assert marked == 1
    statuses = dict(DuesRecord.objects.filter(month=3).values_list("member__name", "status"))
    assert statuses == {
        bureau.member_a.name: Status.LATE,
        bureau.other_member_a.name: Status.ON_TIME,
    }
    assert not DuesRecord.objects.filter(member=bureau.member_b).exists()
    again = dues.dues_mark_month_paid(branch=bureau.branch_a, year=YEAR, month=3, actor=None)
    assert again == 0


# --- pages --------------------------------------------------------------------


def test_the_recorder_sees_the_grid_and_the_committee_reads_it(bureau, client_for):
    record(bureau, Status.LATE)
    response = client_for(bureau.recorder_a).get(grid_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('data-testid="dues-cell"') == 2 * 12
    assert cell_url(bureau.member_a) in body
    committee = client_for(bureau.committee_admin).get(grid_url()).content.decode()
    assert bureau.member_a.name in committee
    assert cell_url(bureau.member_a) not in committee


@pytest.mark.parametrize("who", ["secretary_b", "member_a_user", "member_b_user"])
def test_another_branch_or_a_member_gets_404_for_the_grid(bureau, client_for, who):
    client = client_for(getattr(bureau, who))
    assert client.get(grid_url()).status_code == 404
    assert client.get(cell_url(bureau.member_a)).status_code == 404
    assert client.post(cell_url(bureau.member_a), {"status": "late"}).status_code == 404
    paid = reverse("orglife:dues:month_paid", kwargs={"code": "zb1", "year": YEAR, "month": 3})
    assert client.post(paid).status_code == 404
    assert not DuesRecord.objects.exists()


def test_the_recorder_cannot_touch_another_branch_member(bureau, client_for):
    client = client_for(bureau.recorder_a)
    assert client.get(cell_url(bureau.member_b)).status_code == 404
    assert client.post(cell_url(bureau.member_b), {"status": "late"}).status_code == 404
    assert client.get(grid_url("zb2")).status_code == 404


def test_a_cell_edit_with_htmx_answers_with_the_new_cell(bureau, client_for):
    client = client_for(bureau.recorder_a)
    editor = client.get(cell_url(bureau.member_a), headers={"HX-Request": "true"})
    assert editor.status_code == 200
    assert b'data-testid="dues-editor"' in editor.content
    response = client.post(
        cell_url(bureau.member_a),
        {"status": "short", "amount": "12.00", "note": ""},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert 'data-testid="dues-saved"' in body
    assert f'id="dues-{bureau.member_a.pk}-3"' in body
    assert 'hx-swap-oob="true"' in body
    assert "ol-dues-short" in body
    assert deductions(bureau) == Decimal("2.0")


def test_a_cell_edit_without_htmx_redirects_to_the_grid(bureau, client_for):
    client = client_for(bureau.recorder_a)
    assert client.get(cell_url(bureau.member_a)).status_code == 200
    response = client.post(cell_url(bureau.member_a), {"status": "late"})
    assert response.status_code == 302
    assert response.url == grid_url()


def test_a_bad_cell_edit_comes_back_with_the_reason(bureau, client_for):
    client = client_for(bureau.recorder_a)
    for data in ({"status": "bogus"}, {"status": "late", "amount": "-5"}):
        response = client.post(cell_url(bureau.member_a), data, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert b'role="alert"' in response.content
    assert client.get(cell_url(bureau.member_a, month=13)).status_code == 404
    assert not DuesRecord.objects.exists()


def test_a_closed_period_on_the_grid_shows_the_reason(bureau, client_for):
    PeriodLock.objects.create(branch=bureau.branch_a, year=YEAR, half=1)
    client = client_for(bureau.recorder_a)
    response = client.post(
        cell_url(bureau.member_a), {"status": "late"}, headers={"HX-Request": "true"}
    )
    assert b'role="alert"' in response.content
    paid = reverse("orglife:dues:month_paid", kwargs={"code": "zb1", "year": YEAR, "month": 3})
    response = client.post(paid, follow=True)
    assert b"alert-danger" in response.content
    assert not DuesRecord.objects.exists()


def test_the_bulk_button_marks_the_month(bureau, client_for):
    paid = reverse("orglife:dues:month_paid", kwargs={"code": "zb1", "year": YEAR, "month": 4})
    response = client_for(bureau.recorder_a).post(paid)
    assert response.status_code == 302
    assert DuesRecord.objects.filter(month=4, status=Status.ON_TIME).count() == 2


def test_the_dues_index_leads_an_officer_to_the_grid(bureau, client_for):
    response = client_for(bureau.recorder_a).get(reverse("orglife:dues:index"))
    assert response.status_code == 302
    assert "/orglife/dues/zb1/" in response.url
    assert client_for(bureau.committee_admin).get(reverse("orglife:dues:index")).status_code == 200
    assert client_for(bureau.member_a_user).get(reverse("orglife:dues:index")).status_code == 404


def test_the_grid_takes_the_same_queries_however_many_members(bureau, client_for):
    client = client_for(bureau.recorder_a)

    def count() -> int:
        client.get(grid_url())
        with CaptureQueriesContext(connection) as queries:
            assert client.get(grid_url()).status_code == 200
        return len(queries)

    record(bureau, Status.LATE)
    few = count()
    for n in range(12):
        member = MemberFactory(branch=bureau.branch_a)
        record(bureau, Status.SHORT if n % 2 else Status.ON_TIME, member=member, month=n % 12 + 1)
    assert count() == few


def test_the_recorder_records_a_chosen_past_month_for_everyone_in_one_step(bureau, client_for):
    """November left unrecorded took a click per member; any open month is one step."""
    record(bureau, Status.LATE, month=11)
    client = client_for(bureau.recorder_a)
    page = client.get(grid_url()).content.decode()
    assert 'data-testid="dues-bulk"' in page
    # a past year: every month can be chosen, the latest one with someone unrecorded first
    assert '<option value="12" selected>Month 12 (2 not recorded)</option>' in page
    assert '<option value="11">Month 11 (1 not recorded)</option>' in page
    paid = reverse("orglife:dues:chosen_month_paid", kwargs={"code": "zb1", "year": YEAR})
    response = client.post(paid, {"month": "11"})
    assert response.status_code == 302
    november = dict(DuesRecord.objects.filter(month=11).values_list("member_id", "status"))
    assert november == {bureau.member_a.pk: Status.LATE, bureau.other_member_a.pk: Status.ON_TIME}
    assert not DuesRecord.objects.exclude(month=11).exists()


@pytest.mark.parametrize("month", ["", "13", "0", "x", "99999999999999999999"])
def test_a_bad_chosen_month_is_refused_with_a_message(bureau, client_for, month):
    paid = reverse("orglife:dues:chosen_month_paid", kwargs={"code": "zb1", "year": YEAR})
    response = client_for(bureau.recorder_a).post(paid, {"month": month}, follow=True)
    assert response.status_code == 200
    assert b"alert-danger" in response.content
    assert not DuesRecord.objects.exists()


def test_only_the_branch_records_a_chosen_month(bureau, client_for):
    paid = reverse("orglife:dues:chosen_month_paid", kwargs={"code": "zb1", "year": YEAR})
    for who in ("secretary_b", "member_a_user"):
        assert client_for(getattr(bureau, who)).post(paid, {"month": "3"}).status_code == 404
    assert not DuesRecord.objects.exists()
