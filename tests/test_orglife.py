"""组织生活: meetings, attendance, QR sign-in, and the deductions an absence carries."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import DomainError
from ledger.models import Entry, PeriodLock
from ledger.totals import branch_year
from organizations.settings_services import update_branch_settings
from orglife import services
from orglife.models import Attendance, Meeting, MeetingKind
from orglife.services import SignInRefused
from rules.models import PointsKind
from rules.services import item_update, scheme_for_year
from tests.factories import MemberFactory, settings_form

YEAR = 2025
Status = Attendance.Status


pytestmark = pytest.mark.usefixtures("english")


def at(month: int, day: int, hour: int = 14, minute: int = 30) -> datetime:
    return datetime(YEAR, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


def make_meeting(bureau, *, kind=MeetingKind.GENERAL_MEETING, starts_at=None, members=None):
    return services.meeting_create(
        branch=bureau.branch_a,
        kind=kind,
        topic="学习贯彻党的二十大精神",
        place="三楼会议室",
        starts_at=starts_at or at(3, 10),
        members=members or [bureau.member_a, bureau.other_member_a],
        created_by=bureau.recorder_a,
    )


def row_of(meeting, member) -> Attendance:
    return Attendance.objects.get(meeting=meeting, member=member)


def set_status(bureau, row, status, reason=""):
    return services.attendance_set(
        attendance=row, status=status, reason=reason, actor=bureau.recorder_a
    )


def live_entries(row):
    return Entry.objects.filter(
        source_ref=f"attendance:{row.pk}", reverses__isnull=True, reversed_by__isnull=True
    )


def deductions_of(bureau, member=None):
    member = member or bureau.member_a
    result = next(r for r in branch_year(bureau.branch_a, YEAR).results if r.member.pk == member.pk)
    return result.totals.deductions, result.totals.total


# --- the round trip through the ledger ----------------------------------------


def test_an_absence_deducts_excusing_reverses_and_absent_again_deducts_anew(bureau):
    meeting = make_meeting(bureau)
    row = row_of(meeting, bureau.member_a)
    assert deductions_of(bureau) == (Decimal("0"), Decimal("100"))

    set_status(bureau, row, Status.ABSENT)
    entry = live_entries(row).get()
    assert entry.item.code == "deduction.meeting_or_dues"
    assert (entry.points, entry.source, entry.month, entry.year) == (
        Decimal("2.0"),
        "attendance",
        3,
        YEAR,
    )
    assert entry.source_ref == f"attendance:{row.pk}"
    assert deductions_of(bureau) == (Decimal("2.0"), Decimal("98.0"))

    set_status(bureau, row, Status.EXCUSED, reason="出差")
    assert not live_entries(row).exists()
    reversal = Entry.objects.get(reverses=entry)
    assert reversal.points == Decimal("-2.0")
    assert "出差" in reversal.reason
    assert deductions_of(bureau) == (Decimal("0.0"), Decimal("100.0"))

    set_status(bureau, row, Status.ABSENT)
    assert live_entries(row).count() == 1
    assert live_entries(row).get().pk != entry.pk
    assert Entry.objects.filter(source_ref=f"attendance:{row.pk}").count() == 3
    assert deductions_of(bureau) == (Decimal("2.0"), Decimal("98.0"))


def test_recording_the_same_absence_twice_keeps_one_deduction(bureau):
    row = row_of(make_meeting(bureau), bureau.member_a)
    set_status(bureau, row, Status.ABSENT)
    set_status(bureau, row, Status.ABSENT)
    assert Entry.objects.filter(source_ref=f"attendance:{row.pk}").count() == 1
    assert deductions_of(bureau)[0] == Decimal("2.0")


def test_marking_an_absent_member_present_reverses_the_deduction(bureau):
    row = row_of(make_meeting(bureau), bureau.member_a)
    set_status(bureau, row, Status.ABSENT)
    set_status(bureau, row, Status.PRESENT)
    assert not live_entries(row).exists()
    assert deductions_of(bureau)[0] == Decimal("0.0")


@pytest.mark.parametrize("kind", [MeetingKind.PARTY_LECTURE, MeetingKind.STUDY])
def test_missing_study_deducts_under_collective_study(bureau, kind):
    row = row_of(make_meeting(bureau, kind=kind), bureau.member_a)
    set_status(bureau, row, Status.ABSENT)
    entry = live_entries(row).get()
    assert entry.item.code == "deduction.study"
    assert entry.points == Decimal("1.0")


@pytest.mark.parametrize(
    "kind",
    [
        MeetingKind.GENERAL_MEETING,
        MeetingKind.COMMITTEE_MEETING,
        MeetingKind.GROUP_MEETING,
        MeetingKind.THEME_DAY,
    ],
)
def test_missing_a_meeting_deducts_under_organisational_life(bureau, kind):
    row = row_of(make_meeting(bureau, kind=kind), bureau.member_a)
    set_status(bureau, row, Status.ABSENT)
    assert live_entries(row).get().item.code == "deduction.meeting_or_dues"


def test_a_range_item_deducts_its_minimum(bureau):
    item = scheme_for_year(branch=bureau.branch_a, year=YEAR).items.get(
        code="deduction.meeting_or_dues"
    )
    item_update(item=item, points_kind=PointsKind.RANGE, points_min="1.5", points_max="3")
    row = row_of(make_meeting(bureau), bureau.member_a)
    set_status(bureau, row, Status.ABSENT)
    assert live_entries(row).get().points == Decimal("1.5")


def test_an_excuse_needs_a_reason(bureau):
    row = row_of(make_meeting(bureau), bureau.member_a)
    with pytest.raises(DomainError):
        set_status(bureau, row, Status.EXCUSED, reason="  ")
    assert row_of(row.meeting, bureau.member_a).status == Status.PENDING


def test_nobody_is_absent_from_a_meeting_not_yet_started(bureau):
    meeting = make_meeting(bureau, starts_at=timezone.now() + timedelta(days=2))
    with pytest.raises(DomainError, match="not started"):
        set_status(bureau, row_of(meeting, bureau.member_a), Status.ABSENT)
    assert not Entry.objects.exists()


def test_a_closed_half_year_refuses_a_change_and_changes_nothing(bureau):
    meeting = make_meeting(bureau)
    row = row_of(meeting, bureau.member_a)
    set_status(bureau, row, Status.ABSENT)
    PeriodLock.objects.create(branch=bureau.branch_a, year=YEAR, half=1)
    entries, events = Entry.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError, match="closed"):
        set_status(bureau, row, Status.EXCUSED, reason="病假")
    with pytest.raises(DomainError, match="closed"):
        set_status(bureau, row_of(meeting, bureau.other_member_a), Status.PRESENT)
    with pytest.raises(DomainError, match="closed"):
        services.attendance_mark_rest(meeting=meeting, status=Status.ABSENT, actor=None)
    assert row_of(meeting, bureau.member_a).status == Status.ABSENT
    assert row_of(meeting, bureau.other_member_a).status == Status.PENDING
    assert (Entry.objects.count(), AuditEvent.objects.count()) == (entries, events)


def test_marking_the_rest_absent_deducts_for_each_and_leaves_the_recorded_alone(bureau):
    meeting = make_meeting(bureau)
    set_status(bureau, row_of(meeting, bureau.member_a), Status.PRESENT)
    changed = services.attendance_mark_rest(
        meeting=meeting, status=Status.ABSENT, actor=bureau.recorder_a
    )
    assert changed == 1
    assert row_of(meeting, bureau.member_a).status == Status.PRESENT
    assert live_entries(row_of(meeting, bureau.other_member_a)).count() == 1


def test_the_kind_of_a_meeting_with_absences_cannot_change(bureau):
    meeting = make_meeting(bureau)
    set_status(bureau, row_of(meeting, bureau.member_a), Status.ABSENT)
    with pytest.raises(DomainError):
        services.meeting_update(
            meeting=meeting,
            kind=MeetingKind.PARTY_LECTURE,
            topic=meeting.topic,
            starts_at=meeting.starts_at,
            actor=bureau.recorder_a,
        )
    updated = services.meeting_update(
        meeting=meeting,
        kind=meeting.kind,
        topic="新的议题",
        starts_at=meeting.starts_at,
        place="党员活动室",
        actor=bureau.recorder_a,
    )
    assert (updated.topic, updated.place) == ("新的议题", "党员活动室")


def test_a_meeting_only_lists_active_members_of_its_own_branch(bureau):
    with pytest.raises(DomainError):
        make_meeting(bureau, members=[bureau.member_a, bureau.member_b])
    assert not Meeting.objects.exists()


def test_every_change_is_audited(bureau):
    meeting = make_meeting(bureau)
    set_status(bureau, row_of(meeting, bureau.member_a), Status.ABSENT)
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "orglife.meeting.created" in actions
    assert "orglife.attendance.recorded" in actions
    assert "ledger.entry.posted" in actions


# --- QR sign-in ---------------------------------------------------------------


def sign_in(meeting, member, now):
    return services.attendance_sign_in(
        meeting=meeting, member=member, actor=member.user if member else None, now=now
    )


def test_signing_in_within_the_window_marks_present(bureau):
    meeting = make_meeting(bureau)
    for offset in (-30, 0, 30):
        Attendance.objects.filter(meeting=meeting).update(status=Status.PENDING, signed_in_at=None)
        now = meeting.starts_at + timedelta(minutes=offset)
        row = sign_in(meeting, bureau.member_a, now)
        assert row.status == Status.PRESENT
        assert row.signed_in_at == now


@pytest.mark.parametrize(("offset", "reason"), [(-31, "early"), (31, "late"), (600, "late")])
def test_signing_in_outside_the_window_is_refused_with_the_times(bureau, offset, reason):
    meeting = make_meeting(bureau)
    with pytest.raises(SignInRefused) as refused:
        sign_in(meeting, bureau.member_a, meeting.starts_at + timedelta(minutes=offset))
    assert refused.value.reason == reason
    assert ("14:00" if reason == "early" else "15:00") in refused.value.message
    assert row_of(meeting, bureau.member_a).status == Status.PENDING


def test_a_member_of_another_branch_cannot_sign_in(bureau):
    meeting = make_meeting(bureau)
    with pytest.raises(SignInRefused) as refused:
        sign_in(meeting, bureau.member_b, meeting.starts_at)
    assert refused.value.reason == "other_branch"
    assert not Attendance.objects.filter(member=bureau.member_b).exists()


def test_the_branch_sets_a_wider_window(bureau):
    update_branch_settings(actor=bureau.secretary_a, branch=bureau.branch_a, signin_window=60)
    meeting = make_meeting(bureau)
    row = sign_in(meeting, bureau.member_a, meeting.starts_at + timedelta(minutes=45))
    assert row.status == Status.PRESENT
    with pytest.raises(DomainError):
        update_branch_settings(actor=bureau.secretary_a, branch=bureau.branch_a, signin_window=0)


def test_a_member_not_on_the_list_who_signs_in_is_added(bureau):
    meeting = make_meeting(bureau, members=[bureau.other_member_a])
    row = sign_in(meeting, bureau.member_a, meeting.starts_at)
    assert row.status == Status.PRESENT
    assert row.member == bureau.member_a


def test_signing_in_after_being_marked_absent_reverses_the_deduction(bureau):
    meeting = make_meeting(bureau)
    row = row_of(meeting, bureau.member_a)
    services.attendance_set(
        attendance=row,
        status=Status.ABSENT,
        actor=bureau.recorder_a,
        now=meeting.starts_at + timedelta(minutes=5),
    )
    sign_in(meeting, bureau.member_a, meeting.starts_at + timedelta(minutes=20))
    assert row_of(meeting, bureau.member_a).status == Status.PRESENT
    assert not live_entries(row).exists()


def test_signing_in_twice_keeps_the_first_time(bureau):
    meeting = make_meeting(bureau)
    first = sign_in(meeting, bureau.member_a, meeting.starts_at)
    again = sign_in(meeting, bureau.member_a, meeting.starts_at + timedelta(minutes=3))
    assert again.signed_in_at == first.signed_in_at


# --- pages --------------------------------------------------------------------


@pytest.fixture
def live_meeting(bureau):
    """A meeting starting now: its sign-in window is open."""
    return make_meeting(bureau, starts_at=timezone.now().replace(microsecond=0))


def detail_url(meeting):
    return reverse("orglife:meeting_detail", kwargs={"pk": meeting.pk})


def sign_in_url(meeting):
    return reverse("orglife:sign_in", kwargs={"token": meeting.signin_token})


def test_the_recorder_sees_the_meeting_with_its_qr_code(bureau, client_for, live_meeting):
    response = client_for(bureau.recorder_a).get(detail_url(live_meeting))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body
    assert 'class="qr"' in body
    assert live_meeting.signin_token in body
    assert bureau.member_a.name in body
    assert bureau.other_member_a.name in body


def test_the_qr_screen_shows_the_code_large(bureau, client_for, live_meeting):
    client = client_for(bureau.recorder_a)
    response = client.get(reverse("orglife:meeting_screen", kwargs={"pk": live_meeting.pk}))
    assert response.status_code == 200
    assert b"<svg" in response.content
    count = client.get(reverse("orglife:meeting_counts", kwargs={"pk": live_meeting.pk}))
    assert count.status_code == 200


def test_the_committee_reads_the_meeting_but_gets_no_code(bureau, client_for, live_meeting):
    response = client_for(bureau.committee_admin).get(detail_url(live_meeting))
    assert response.status_code == 200
    assert live_meeting.signin_token not in response.content.decode()
    assert b"<svg" not in response.content


@pytest.mark.parametrize("who", ["secretary_b", "member_b_user", "member_a_user"])
def test_another_branch_or_a_plain_member_gets_404_for_a_meeting(
    bureau, client_for, live_meeting, who
):
    client = client_for(getattr(bureau, who))
    row = row_of(live_meeting, bureau.member_a)
    assert client.get(detail_url(live_meeting)).status_code == 404
    screen = reverse("orglife:meeting_screen", kwargs={"pk": live_meeting.pk})
    assert client.get(screen).status_code == 404
    posted = client.post(
        reverse("orglife:attendance_set", kwargs={"pk": row.pk}), {"status": "present"}
    )
    assert posted.status_code == 404
    assert row_of(live_meeting, bureau.member_a).status == Status.PENDING


def test_the_recorder_corrects_attendance_in_place(bureau, client_for, live_meeting):
    client = client_for(bureau.recorder_a)
    row = row_of(live_meeting, bureau.member_a)
    url = reverse("orglife:attendance_set", kwargs={"pk": row.pk})
    response = client.post(url, {"status": "absent"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="att-{row.pk}"' in body
    assert 'hx-swap-oob="true"' in body
    assert "−2.0" in body
    assert live_entries(row).count() == 1

    response = client.post(
        url, {"status": "excused", "reason": "外出培训"}, headers={"HX-Request": "true"}
    )
    assert "外出培训" in response.content.decode()
    assert row_of(live_meeting, bureau.member_a).status == Status.EXCUSED
    assert not live_entries(row).exists()


def test_an_excuse_without_a_reason_shows_the_error_in_the_row(bureau, client_for, live_meeting):
    row = row_of(live_meeting, bureau.member_a)
    response = client_for(bureau.recorder_a).post(
        reverse("orglife:attendance_set", kwargs={"pk": row.pk}),
        {"status": "excused", "reason": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert row_of(live_meeting, bureau.member_a).status == Status.PENDING


def test_a_closed_period_shows_a_message_and_changes_nothing(bureau, client_for):
    meeting = make_meeting(bureau)
    PeriodLock.objects.create(branch=bureau.branch_a, year=YEAR, half=1)
    row = row_of(meeting, bureau.member_a)
    response = client_for(bureau.recorder_a).post(
        reverse("orglife:attendance_set", kwargs={"pk": row.pk}), {"status": "absent"}, follow=True
    )
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert row_of(meeting, bureau.member_a).status == Status.PENDING
    assert not Entry.objects.exists()


def test_bad_input_to_attendance_is_refused_without_a_500(bureau, client_for, live_meeting):
    client = client_for(bureau.recorder_a)
    row = row_of(live_meeting, bureau.member_a)
    url = reverse("orglife:attendance_set", kwargs={"pk": row.pk})
    for data in ({}, {"status": "nonsense"}, {"status": "excused", "reason": "x" * 5000}):
        assert client.post(url, data).status_code == 302
    mark = reverse("orglife:meeting_mark_rest", kwargs={"pk": live_meeting.pk})
    assert client.post(mark, {"status": "excused"}).status_code == 302
    assert row_of(live_meeting, bureau.other_member_a).status == Status.PENDING


def test_a_member_signs_in_on_the_page_the_qr_code_opens(bureau, client_for, live_meeting):
    client = client_for(bureau.member_a_user)
    page = client.get(sign_in_url(live_meeting))
    assert page.status_code == 200
    assert b'data-testid="sign-in-button"' in page.content
    response = client.post(sign_in_url(live_meeting), follow=True)
    assert b'data-testid="signed-in"' in response.content
    assert row_of(live_meeting, bureau.member_a).status == Status.PRESENT


def test_a_member_of_another_branch_is_refused_and_learns_nothing(bureau, client_for, live_meeting):
    client = client_for(bureau.member_b_user)
    for response in (client.get(sign_in_url(live_meeting)), client.post(sign_in_url(live_meeting))):
        assert response.status_code == 403
        assert live_meeting.topic not in response.content.decode()
    assert not Attendance.objects.filter(member=bureau.member_b).exists()


def test_signing_in_late_shows_when_sign_in_closed(bureau, client_for):
    meeting = make_meeting(bureau, starts_at=timezone.now() - timedelta(hours=2))
    client = client_for(bureau.member_a_user)
    page = client.get(sign_in_url(meeting))
    assert b'data-testid="sign-in-window"' in page.content
    response = client.post(sign_in_url(meeting))
    assert b'data-testid="sign-in-error"' in response.content
    assert row_of(meeting, bureau.member_a).status == Status.PENDING


def test_an_unknown_code_is_404_and_an_anonymous_visitor_is_sent_to_log_in(
    bureau, client_for, live_meeting
):
    from django.test import Client

    response = client_for(bureau.member_a_user).get(
        reverse("orglife:sign_in", kwargs={"token": "no-such-code"})
    )
    assert response.status_code == 404
    anonymous = Client().get(sign_in_url(live_meeting))
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous.url


def test_a_new_code_stops_the_old_one(bureau, client_for, live_meeting):
    old = sign_in_url(live_meeting)
    client_for(bureau.recorder_a).post(
        reverse("orglife:meeting_new_code", kwargs={"pk": live_meeting.pk})
    )
    assert client_for(bureau.member_a_user).get(old).status_code == 404


def test_the_recorder_records_a_meeting_and_another_branch_cannot(bureau, client_for):
    url = reverse("orglife:meeting_create", kwargs={"code": "zb1"})
    data = {
        "kind": MeetingKind.THEME_DAY,
        "topic": "主题党日：河道清理",
        "day": f"{YEAR}-04-08",
        "time": "09:00",
        "place": "沂河岸边",
        "members": [bureau.member_a.pk, bureau.other_member_a.pk],
    }
    assert client_for(bureau.secretary_b).post(url, data).status_code == 404
    assert client_for(bureau.member_a_user).get(url).status_code == 404
    response = client_for(bureau.recorder_a).post(url, data)
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(meeting)
    assert timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M") == f"{YEAR}-04-08 09:00"
    assert meeting.attendances.count() == 2


def test_a_meeting_form_with_bad_input_comes_back_with_reasons(bureau, client_for):
    url = reverse("orglife:meeting_create", kwargs={"code": "zb1"})
    response = client_for(bureau.recorder_a).post(
        url, {"kind": "x", "topic": "", "day": "9999-99-99", "time": "25:00", "members": ["abc"]}
    )
    assert response.status_code == 200
    assert b"invalid-feedback" in response.content
    response = client_for(bureau.recorder_a).post(
        url,
        {"kind": "study", "topic": "t", "day": "0001-01-01", "time": "10:00", "members": []},
    )
    assert response.status_code == 200
    assert not Meeting.objects.exists()


def test_the_meeting_list_shows_the_branch_meetings_only(bureau, client_for):
    make_meeting(bureau)
    url = reverse("orglife:meeting_list") + f"?year={YEAR}"
    assert "学习贯彻" in client_for(bureau.recorder_a).get(url).content.decode()
    assert "学习贯彻" in client_for(bureau.committee_admin).get(url).content.decode()
    assert "学习贯彻" not in client_for(bureau.secretary_b).get(url).content.decode()
    assert client_for(bureau.member_a_user).get(url).status_code == 404


def test_a_member_sees_their_own_attendance_only(bureau, client_for):
    meeting = make_meeting(bureau)
    set_status(bureau, row_of(meeting, bureau.member_a), Status.ABSENT)
    url = reverse("orglife:my_attendance") + f"?year={YEAR}"
    mine = client_for(bureau.member_a_user).get(url).content.decode()
    assert "学习贯彻" in mine
    assert "−2.0" in mine
    other = client_for(bureau.member_b_user).get(url).content.decode()
    assert "学习贯彻" not in other
    assert client_for(bureau.secretary_b).get(url).status_code == 404  # no member record


def test_only_the_secretary_sets_the_sign_in_window(bureau, client_for):
    url = reverse("organizations:branch_settings", kwargs={"code": "zb1"})
    assert client_for(bureau.group_a).get(url).status_code == 404
    assert client_for(bureau.secretary_b).get(url).status_code == 404
    client = client_for(bureau.secretary_a)
    assert client.post(url, settings_form(signin_window=500)).status_code == 200
    assert client.post(url, settings_form(signin_window=45)).status_code == 302
    assert bureau.branch_a.branch_settings.signin_window == 45
    old = client.get(reverse("orglife:policy", kwargs={"code": "zb1"}))
    assert (old.status_code, old["Location"]) == (301, url)


def test_the_meeting_page_takes_the_same_queries_however_many_attend(bureau, client_for):
    def queries_for(count: int) -> int:
        members = [MemberFactory(branch=bureau.branch_a) for _ in range(count)]
        meeting = make_meeting(bureau, members=members)
        for member in members[::2]:
            set_status(bureau, row_of(meeting, member), Status.ABSENT)
        set_status(bureau, row_of(meeting, members[1]), Status.EXCUSED, "病假")
        client = client_for(bureau.recorder_a)
        client.get(detail_url(meeting))  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(detail_url(meeting)).status_code == 200
        return len(queries)

    assert queries_for(3) == queries_for(15)


def test_the_meeting_list_takes_the_same_queries_however_many_meetings(bureau, client_for):
    client = client_for(bureau.recorder_a)
    url = reverse("orglife:meeting_list") + f"?year={YEAR}"

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return len(queries)

    make_meeting(bureau)
    few = count()
    for day in range(1, 9):
        make_meeting(bureau, starts_at=at(5, day))
    assert count() == few


def test_the_edit_form_shows_the_meeting_and_saves_a_correction(bureau, client_for):
    meeting = make_meeting(bureau)
    url = reverse("orglife:meeting_edit", kwargs={"pk": meeting.pk})
    assert client_for(bureau.secretary_b).get(url).status_code == 404
    client = client_for(bureau.recorder_a)
    page = client.get(url).content.decode()
    assert meeting.topic in page
    assert f'value="{YEAR}-03-10"' in page
    assert 'value="14:30"' in page
    data = {
        "kind": meeting.kind,
        "topic": "更正后的议题",
        "day": f"{YEAR}-03-10",
        "time": "15:00",
        "place": "",
        "notes": "",
    }
    assert client.post(url, data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.topic == "更正后的议题"
    assert timezone.localtime(meeting.starts_at).strftime("%H:%M") == "15:00"


def test_the_bulk_buttons_count_the_rows_still_unrecorded_after_htmx_updates(
    bureau, client_for, live_meeting
):
    """The buttons said "mark the 2 members" after a row was recorded in place; the row
    update now swaps them in again with what is left."""
    client = client_for(bureau.recorder_a)
    page = client.get(detail_url(live_meeting)).content.decode()
    assert "Mark the 2 members not recorded present" in page
    row = row_of(live_meeting, bureau.member_a)
    url = reverse("orglife:attendance_set", kwargs={"pk": row.pk})
    first = client.post(url, {"status": "present"}, headers={"HX-Request": "true"})
    body = first.content.decode()
    assert 'id="ol-bulk" hx-swap-oob="true"' in body
    assert "Mark the 1 member not recorded present" in body
    other = row_of(live_meeting, bureau.other_member_a)
    url = reverse("orglife:attendance_set", kwargs={"pk": other.pk})
    last = client.post(url, {"status": "present"}, headers={"HX-Request": "true"})
    body = last.content.decode()
    assert 'id="ol-bulk" hx-swap-oob="true"' in body
    assert "Mark the" not in body
    assert "Mark the" not in client.get(detail_url(live_meeting)).content.decode()
