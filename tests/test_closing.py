"""汇总: closing the first half and the year, the snapshot, reopening by the committee,
and every refusal (plan 一(三)4, DESIGN.md §3.4)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from appraisals.models import AppraisalSession, Mode, Status
from audit.models import AuditEvent
from audit.services import audit_verify
from core.errors import DomainError, PermissionDenied
from declarations.models import Declaration
from ledger.models import PeriodLock
from ledger.services import entry_post
from rules.services import scheme_for_year
from summaries.closing import ClosingBlocked, closing_status, period_close, period_reopen
from summaries.models import ClosingSnapshot
from tests.factories import post_points

YEAR = 2025


pytestmark = pytest.mark.usefixtures("english")


def appraisal(branch, half, status=Status.CLOSED, year=YEAR):
    """The half's appraisal session, as its own services leave it (closed by default)."""
    return AppraisalSession.objects.create(
        branch=branch,
        year=year,
        half=half,
        held_on=date(year, 6 if half == 1 else 12, 20),
        mode=Mode.GRADE,
        status=status,
    )


def volunteer(branch, year=YEAR):
    return scheme_for_year(branch=branch, year=year).items.get(code="dedication.volunteer")


def post(member, month, points="2", year=YEAR):
    entries = post_points(member, points, year=year, month=month)
    return entries[0] if len(entries) == 1 else entries


@pytest.fixture
def ready(bureau):
    """Branch A with points in the first half and both appraisals closed."""
    post(bureau.member_a, 3, "5")
    post(bureau.other_member_a, 4, "2.5")
    appraisal(bureau.branch_a, 1)
    appraisal(bureau.branch_a, 2)
    return bureau


def close(bureau, half, who=None):
    return period_close(
        branch=bureau.branch_a, year=YEAR, half=half, closed_by=who or bureau.secretary_a
    )


def active_locks(branch):
    return PeriodLock.objects.filter(branch=branch, year=YEAR, reopened_at__isnull=True)


# Closing -----------------------------------------------------------------------


def test_the_secretary_closes_the_first_half_after_its_appraisal(ready):
    lock = close(ready, 1)
    assert (lock.branch, lock.year, lock.half, lock.closed_by) == (
        ready.branch_a,
        YEAR,
        1,
        ready.secretary_a,
    )
    event = AuditEvent.objects.get(action="summaries.period.closed")
    assert event.object_id == str(lock.pk)
    assert event.actor == ready.secretary_a
    assert event.after["members"] == 2
    assert audit_verify() is None


def test_closing_stores_every_members_totals_and_ranks_as_decimal_strings(ready):
    lock = close(ready, 1)
    snapshot = ClosingSnapshot.objects.get(lock=lock)
    rows = {row["name"]: row for row in snapshot.rows}
    assert rows["张红梅"]["dedication"] == "5.0"
    assert rows["张红梅"]["total"] == "105.0"
    assert rows["张红梅"]["rank"] == 1
    assert rows["李建国"]["total"] == "102.5"
    assert rows["李建国"]["rank"] == 2
    assert rows["李建国"]["help_talk_due"] is True
    assert snapshot.closed_by_name == "secretary_a"
    assert all(isinstance(row["total"], str) for row in snapshot.rows)


def test_a_closed_half_refuses_new_points_and_the_other_half_takes_them(ready):
    close(ready, 1)
    with pytest.raises(DomainError, match="closed"):
        post(ready.member_a, 6)
    post(ready.member_a, 7)  # the second half is still open


def test_closing_before_the_halfs_appraisal_is_closed_is_refused(bureau):
    with pytest.raises(DomainError, match="appraisal"):
        close(bureau, 1)
    appraisal(bureau.branch_a, 1, status=Status.OPEN)
    with pytest.raises(DomainError, match="appraisal"):
        close(bureau, 1)
    assert not PeriodLock.objects.exists()
    assert not ClosingSnapshot.objects.exists()


def test_an_annulled_appraisal_does_not_count(bureau):
    appraisal(bureau.branch_a, 1, status=Status.ANNULLED)
    with pytest.raises(DomainError, match="appraisal"):
        close(bureau, 1)


def test_closing_twice_is_refused(ready):
    close(ready, 1)
    with pytest.raises(DomainError, match="already closed"):
        close(ready, 1)
    assert active_locks(ready.branch_a).count() == 1
    assert ClosingSnapshot.objects.count() == 1


def test_closing_the_year_before_the_first_half_is_refused(ready):
    with pytest.raises(DomainError, match="first half"):
        close(ready, 2)
    assert not PeriodLock.objects.exists()


def test_the_year_closes_after_the_first_half_and_the_second_appraisal(ready):
    close(ready, 1)
    lock = close(ready, 2)
    assert lock.half == 2
    status = closing_status(ready.branch_a, YEAR)
    assert status.first.is_closed
    assert status.year_closed
    with pytest.raises(DomainError):
        post(ready.member_a, 11)


def test_the_year_waits_for_the_second_appraisal(bureau):
    appraisal(bureau.branch_a, 1)
    close(bureau, 1)
    with pytest.raises(DomainError, match="appraisal"):
        close(bureau, 2)


@pytest.mark.parametrize("who", ["group_a", "recorder_a", "committee_admin", "secretary_b"])
def test_only_the_branch_secretary_closes(ready, who):
    with pytest.raises(PermissionDenied):
        close(ready, 1, who=getattr(ready, who))
    assert not PeriodLock.objects.exists()


def test_a_half_that_does_not_exist_is_refused(ready):
    with pytest.raises(DomainError):
        close(ready, 3)


def test_declarations_awaiting_review_block_closing_and_are_listed(ready):
    waiting = Declaration.objects.create(
        member=ready.member_a,
        branch=ready.branch_a,
        year=YEAR,
        month=5,
        status=Declaration.Status.SUBMITTED,
        name=ready.member_a.name,
    )
    Declaration.objects.create(  # the second half's does not hold up the first
        member=ready.member_a,
        branch=ready.branch_a,
        year=YEAR,
        month=9,
        status=Declaration.Status.UNDER_REVIEW,
        name=ready.member_a.name,
    )
    with pytest.raises(ClosingBlocked) as refused:
        close(ready, 1)
    assert [b.url for b in refused.value.blockers] == [
        reverse("declarations:detail", kwargs={"pk": waiting.pk})
    ]
    assert "张红梅's declaration for 5/2025 awaits review" in refused.value.message
    assert not PeriodLock.objects.exists()
    Declaration.objects.filter(pk=waiting.pk).update(status=Declaration.Status.RECOGNISED)
    close(ready, 1)


# Reopening ---------------------------------------------------------------------


def test_only_the_committee_reopens_with_a_reason(ready):
    lock = close(ready, 1)
    with pytest.raises(PermissionDenied):
        period_reopen(lock=lock, reason="补录", reopened_by=ready.secretary_a)
    with pytest.raises(DomainError, match="reason"):
        period_reopen(lock=lock, reason="  ", reopened_by=ready.committee_admin)
    lock.refresh_from_db()
    assert lock.reopened_at is None

    period_reopen(lock=lock, reason="补录三月份志愿服务", reopened_by=ready.committee_admin)
    lock.refresh_from_db()
    assert lock.reopened_at is not None
    assert lock.reopen_reason == "补录三月份志愿服务"
    assert ClosingSnapshot.objects.get(lock=lock).reopened_by == ready.committee_admin
    event = AuditEvent.objects.get(action="summaries.period.reopened")
    assert event.before["reopened_at"] is None
    assert event.after["reopen_reason"] == "补录三月份志愿服务"
    post(ready.member_a, 3)  # the half takes points again


def test_reopening_twice_is_refused(ready):
    lock = close(ready, 1)
    period_reopen(lock=lock, reason="补录", reopened_by=ready.committee_admin)
    with pytest.raises(DomainError, match="already been reopened"):
        period_reopen(lock=lock, reason="补录", reopened_by=ready.committee_admin)


def test_the_first_half_cannot_reopen_while_the_year_is_closed(ready):
    first = close(ready, 1)
    close(ready, 2)
    with pytest.raises(DomainError, match="second half"):
        period_reopen(lock=first, reason="补录", reopened_by=ready.committee_admin)


def test_closing_again_after_a_reopening_keeps_both_snapshots(ready):
    first = close(ready, 1)
    period_reopen(lock=first, reason="补录", reopened_by=ready.committee_admin)
    post(ready.member_a, 2, "3")
    second = close(ready, 1)
    assert first.pk != second.pk
    totals = [
        {r["name"]: r["total"] for r in s.rows}["张红梅"]
        for s in ClosingSnapshot.objects.order_by("pk")
    ]
    assert totals == ["105.0", "108.0"]
    assert len(closing_status(ready.branch_a, YEAR).history) == 2


# Pages -------------------------------------------------------------------------


def closing_url(code="zb1", year=YEAR):
    return reverse("summaries:closing", kwargs={"code": code, "year": year})


def action_url(name, half, code="zb1"):
    return reverse(f"summaries:{name}", kwargs={"code": code, "year": YEAR, "half": half})


def test_the_closing_page_shows_both_halves_and_the_history(ready, client_for):
    close(ready, 1)
    response = client_for(ready.secretary_a).get(closing_url())
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="half-1" data-closed="1"' in text
    assert 'data-testid="close-2"' in text  # the secretary may close the year
    assert 'data-testid="reopen-1"' not in text  # but not reopen
    assert "secretary_a" in text


def test_the_committee_sees_the_reopen_form_and_no_close_button(ready, client_for):
    close(ready, 1)
    text = client_for(ready.committee_admin).get(closing_url()).content.decode()
    assert 'data-testid="reopen-1"' in text
    assert 'data-testid="close-2"' not in text


def test_the_secretary_closes_through_the_page(ready, client_for):
    client = client_for(ready.secretary_a)
    asked = client.post(action_url("period_close", 1))
    assert asked.status_code == 200
    assert "core/confirm.html" in [t.name for t in asked.templates]
    assert "Only the party committee can reopen a closed period" in asked.content.decode()
    assert not PeriodLock.objects.exists()
    response = client.post(action_url("period_close", 1), {"confirmed": "1"}, follow=True)
    assert response.status_code == 200
    assert "The first half of 2025 is closed" in response.content.decode()
    assert active_locks(ready.branch_a).count() == 1


def test_a_refused_closing_shows_the_reason_and_changes_nothing(ready, client_for):
    response = client_for(ready.secretary_a).post(action_url("period_close", 2), follow=True)
    assert "Close the first half of 2025 before the year." in response.content.decode()
    assert not PeriodLock.objects.exists()


def test_a_group_member_cannot_close_through_the_page(ready, client_for):
    response = client_for(ready.group_a).post(action_url("period_close", 1), follow=True)
    assert "Only the branch secretary closes a period." in response.content.decode()
    assert not PeriodLock.objects.exists()


def test_the_committee_reopens_through_the_page_with_a_reason(ready, client_for):
    close(ready, 1)
    client = client_for(ready.committee_admin)
    response = client.post(action_url("period_reopen", 1), {"reason": ""}, follow=True)
    assert "Give a reason for reopening the period." in response.content.decode()
    assert active_locks(ready.branch_a).count() == 1
    client.post(action_url("period_reopen", 1), {"reason": "补录"})
    assert not active_locks(ready.branch_a).exists()


def test_reopening_a_period_that_is_not_closed_says_so(ready, client_for):
    response = client_for(ready.committee_admin).post(
        action_url("period_reopen", 1), {"reason": "补录"}, follow=True
    )
    assert "This period is not closed." in response.content.decode()


def test_a_secretary_of_another_branch_gets_404(ready, client_for):
    client = client_for(ready.secretary_b)
    assert client.get(closing_url()).status_code == 404
    assert client.post(action_url("period_close", 1)).status_code == 404
    assert client.post(action_url("period_reopen", 1), {"reason": "x"}).status_code == 404
    assert not PeriodLock.objects.exists()


def test_a_member_gets_404(ready, client_for):
    client = client_for(ready.member_a_user)
    assert client.get(closing_url()).status_code == 404
    assert client.post(action_url("period_close", 1)).status_code == 404


def test_a_half_other_than_one_or_two_is_404(ready, client_for):
    url = action_url("period_close", 1).replace("/closing/1/", "/closing/3/")
    assert client_for(ready.secretary_a).post(url).status_code == 404


def test_closing_needs_a_post(ready, client_for):
    assert client_for(ready.secretary_a).get(action_url("period_close", 1)).status_code == 405


def test_the_snapshot_page_shows_the_totals_at_closing(ready, client_for):
    lock = close(ready, 1)
    post(ready.member_a, 8, "9")  # later points do not change the snapshot
    snapshot = ClosingSnapshot.objects.get(lock=lock)
    url = reverse(
        "summaries:closing_snapshot", kwargs={"code": "zb1", "year": YEAR, "pk": snapshot.pk}
    )
    text = client_for(ready.group_a).get(url).content.decode()
    assert "105.0" in text
    assert "114.0" not in text
    assert client_for(ready.secretary_b).get(url).status_code == 404
    other = reverse(
        "summaries:closing_snapshot", kwargs={"code": "zb1", "year": YEAR + 1, "pk": snapshot.pk}
    )
    assert client_for(ready.secretary_a).get(other).status_code == 404


def test_closing_status_reads_a_fixed_number_of_queries(ready, django_assert_max_num_queries):
    close(ready, 1)
    with django_assert_max_num_queries(4):
        status = closing_status(ready.branch_a, YEAR)
        assert status.first.lock.closed_by == ready.secretary_a
        assert status.first.appraisal_closed
        assert status.second.appraisal_closed


def test_a_decimal_total_survives_the_snapshot(ready):
    post(ready.member_a, 1, "0.5")
    snapshot = ClosingSnapshot.objects.get(lock=close(ready, 1))
    row = next(r for r in snapshot.rows if r["name"] == "张红梅")
    assert Decimal(row["total"]) == Decimal("105.5")


def test_a_half_whose_appraisal_was_recorded_outside_the_system_can_be_closed(db):
    """Imported cards and years kept on paper carry the appraisal score in the ledger."""
    from decimal import Decimal

    from summaries.closing import closing_status
    from tests.factories import make_bureau

    bureau = make_bureau()
    entry_post(
        member=bureau.member_a,
        year=2025,
        month=12,
        points=Decimal("91"),
        source="import",
        kind="appraisal",
        source_ref="import:abc:appraisal",
    )
    status = closing_status(bureau.branch_a, 2025)
    assert status.halves[0].appraisal_closed
    assert status.halves[1].appraisal_closed
