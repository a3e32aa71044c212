"""The points ledger: validation, reversals, immutability, vetoes, audit, totals."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import DomainError
from ledger.gate import EntryRefused
from ledger.models import Entry, PeriodLock, Veto
from ledger.services import entry_post, entry_reverse, veto_record, veto_revoke
from ledger.totals import branch_year
from rules.services import item_retire, scheme_for_year

YEAR = 2026


@pytest.fixture
def scheme_a(bureau):
    return scheme_for_year(branch=bureau.branch_a, year=YEAR)


def item(scheme, code):
    return scheme.items.get(code=code)


def post(bureau, scheme, code="dedication.volunteer", points="2", **kwargs):
    values = {
        "member": bureau.member_a,
        "year": YEAR,
        "month": 3,
        "points": points,
        "source": "direct",
        "item": item(scheme, code),
        "recorded_by": bureau.group_a,
        "reason": "社区志愿服务",
    }
    values.update(kwargs)
    return entry_post(**values)


def refused(call, *args, **kwargs) -> str:
    """Run a write that must be refused; return its message and check nothing was written
    but, for the ledger's gate, the audit row of the refusal."""
    entries, last = Entry.objects.count(), AuditEvent.objects.order_by("-pk").first()
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert Entry.objects.count() == entries
    new = AuditEvent.objects.filter(pk__gt=last.pk if last else 0)
    assert [e.action for e in new] in (
        [],
        ["ledger.entry.refused"],
        ["ledger.entry.reverse_refused"],
    )
    if isinstance(caught.value, EntryRefused):
        assert new.get().after["rule"] == caught.value.rule
    return caught.value.message


# --- posting -----------------------------------------------------------------


def test_posting_appends_an_entry_with_who_when_and_why(bureau, scheme_a):
    entry = post(bureau, scheme_a, points="2.5")
    entry.refresh_from_db()
    assert entry.points == Decimal("2.5")
    assert entry.kind == "dedication"
    assert entry.branch == bureau.branch_a
    assert entry.recorded_by == bureau.group_a
    assert entry.recorded_at is not None
    assert entry.reason == "社区志愿服务"


@pytest.mark.parametrize("points", ["1.25", "0.05", "3.333"])
def test_points_with_more_than_one_decimal_place_are_refused(bureau, scheme_a, points):
    assert "decimal place" in refused(post, bureau, scheme_a, points=points)


@pytest.mark.parametrize("points", ["abc", "", "1,5", "NaN", "Infinity", None, "1e999999"])
def test_points_that_are_not_a_number_are_refused(bureau, scheme_a, points):
    refused(post, bureau, scheme_a, points=points)


@pytest.mark.parametrize("points", ["0", "-1"])
def test_dedication_points_must_be_greater_than_zero(bureau, scheme_a, points):
    refused(post, bureau, scheme_a, points=points)


def test_deduction_points_are_positive_magnitudes(bureau, scheme_a):
    entry = post(bureau, scheme_a, code="deduction.study", points="1", source="attendance")
    assert entry.kind == "deduction"
    assert entry.points == Decimal("1.0")
    refused(post, bureau, scheme_a, code="deduction.study", points="-1")


def test_a_base_adjustment_must_be_negative_and_within_the_items_maximum(bureau, scheme_a):
    base = item(scheme_a, "base.1")  # 组织活动, max 30
    assert base.points == Decimal("30")
    adjust = {"code": "base.1", "source": "adjustment"}
    assert "is negative" in refused(post, bureau, scheme_a, points="1", **adjust)
    assert "at most 30 more" in refused(post, bureau, scheme_a, points="-30.5", **adjust)
    entry = post(bureau, scheme_a, points="-30", **adjust)
    assert entry.kind == "base"
    # The item holds 30: nothing more can be taken off it this year.
    assert "at most 0 more" in refused(post, bureau, scheme_a, points="-1", **adjust)


def test_a_base_adjustment_is_an_adjustment_with_a_reason(bureau, scheme_a):
    message = refused(post, bureau, scheme_a, code="base.1", points="-1", source="direct")
    assert "cannot record points" in message
    assert "reason" in refused(
        post, bureau, scheme_a, code="base.1", points="-1", source="adjustment", reason=" "
    )


def test_an_item_of_another_branchs_scheme_is_refused(bureau, scheme_a):
    scheme_b = scheme_for_year(branch=bureau.branch_b, year=YEAR)
    message = refused(post, bureau, scheme_b)
    assert "scheme" in message


def test_an_item_of_another_years_scheme_is_refused(bureau, scheme_a):
    last_year = scheme_for_year(branch=bureau.branch_a, year=YEAR - 1)
    refused(post, bureau, last_year)


def test_an_item_of_the_template_is_refused(bureau, scheme_a):
    template_item = item(scheme_a, "dedication.volunteer").template_item
    assert template_item is not None
    refused(
        entry_post,
        member=bureau.member_a,
        year=YEAR,
        month=3,
        points="1",
        source="direct",
        item=template_item,
    )


def test_a_retired_item_is_refused(bureau, scheme_a):
    volunteer = item(scheme_a, "dedication.volunteer")
    item_retire(item=volunteer)
    assert "retired" in refused(post, bureau, scheme_a)


def test_an_unknown_source_or_month_is_refused(bureau, scheme_a):
    refused(post, bureau, scheme_a, source="gift")
    refused(post, bureau, scheme_a, month=13)
    refused(post, bureau, scheme_a, month=0)


def test_an_entry_without_an_item_is_only_an_appraisal_score(bureau, scheme_a):
    refused(
        entry_post,
        member=bureau.member_a,
        year=YEAR,
        month=6,
        points="90",
        source="direct",
        kind="dedication",
    )
    entry = entry_post(
        member=bureau.member_a,
        year=YEAR,
        month=6,
        points="90",
        source="appraisal",
        kind="appraisal",
        source_ref="H1",
    )
    assert entry.item is None


def test_posting_into_a_closed_half_year_is_refused(bureau, scheme_a):
    PeriodLock.objects.create(branch=bureau.branch_a, year=YEAR, half=1)
    assert "closed" in refused(post, bureau, scheme_a, month=6)
    assert post(bureau, scheme_a, month=7).month == 7  # the second half stays open
    scheme_b = scheme_for_year(branch=bureau.branch_b, year=YEAR)
    entry_b = entry_post(
        member=bureau.member_b,
        year=YEAR,
        month=6,
        points="1",
        source="direct",
        item=item(scheme_b, "dedication.volunteer"),
    )
    assert entry_b.pk  # the lock belongs to branch A only


def test_a_reopened_half_year_takes_entries_again(bureau, scheme_a):
    lock = PeriodLock.objects.create(branch=bureau.branch_a, year=YEAR, half=1)
    refused(post, bureau, scheme_a, month=2)
    PeriodLock.objects.filter(pk=lock.pk).update(reopened_at=timezone.now())
    assert post(bureau, scheme_a, month=2).pk


# --- reversing ---------------------------------------------------------------


def test_reversing_appends_the_negation_with_a_reason(bureau, scheme_a):
    entry = post(bureau, scheme_a, points="2.5")
    reversal = entry_reverse(entry=entry, reason="重复记录", recorded_by=bureau.secretary_a)
    assert reversal.pk != entry.pk
    assert reversal.points == Decimal("-2.5")
    assert reversal.reverses == entry
    assert reversal.reason == "重复记录"
    assert (reversal.member, reversal.year, reversal.month, reversal.item) == (
        entry.member,
        entry.year,
        entry.month,
        entry.item,
    )
    entry.refresh_from_db()
    assert entry.points == Decimal("2.5")  # the original stays as it was
    assert entry.reversed_by == reversal


def test_a_reversal_needs_a_reason(bureau, scheme_a):
    entry = post(bureau, scheme_a)
    refused(entry_reverse, entry=entry, reason="  ")


def test_an_entry_cannot_be_reversed_twice(bureau, scheme_a):
    entry = post(bureau, scheme_a)
    entry_reverse(entry=entry, reason="错误")
    assert "already" in refused(entry_reverse, entry=entry, reason="再次")
    stale = Entry.objects.get(pk=entry.pk)
    refused(entry_reverse, entry=stale, reason="再次")


def test_a_reversal_cannot_be_reversed(bureau, scheme_a):
    reversal = entry_reverse(entry=post(bureau, scheme_a), reason="错误")
    refused(entry_reverse, entry=reversal, reason="撤销冲正")


def test_reversing_into_a_closed_half_year_is_refused(bureau, scheme_a):
    entry = post(bureau, scheme_a, month=4)
    PeriodLock.objects.create(branch=bureau.branch_a, year=YEAR, half=1)
    assert "closed" in refused(entry_reverse, entry=entry, reason="错误")


# --- immutability ------------------------------------------------------------


def test_the_orm_refuses_to_save_an_existing_entry(bureau, scheme_a):
    entry = post(bureau, scheme_a)
    entry.points = Decimal("9")
    with pytest.raises(TypeError):
        entry.save()
    assert Entry.objects.get(pk=entry.pk).points == Decimal("2")


def test_the_orm_refuses_to_delete_an_entry(bureau, scheme_a):
    entry = post(bureau, scheme_a)
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        Entry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(TypeError):
        Entry.objects.all().delete()
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_the_orm_refuses_bulk_updates_of_entries(bureau, scheme_a):
    entry = post(bureau, scheme_a)
    with pytest.raises(TypeError):
        Entry.objects.update(points=Decimal("9"))
    with pytest.raises(TypeError):
        Entry.objects.filter(pk=entry.pk).update(points=Decimal("9"))
    entry.points = Decimal("9")
    with pytest.raises(TypeError), transaction.atomic():
        Entry.objects.bulk_update([entry], ["points"])
    assert Entry.objects.get(pk=entry.pk).points == Decimal("2")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_entry SET points = 9 WHERE id = %s",
        "DELETE FROM ledger_entry WHERE id = %s",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes_on_postgresql(bureau, scheme_a, sql):
    entry = post(bureau, scheme_a)
    refusal = pytest.raises(DatabaseError, match="append-only")
    with refusal, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
    assert Entry.objects.get(pk=entry.pk).points == Decimal("2")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_truncate_the_ledger_on_postgresql(bureau, scheme_a):
    post(bureau, scheme_a)
    refusal = pytest.raises(DatabaseError, match="append-only")
    with refusal, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks
        cursor.execute("SET LOCAL jifen.allow_truncate = 'off'")
        cursor.execute("TRUNCATE ledger_entry CASCADE")
    assert Entry.objects.count() == 1


# --- vetoes ------------------------------------------------------------------


def veto(bureau, **kwargs):
    values = {
        "member": bureau.member_a,
        "year": YEAR,
        "ground": Veto.Ground.FRAUD,
        "facts": "虚报志愿服务时长",
        "decided_on": date(2026, 5, 20),
        "recorded_by": bureau.secretary_a,
    }
    values.update(kwargs)
    return veto_record(**values)


def test_a_veto_marks_the_member_last_for_the_year(bureau, scheme_a):
    post(bureau, scheme_a, points="5")
    veto(bureau)
    result = branch_year(bureau.branch_a, YEAR)
    assert [r.member for r in result.ranked] == [bureau.other_member_a, bureau.member_a]
    assert result.ranked[-1].vetoed


def test_a_veto_needs_a_ground_of_the_plan_and_facts(bureau):
    with pytest.raises(DomainError):
        veto(bureau, ground="dislike")
    with pytest.raises(DomainError):
        veto(bureau, facts=" ")
    assert not Veto.objects.exists()


def test_a_member_has_at_most_one_standing_veto_a_year(bureau):
    first = veto(bureau)
    with pytest.raises(DomainError):
        veto(bureau)
    veto_revoke(veto=first, reason="认定有误")
    assert veto(bureau).pk != first.pk


def test_revoking_a_veto_keeps_the_row_and_needs_a_reason(bureau):
    recorded = veto(bureau)
    with pytest.raises(DomainError):
        veto_revoke(veto=recorded, reason="")
    veto_revoke(veto=recorded, reason="认定有误", revoked_by=bureau.secretary_a)
    recorded.refresh_from_db()
    assert recorded.revoked_at is not None
    assert recorded.revoked_reason == "认定有误"
    with pytest.raises(DomainError):
        veto_revoke(veto=recorded, reason="again")
    assert not branch_year(bureau.branch_a, YEAR).ranked[-1].vetoed


# --- audit -------------------------------------------------------------------


def audit_rows(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_posting_is_audited_with_the_entry_after(bureau, scheme_a):
    entry = post(bureau, scheme_a, points="2.5")
    [row] = audit_rows("ledger.entry.posted")
    assert row.actor == bureau.group_a
    assert row.organization_id == bureau.branch_a.pk
    assert row.object_id == str(entry.pk)
    assert row.before is None
    assert row.after["points"] == "2.5"
    assert row.after["member_id"] == bureau.member_a.pk


def test_reversing_is_audited_with_before_and_after(bureau, scheme_a):
    entry = post(bureau, scheme_a, points="2.5")
    reversal = entry_reverse(entry=entry, reason="错误", recorded_by=bureau.secretary_a)
    [row] = audit_rows("ledger.entry.reversed")
    assert row.actor == bureau.secretary_a
    assert row.before["id"] == entry.pk
    assert row.before["points"] == "2.5"
    assert row.after["id"] == reversal.pk
    assert row.after["points"] == "-2.5"
    assert row.after["reason"] == "错误"


def test_vetoes_and_their_revocation_are_audited(bureau):
    recorded = veto(bureau)
    veto_revoke(veto=recorded, reason="认定有误", revoked_by=bureau.secretary_a)
    [recorded_row] = audit_rows("ledger.veto.recorded")
    [revoked_row] = audit_rows("ledger.veto.revoked")
    assert recorded_row.after["ground"] == "fraud"
    assert revoked_row.before["revoked_at"] is None
    assert revoked_row.after["revoked_reason"] == "认定有误"
    assert revoked_row.actor == bureau.secretary_a


# --- totals ------------------------------------------------------------------


def test_totals_follow_posting_and_reversing(bureau, scheme_a):
    def total():
        by_member = {r.member: r.totals for r in branch_year(bureau.branch_a, YEAR).results}
        return by_member[bureau.member_a]

    assert total().total == Decimal("100")
    dedication = post(bureau, scheme_a, points="3.5")
    post(bureau, scheme_a, code="deduction.study", points="1", source="attendance")
    post(bureau, scheme_a, code="base.3", points="-2", source="adjustment", month=5)
    totals = total()
    assert (totals.base, totals.dedication, totals.deductions) == (
        Decimal("98"),
        Decimal("3.5"),
        Decimal("1"),
    )
    assert totals.total == Decimal("100.5")
    entry_reverse(entry=dedication, reason="重复记录")
    assert total().total == Decimal("97")
    assert total().dedication == Decimal("0")


# --- the officers' pages -----------------------------------------------------


def entries_url(code="zb1", year=YEAR):
    return f"{reverse('ledger:entry_new', kwargs={'code': code})}?year={year}"


def entry_form(bureau, scheme, code="dedication.volunteer", **overrides):
    data = {
        "member": bureau.member_a.pk,
        "month": 3,
        "item": item(scheme, code).pk,
        "points": "2",
        "reason": "组织志愿服务",
        "evidence": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", ["secretary_a", "group_a", "recorder_a"])
def test_the_branchs_officers_record_points_directly(bureau, scheme_a, client_for, who):
    user = getattr(bureau, who)
    client = client_for(user)
    assert client.get(entries_url()).status_code == 200
    response = client.post(entries_url(), entry_form(bureau, scheme_a, points="1.5"))
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert (entry.member, entry.month, entry.points) == (bureau.member_a, 3, Decimal("1.5"))
    assert (entry.source, entry.recorded_by) == ("direct", user)
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize("who", ["member_a_user", "secretary_b", "member_b_user"])
def test_others_do_not_find_the_record_page(bureau, scheme_a, client_for, who):
    client = client_for(getattr(bureau, who))
    assert client.get(entries_url()).status_code == 404
    assert client.post(entries_url(), entry_form(bureau, scheme_a)).status_code == 404
    assert not Entry.objects.exists()


def test_the_record_page_needs_a_sign_in(bureau):
    response = Client().get(entries_url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_a_base_item_is_recorded_as_an_adjustment(bureau, scheme_a, client_for):
    client = client_for(bureau.group_a)
    client.post(entries_url(), entry_form(bureau, scheme_a, code="base.2", points="-3"))
    entry = Entry.objects.get()
    assert (entry.kind, entry.source, entry.points) == ("base", "adjustment", Decimal("-3"))


def test_a_member_or_item_of_another_branch_is_not_offered(bureau, scheme_a, client_for):
    scheme_b = scheme_for_year(branch=bureau.branch_b, year=YEAR)
    client = client_for(bureau.secretary_a)
    page = client.get(entries_url()).content.decode()
    assert bureau.member_b.name not in page
    for data in (
        entry_form(bureau, scheme_a, member=bureau.member_b.pk),
        entry_form(bureau, scheme_a, item=item(scheme_b, "dedication.volunteer").pk),
    ):
        response = client.post(entries_url(), data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not Entry.objects.exists()


def test_a_month_still_to_come_is_refused(bureau, client_for):
    today = timezone.localdate()
    if today.month == 12:
        pytest.skip("no month of this year is still to come")
    scheme = scheme_for_year(branch=bureau.branch_a, year=today.year)
    client = client_for(bureau.group_a)
    url = entries_url(year=today.year)
    response = client.post(url, entry_form(bureau, scheme, month=today.month + 1))
    assert response.status_code == 200
    assert "month" in response.context["form"].errors
    assert client.post(url, entry_form(bureau, scheme, month=today.month)).status_code == 302
    assert Entry.objects.count() == 1


def test_a_future_year_falls_back_to_the_current_one(bureau, client_for):
    client = client_for(bureau.group_a)
    response = client.get(entries_url(year=timezone.localdate().year + 1))
    assert response.context["year"] == timezone.localdate().year
    assert client.get(entries_url(year="abc")).status_code == 200


@pytest.mark.parametrize("points", ["abc", "1.25", "", "0", "99999999", "1e999999", "-1"])
def test_bad_points_come_back_with_the_reason_and_nothing_is_written(
    bureau, scheme_a, client_for, points
):
    client = client_for(bureau.group_a)
    response = client.post(entries_url(), entry_form(bureau, scheme_a, points=points))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Entry.objects.exists()


def test_a_closed_period_is_explained_on_the_form(bureau, scheme_a, client_for):
    PeriodLock.objects.create(branch=bureau.branch_a, year=YEAR, half=1)
    response = client_for(bureau.group_a).post(entries_url(), entry_form(bureau, scheme_a))
    assert response.status_code == 200
    assert "closed" in str(response.context["form"].non_field_errors())
    assert not Entry.objects.exists()


def test_garbage_in_every_field_never_gives_a_500(bureau, scheme_a, client_for):
    client = client_for(bureau.group_a)
    garbage = {f: "x' OR 1=1 --" for f in ("member", "month", "item", "points", "reason")}
    assert client.post(entries_url(), garbage).status_code == 200
    assert client.post(entries_url(), {}).status_code == 200
    assert not Entry.objects.exists()


def test_the_record_page_lists_recent_entries_in_a_fixed_number_of_queries(
    bureau, scheme_a, client_for
):
    client = client_for(bureau.group_a)
    post(bureau, scheme_a)
    client.get(entries_url())
    with CaptureQueriesContext(connection) as few:
        client.get(entries_url())
    for month in range(1, 11):
        entry_reverse(entry=post(bureau, scheme_a, month=month), reason="测试")
    with CaptureQueriesContext(connection) as many:
        page = client.get(entries_url())
    assert len(many) == len(few)
    assert page.content.decode().count("badge") >= 20


def reverse_url(entry):
    return reverse("ledger:entry_reverse", kwargs={"pk": entry.pk})


def test_an_officer_reverses_an_entry_with_a_reason(bureau, scheme_a, client_for):
    entry = post(bureau, scheme_a)
    client = client_for(bureau.recorder_a)
    response = client.post(reverse_url(entry), {"reason": "重复记录", "next": entries_url()})
    assert response.status_code == 302
    assert response.url == entries_url()
    reversal = Entry.objects.get(reverses=entry)
    assert (reversal.points, reversal.reason) == (Decimal("-2"), "重复记录")
    assert reversal.recorded_by == bureau.recorder_a


def test_reversing_is_post_only(bureau, scheme_a, client_for):
    entry = post(bureau, scheme_a)
    assert client_for(bureau.group_a).get(reverse_url(entry)).status_code == 405


def test_a_refused_reversal_is_explained_and_writes_nothing(bureau, scheme_a, client_for):
    entry = post(bureau, scheme_a)
    client = client_for(bureau.group_a)
    response = client.post(reverse_url(entry), {"reason": ""}, follow=True)
    assert response.status_code == 200
    assert any("reason" in str(m) for m in response.context["messages"])
    client.post(reverse_url(entry), {"reason": "错误"})
    response = client.post(reverse_url(entry), {"reason": "再次"}, follow=True)
    assert any("already" in str(m) for m in response.context["messages"])
    assert Entry.objects.count() == 2


def test_reversing_ignores_a_next_url_of_another_site(bureau, scheme_a, client_for):
    entry = post(bureau, scheme_a)
    response = client_for(bureau.group_a).post(
        reverse_url(entry), {"reason": "错误", "next": "https://evil.example/"}
    )
    assert response.url == entries_url()


@pytest.mark.parametrize("who", ["member_a_user", "secretary_b", "member_b_user"])
def test_others_cannot_reverse_an_entry(bureau, scheme_a, client_for, who):
    entry = post(bureau, scheme_a)
    client = client_for(getattr(bureau, who))
    assert client.post(reverse_url(entry), {"reason": "错误"}).status_code == 404
    assert client.post(reverse("ledger:entry_reverse", kwargs={"pk": 999999})).status_code == 404
    assert Entry.objects.count() == 1


def vetoes_url(code="zb1"):
    return reverse("ledger:veto_new", kwargs={"code": code})


def veto_form(bureau, **overrides):
    data = {
        "member": bureau.member_a.pk,
        "year": timezone.localdate().year,
        "ground": "petition",
        "facts": "参与非法上访",
        "decided_on": timezone.localdate().isoformat(),
        "evidence": "",
    }
    data.update(overrides)
    return data


def test_the_secretary_records_a_veto(bureau, client_for):
    client = client_for(bureau.secretary_a)
    assert client.get(vetoes_url()).status_code == 200
    asked = client.post(vetoes_url(), veto_form(bureau))
    assert asked.status_code == 200
    assert "core/confirm.html" in [t.name for t in asked.templates]
    assert not Veto.objects.exists()
    response = client.post(vetoes_url(), {**veto_form(bureau), "confirmed": "1"})
    assert response.status_code == 302
    recorded = Veto.objects.get()
    assert (recorded.member, recorded.ground, recorded.recorded_by) == (
        bureau.member_a,
        "petition",
        bureau.secretary_a,
    )
    page = client.get(vetoes_url()).content.decode()
    assert bureau.member_a.name in page
    again = client.post(vetoes_url(), {**veto_form(bureau), "confirmed": "1"})
    assert again.status_code == 200
    assert again.context["form"].non_field_errors()
    assert Veto.objects.count() == 1


def test_a_veto_cannot_be_dated_in_the_future_or_name_another_branchs_member(bureau, client_for):
    client = client_for(bureau.secretary_a)
    tomorrow = timezone.localdate() + timedelta(days=1)
    for data in (
        veto_form(bureau, decided_on=tomorrow.isoformat()),
        veto_form(bureau, member=bureau.member_b.pk),
        veto_form(bureau, ground="nonsense", year="abc", decided_on="yesterday"),
    ):
        response = client.post(vetoes_url(), data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not Veto.objects.exists()


@pytest.mark.parametrize(
    "who", ["group_a", "recorder_a", "member_a_user", "secretary_b", "committee_admin"]
)
def test_only_the_branchs_secretary_records_a_veto(bureau, client_for, who):
    client = client_for(getattr(bureau, who))
    assert client.get(vetoes_url()).status_code == 404
    assert client.post(vetoes_url(), veto_form(bureau)).status_code == 404
    assert client_for(bureau.secretary_b).get(vetoes_url("zb1")).status_code == 404
    assert not Veto.objects.exists()


def test_only_the_secretary_is_offered_the_veto_page(bureau, scheme_a, client_for):
    veto_link = vetoes_url()
    assert veto_link in client_for(bureau.secretary_a).get(entries_url()).content.decode()
    assert veto_link not in client_for(bureau.group_a).get(entries_url()).content.decode()


def test_a_veto_cannot_be_recorded_or_revoked_in_a_closed_year(bureau):
    import datetime

    from core.errors import DomainError
    from ledger.models import PeriodLock, Veto
    from ledger.services import veto_record, veto_revoke

    veto = veto_record(
        member=bureau.member_a,
        year=2025,
        ground=Veto.Ground.FRAUD,
        facts="虚报志愿服务时长",
        decided_on=datetime.date(2025, 11, 20),
    )
    PeriodLock.objects.create(branch=bureau.branch_a, year=2025, half=2)
    with pytest.raises(DomainError):
        veto_revoke(veto=veto, reason="误录")
    with pytest.raises(DomainError):
        veto_record(
            member=bureau.other_member_a,
            year=2025,
            ground=Veto.Ground.FRAUD,
            facts="虚报",
            decided_on=datetime.date(2025, 11, 20),
        )
    assert Veto.objects.filter(revoked_at__isnull=True).count() == 1
