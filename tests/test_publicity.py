"""公示: a quarter's publication, kept as published; objections within the window; answers
and corrections noted on the published snapshot; who may see and do what."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import DomainError
from ledger.totals import branch_year
from notifications.models import Notification
from organizations.models import Participation
from publicity import services
from publicity.models import Objection, Publication, PublicationRow
from publicity.quarters import Quarter
from publicity.selectors import histogram, quarters_published, shown_publication
from rules.services import scheme_for_year
from tests.factories import MemberFactory, post_entry

YEAR = 2026
Q3 = Quarter(YEAR, 3)


@pytest.fixture
def clock(monkeypatch):
    """clock(month, day, hour, minute) sets the time in YEAR (Asia/Shanghai) for everything
    that asks Django for it."""

    def set_to(month: int, day: int, hour: int, minute: int) -> None:
        aware = datetime(YEAR, month, day, hour, minute, tzinfo=timezone.get_current_timezone())
        monkeypatch.setattr(timezone, "now", lambda: aware)

    set_to(9, 30, 10, 0)
    return set_to


@pytest.fixture
def items(bureau):
    scheme = scheme_for_year(branch=bureau.branch_a, year=YEAR)
    return {i.code: i for i in scheme.items.all()}


@pytest.fixture
def points(bureau, items, clock):
    """Member A has 3 volunteer points; the other member 1 study point and a deduction."""
    post_entry(bureau.member_a, "3", year=YEAR, reason="社区志愿服务")
    post_entry(bureau.other_member_a, "1", year=YEAR, month=5, code="dedication.learning")
    post_entry(
        bureau.other_member_a,
        "1",
        year=YEAR,
        month=6,
        code="deduction.study",
        source="attendance",
        reason="无故缺席集体学习",
    )
    return bureau


def publish(bureau, branch=None, quarter=Q3, actor=None, **kwargs) -> Publication:
    kwargs.setdefault("contact_name", "张书记")
    kwargs.setdefault("contact_phone", "13900001111")
    return services.publication_publish(
        branch=branch or bureau.branch_a,
        quarter=quarter,
        actor=actor or bureau.secretary_a,
        **kwargs,
    )


def detail_url(publication) -> str:
    return reverse("publicity:detail", kwargs={"pk": publication.pk})


# --- publishing ----------------------------------------------------------------------


def test_publishing_keeps_every_participating_members_figures_and_rank(points):
    bureau = points
    publication = publish(bureau)
    assert publication.title == "第一党支部2026年第三季度党员奉献积分公示"
    assert publication.as_of == date(YEAR, 9, 30)
    assert (publication.window_start, publication.window_end) == (
        date(YEAR, 9, 30),
        date(YEAR, 10, 12),
    )
    rows = {r.name: r for r in publication.rows.all()}
    assert set(rows) == {"张红梅", "李建国"}
    first = rows["张红梅"]
    assert (first.base, first.dedication, first.deductions, first.total, first.rank) == (
        Decimal("100.0"),
        Decimal("3.0"),
        Decimal("0.0"),
        Decimal("103.0"),
        1,
    )
    assert (rows["李建国"].total, rows["李建国"].rank) == (Decimal("100.0"), 2)
    assert publication.figures["members"] == 2
    assert publication.figures["by_category"] == {"volunteer": "3.0", "learning": "1.0"}
    assert AuditEvent.objects.filter(
        action="publicity.publication.published", object_id=str(publication.pk)
    ).exists()
    assert Notification.objects.filter(user=bureau.member_a_user, url=detail_url(publication))


def test_a_member_not_taking_part_is_not_published(points):
    Participation.objects.create(member=points.other_member_a, year=YEAR, takes_part=False)
    publication = publish(points)
    assert [r.name for r in publication.rows.all()] == ["张红梅"]


def test_the_title_and_the_window_length_can_be_chosen(points):
    publication = publish(points, title="  第三季度积分公示  ", workdays=3)
    assert publication.title == "第三季度积分公示"
    assert publication.window_end == date(YEAR, 10, 9)


def test_publishing_a_quarter_twice_is_refused_and_changes_nothing(points):
    publish(points)
    with pytest.raises(DomainError, match="already been published"):
        publish(points, actor=points.group_a)
    assert Publication.objects.count() == 1
    assert PublicationRow.objects.count() == 2


def test_a_quarter_still_to_come_is_refused(points):
    with pytest.raises(DomainError, match="not begun"):
        publish(points, quarter=Quarter(YEAR, 4))
    assert not Publication.objects.exists()


def test_a_window_starting_in_the_past_is_refused(points):
    with pytest.raises(DomainError, match="before today"):
        publish(points, window_start=date(YEAR, 9, 1))


def test_a_contact_is_required(points):
    with pytest.raises(DomainError, match="contact"):
        publish(points, contact_name="  ")


def test_a_year_without_holiday_data_is_published_with_an_estimated_window(points, monkeypatch):
    import chinese_calendar

    def unknown(day):
        raise NotImplementedError("no data")

    monkeypatch.setattr(chinese_calendar, "is_workday", unknown)
    publication = publish(points)
    assert publication.window_estimated
    assert publication.window_end == date(YEAR, 10, 6)  # Mon–Fri: 30 Sep, 1, 2, 5, 6 Oct


# --- kept as published ---------------------------------------------------------------


def test_a_publication_and_its_rows_have_no_update_or_delete_path(points):
    publication = publish(points)
    row = publication.rows.first()
    publication.title = "改过的标题"
    with pytest.raises(TypeError):
        publication.save()
    with pytest.raises(TypeError):
        publication.delete()
    with pytest.raises(TypeError):
        Publication.objects.filter(pk=publication.pk).update(title="x")
    with pytest.raises(TypeError):
        Publication.objects.filter(pk=publication.pk).delete()
    row.total = Decimal("999.0")
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        PublicationRow.objects.all().update(total=0)
    with pytest.raises(TypeError):
        PublicationRow.objects.all().delete()
    publication.refresh_from_db()
    assert publication.title == "第一党支部2026年第三季度党员奉献积分公示"
    assert PublicationRow.objects.get(pk=row.pk).total != Decimal("999.0")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_on_postgresql_the_database_itself_refuses_to_change_a_publication(points):
    from django.db import DatabaseError, transaction

    publication = publish(points)
    for sql in (
        "UPDATE publicity_publication SET title = 'x' WHERE id = %s",
        "DELETE FROM publicity_publicationrow WHERE publication_id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [publication.pk])


def test_a_correction_after_publication_keeps_the_published_numbers_and_adds_a_note(
    points, items, clock
):
    bureau = points
    publication = publish(bureau)
    row = publication.rows.get(member=bureau.other_member_a)
    clock(10, 8, 9, 0)
    objection = services.objection_raise(
        publication=publication,
        member=bureau.other_member_a,
        reason="九月参加的河道清理志愿服务未计分。",
        row=row,
    )
    correction = post_entry(
        bureau.other_member_a,
        "2",
        year=YEAR,
        month=9,
        reason="公示异议更正",
        recorded_by=bureau.group_a,
    )
    services.objection_answer(
        objection=objection,
        answer="经核实，情况属实，已补记2分。",
        upheld=True,
        correction=correction,
        actor=bureau.group_a,
    )
    shown = shown_publication(publication)
    corrected = next(r for r in shown.rows if r.row.pk == row.pk)
    assert corrected.row.total == Decimal("100.0")  # as published
    assert corrected.notes == ["Corrected: +2.0 志愿服务 (recorded 2026-10-08)"]
    assert all(not r.notes for r in shown.rows if r.row.pk != row.pk)
    live = {r.member.pk: r for r in branch_year(bureau.branch_a, YEAR).results}
    assert live[bureau.other_member_a.pk].totals.total == Decimal("102.0")
    assert PublicationRow.objects.get(pk=row.pk).total == Decimal("100.0")


# --- objections ------------------------------------------------------------------------


def test_an_objection_on_the_last_day_of_the_window_is_accepted(points, clock):
    publication = publish(points)
    clock(10, 12, 23, 30)
    objection = services.objection_raise(
        publication=publication,
        member=points.member_a,
        reason="排名有误",
        actor=points.member_a_user,
    )
    assert objection.pk
    assert objection.row is None
    assert AuditEvent.objects.filter(action="publicity.objection.raised").exists()
    assert Notification.objects.filter(user=points.secretary_a, url__contains="/answer/").exists()
    assert Notification.objects.filter(user=points.group_a, url__contains="/answer/").exists()


def test_an_objection_after_the_window_is_refused_with_a_message(points, clock):
    publication = publish(points)
    clock(10, 13, 0, 5)
    with pytest.raises(DomainError, match="closed on 2026-10-12"):
        services.objection_raise(publication=publication, member=points.member_a, reason="异议")
    assert not Objection.objects.exists()


def test_an_objection_needs_a_reason_and_a_member_of_the_branch(points):
    publication = publish(points)
    with pytest.raises(DomainError, match="reason"):
        services.objection_raise(publication=publication, member=points.member_a, reason="  ")
    with pytest.raises(DomainError, match="members of the branch"):
        services.objection_raise(publication=publication, member=points.member_b, reason="异议")
    assert not Objection.objects.exists()


def test_an_objection_about_a_line_of_another_publication_is_refused(points):
    publication = publish(points)
    scheme_for_year(branch=points.branch_b, year=YEAR)
    other = publish(points, branch=points.branch_b, actor=points.secretary_b)
    with pytest.raises(DomainError, match="line of this publication"):
        services.objection_raise(
            publication=publication,
            member=points.member_a,
            reason="异议",
            row=other.rows.first(),
        )


def test_an_objection_is_answered_once_and_the_member_is_told(points):
    bureau = points
    publication = publish(bureau)
    objection = services.objection_raise(
        publication=publication, member=bureau.member_a, reason="异议", actor=bureau.member_a_user
    )
    services.objection_answer(
        objection=objection, answer="经核实，积分无误。", upheld=False, actor=bureau.secretary_a
    )
    objection.refresh_from_db()
    assert objection.is_answered
    assert objection.upheld is False
    assert Notification.objects.filter(
        user=bureau.member_a_user, url__endswith=f"#objection-{objection.pk}"
    ).exists()
    with pytest.raises(DomainError, match="already been answered"):
        services.objection_answer(
            objection=objection, answer="再答", upheld=True, actor=bureau.secretary_a
        )
    assert AuditEvent.objects.filter(action="publicity.objection.answered").count() == 1


def test_a_correction_must_be_recorded_after_publication_and_only_for_an_upheld_objection(
    points, items, clock
):
    bureau = points
    earlier = post_entry(bureau.member_a, "1", year=YEAR, month=9, code="dedication.learning")
    publication = publish(bureau)
    objection = services.objection_raise(
        publication=publication, member=bureau.member_a, reason="异议"
    )
    with pytest.raises(DomainError, match="recorded after the publication"):
        services.objection_answer(
            objection=objection, answer="更正", upheld=True, correction=earlier, actor=None
        )
    clock(10, 8, 9, 0)
    later = post_entry(bureau.member_a, "1", year=YEAR, month=9, code="dedication.learning")
    with pytest.raises(DomainError, match="Only an upheld objection"):
        services.objection_answer(
            objection=objection, answer="不予采纳", upheld=False, correction=later, actor=None
        )
    objection.refresh_from_db()
    assert not objection.is_answered


def test_the_committee_can_see_which_quarters_each_branch_published(points):
    publish(points)
    publish(points, quarter=Quarter(YEAR, 1))
    done = quarters_published(YEAR, [points.branch_a, points.branch_b])
    assert done == {points.branch_a.pk: {1, 3}, points.branch_b.pk: set()}


def test_the_histogram_counts_members_per_band():
    values = [Decimal(v) for v in ("100.0", "101.5", "104.9", "105.0", "112.0")]
    assert histogram(values) == {
        "labels": ["100–105", "105–110", "110–115"],
        "values": [3, 1, 1],
    }
    assert histogram([]) == {"labels": [], "values": []}


# --- pages ---------------------------------------------------------------------------


def publish_form(**overrides):
    data = {
        "period": "2026-3",
        "title": "",
        "window_start": "2026-09-30",
        "workdays": "5",
        "contact_name": "张书记",
        "contact_phone": "13900001111",
    }
    return {**data, **overrides}


def test_a_secretary_publishes_through_the_form(points, client_for):
    client = client_for(points.secretary_a)
    url = reverse("publicity:publish", kwargs={"code": "zb1"})
    page = client.get(url)
    assert page.status_code == 200
    assert "张红梅" in page.content.decode()  # the preview of what will be published
    asked = client.post(url, publish_form())
    assert "Objections are open until" in asked.content.decode()
    assert not Publication.objects.exists()
    response = client.post(url, {**publish_form(), "confirmed": "1"})
    publication = Publication.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(publication)
    assert publication.published_by == points.secretary_a


@pytest.mark.parametrize(
    "bad",
    [
        {"period": "2026-9"},
        {"period": "banana"},
        {"window_start": "yesterday"},
        {"window_start": "2026-09-01"},
        {"workdays": "0"},
        {"workdays": "99999999999999999999"},
        {"contact_name": ""},
        {"period": "2026-4"},
    ],
)
def test_bad_publish_input_gets_the_form_back_and_nothing_is_published(points, client_for, bad):
    response = client_for(points.secretary_a).post(
        reverse("publicity:publish", kwargs={"code": "zb1"}), publish_form(**bad)
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "alert-danger" in text or "invalid-feedback" in text
    assert not Publication.objects.exists()


def test_publishing_twice_through_the_form_says_so(points, client_for):
    publish(points)
    response = client_for(points.group_a).post(
        reverse("publicity:publish", kwargs={"code": "zb1"}), publish_form()
    )
    assert response.status_code == 200
    assert "already been published" in response.content.decode()
    assert Publication.objects.count() == 1


@pytest.mark.parametrize("who", ["member_a_user", "recorder_a", "secretary_b", "committee_admin"])
def test_only_the_secretary_and_the_group_may_publish(points, client_for, who):
    client = client_for(getattr(points, who))
    url = reverse("publicity:publish", kwargs={"code": "zb1"})
    assert client.get(url).status_code == 404
    assert client.post(url, publish_form()).status_code == 404
    assert not Publication.objects.exists()


def test_the_window_preview_shows_the_dates(points, client_for):
    client = client_for(points.secretary_a)
    url = reverse("publicity:window_preview")
    text = client.get(url, {"window_start": "2026-09-30", "workdays": "5"}).content.decode()
    assert "2026-09-30" in text
    assert "2026-10-12" in text
    assert client.get(url, {"window_start": "x", "workdays": "y"}).status_code == 200


def test_the_branchs_members_officers_and_the_committee_read_the_publication(points, client_for):
    publication = publish(points)
    for user in (points.member_a_user, points.recorder_a, points.committee_admin):
        response = client_for(user).get(detail_url(publication))
        assert response.status_code == 200
        assert "李建国" in response.content.decode()


@pytest.mark.parametrize("who", ["member_b_user", "secretary_b"])
def test_another_branchs_publication_is_404(points, client_for, who):
    publication = publish(points)
    client = client_for(getattr(points, who))
    for name in ("publicity:detail", "publicity:notice"):
        assert client.get(reverse(name, kwargs={"pk": publication.pk})).status_code == 404
    response = client.post(
        reverse("publicity:object", kwargs={"pk": publication.pk}), {"reason": "异议"}
    )
    assert response.status_code == 404
    assert client.get(reverse("publicity:branch", kwargs={"code": "zb1"})).status_code == 404
    assert not Objection.objects.exists()


def test_a_member_raises_an_objection_on_the_publication_page(points, client_for):
    publication = publish(points)
    client = client_for(points.member_a_user)
    page = client.get(detail_url(publication)).content.decode()
    assert 'data-testid="objection-form"' in page
    row = publication.rows.get(member=points.member_a)
    response = client.post(
        reverse("publicity:object", kwargs={"pk": publication.pk}),
        {"reason": "三月志愿服务应为4分。", "row": row.pk},
    )
    objection = Objection.objects.get()
    assert response.url.endswith(f"#objection-{objection.pk}")
    assert (objection.member, objection.row, objection.raised_by) == (
        points.member_a,
        row,
        points.member_a_user,
    )


def test_an_objection_after_the_window_is_refused_on_the_page(points, client_for, clock):
    publication = publish(points)
    clock(10, 20, 9, 0)
    client = client_for(points.member_a_user)
    page = client.get(detail_url(publication)).content.decode()
    assert 'data-testid="objection-form"' not in page
    response = client.post(
        reverse("publicity:object", kwargs={"pk": publication.pk}), {"reason": "异议"}, follow=True
    )
    assert "closed on 2026-10-12" in response.content.decode()
    assert not Objection.objects.exists()


def test_an_officer_who_is_not_a_member_of_the_branch_cannot_object(points, client_for):
    publication = publish(points)
    response = client_for(points.secretary_a).post(
        reverse("publicity:object", kwargs={"pk": publication.pk}), {"reason": "异议"}
    )
    assert response.status_code == 404


def test_a_member_sees_only_their_own_objections(points, client_for):
    publication = publish(points)
    services.objection_raise(publication=publication, member=points.member_a, reason="甲的异议")
    services.objection_raise(
        publication=publication, member=points.other_member_a, reason="乙的异议"
    )
    mine = client_for(points.member_a_user).get(detail_url(publication)).content.decode()
    assert "甲的异议" in mine
    assert "乙的异议" not in mine
    officer = client_for(points.secretary_a).get(detail_url(publication)).content.decode()
    assert "甲的异议" in officer
    assert "乙的异议" in officer


def test_the_group_answers_an_objection_and_links_the_correction(points, items, client_for, clock):
    bureau = points
    publication = publish(bureau)
    objection = services.objection_raise(
        publication=publication, member=bureau.member_a, reason="异议", actor=bureau.member_a_user
    )
    clock(10, 8, 9, 0)
    correction = post_entry(bureau.member_a, "1.5", year=YEAR, month=9, code="dedication.learning")
    url = reverse("publicity:answer", kwargs={"pk": objection.pk})
    client = client_for(bureau.group_a)
    page = client.get(url).content.decode()
    assert 'data-testid="ledger-link"' in page
    assert "+1.5" in page
    response = client.post(
        url, {"upheld": "yes", "answer": "属实，已补记。", "correction": correction.pk}
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.correction == correction
    assert objection.upheld
    notice = client.get(reverse("publicity:notice", kwargs={"pk": publication.pk}))
    assert "Corrected: +1.5" in notice.content.decode()
    again = client.post(url, {"upheld": "no", "answer": "改答"}, follow=True)
    assert "already been answered" in again.content.decode()


@pytest.mark.parametrize("who", ["member_a_user", "recorder_a", "secretary_b", "committee_admin"])
def test_only_the_branchs_secretary_and_group_answer(points, client_for, who):
    publication = publish(points)
    objection = services.objection_raise(
        publication=publication, member=points.member_a, reason="异议"
    )
    url = reverse("publicity:answer", kwargs={"pk": objection.pk})
    client = client_for(getattr(points, who))
    assert client.get(url).status_code == 404
    assert client.post(url, {"upheld": "no", "answer": "答"}).status_code == 404
    objection.refresh_from_db()
    assert not objection.is_answered


def test_the_notice_to_print_has_title_window_contact_and_table(points, client_for):
    publication = publish(points)
    text = (
        client_for(points.member_a_user)
        .get(reverse("publicity:notice", kwargs={"pk": publication.pk}))
        .content.decode()
    )
    assert publication.title in text
    assert "13900001111" in text
    assert "张书记" in text
    assert "Oct. 12, 2026" in text
    assert "Sept. 30, 2026" in text
    assert "103.0" in text
    assert "css/publicity.css" in text


def test_the_member_page_lists_the_branchs_publications(points, client_for):
    publication = publish(points)
    text = client_for(points.member_a_user).get(reverse("publicity:mine")).content.decode()
    assert publication.title in text
    assert client_for(points.secretary_a).get(reverse("publicity:mine")).status_code == 404
    other = client_for(points.member_b_user).get(reverse("publicity:mine")).content.decode()
    assert publication.title not in other


def test_the_index_sends_a_branch_officer_to_the_branch_and_lists_branches_for_the_committee(
    points, client_for
):
    publish(points)
    response = client_for(points.secretary_a).get(reverse("publicity:index"))
    assert response.url == reverse("publicity:branch", kwargs={"code": "zb1"})
    committee = client_for(points.committee_admin).get(reverse("publicity:index"))
    assert "第一党支部" in committee.content.decode()
    assert "第二党支部" in committee.content.decode()
    member = client_for(points.member_a_user).get(reverse("publicity:index"))
    assert member.url == reverse("publicity:mine")


def test_the_publication_page_costs_the_same_queries_however_many_rows(
    points, client_for, items, django_assert_max_num_queries
):
    def count(publication) -> int:
        client = client_for(points.secretary_a)
        client.get(detail_url(publication))  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(detail_url(publication)).status_code == 200
        return len(ctx.captured_queries)

    small = publish(points)
    MemberFactory.create_batch(25, branch=points.branch_a)
    large = publish(points, quarter=Quarter(YEAR, 2))
    services.objection_raise(publication=large, member=points.member_a, reason="异议")
    services.objection_raise(publication=small, member=points.member_a, reason="异议")
    assert large.rows.count() == 27
    assert count(large) == count(small)


def test_the_top_bar_offers_publicity_by_role(points, client_for):
    home = reverse("core:home")
    member = client_for(points.member_a_user).get(home).content.decode()
    assert reverse("publicity:mine") in member
    assert reverse("publicity:screens") not in member
    secretary = client_for(points.secretary_a).get(home).content.decode()
    assert reverse("publicity:index") in secretary
    committee = client_for(points.committee_admin).get(home).content.decode()
    assert reverse("publicity:screens") in committee
