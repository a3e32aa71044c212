"""The notifications page: a user's own, newest first, unread marked; and the top-bar links."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notify
from organizations.permissions import scope_for
from portal.nav import extra_links

LIST = reverse("notifications:list")


def send(user, title, **extra):
    return notify(user=user, kind=Notification.Kind.OTHER, title=title, **extra)


def test_a_user_sees_only_their_own_notifications_newest_first(bureau, client_for):
    send(bureau.member_a_user, "第一条提醒")
    send(bureau.member_a_user, "第二条提醒")
    send(bureau.member_b_user, "乙支部的提醒")
    body = client_for(bureau.member_a_user).get(LIST).content.decode()
    assert body.index("第二条提醒") < body.index("第一条提醒")
    assert "乙支部的提醒" not in body
    assert body.count('data-testid="notification"') == 2
    assert "list-group-item-warning" in body  # unread are highlighted


def test_marking_read_works_on_ones_own_and_is_404_for_anyone_elses(bureau, client_for):
    mine = send(bureau.member_a_user, "我的提醒")
    theirs = send(bureau.member_b_user, "别人的提醒")
    client = client_for(bureau.member_a_user)
    own = reverse("notifications:mark_read", kwargs={"pk": mine.pk})
    assert client.post(own).status_code == 302
    other = reverse("notifications:mark_read", kwargs={"pk": theirs.pk})
    assert client.post(other).status_code == 404
    assert client.post(reverse("notifications:open", kwargs={"pk": theirs.pk})).status_code == 404
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None
    assert client.get(own).status_code == 405


def test_mark_all_read_touches_only_the_users_own(bureau, client_for):
    for n in range(3):
        send(bureau.member_a_user, f"提醒{n}")
    theirs = send(bureau.member_b_user, "别人的提醒")
    client_for(bureau.member_a_user).post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(user=bureau.member_a_user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notification_follows_its_link_inside_the_site_only(bureau, client_for):
    inside = send(bureau.member_a_user, "去看看", url="/orglife/mine/")
    outside = send(bureau.member_a_user, "外链", url="https://example.com/")
    client = client_for(bureau.member_a_user)
    response = client.post(reverse("notifications:open", kwargs={"pk": inside.pk}))
    assert response.url == "/orglife/mine/"
    response = client.post(reverse("notifications:open", kwargs={"pk": outside.pk}))
    assert response.url == LIST
    inside.refresh_from_db()
    assert inside.read_at is not None


def test_the_top_bar_badge_counts_unread_in_one_query(bureau, client_for):
    for n in range(4):
        send(bureau.member_a_user, f"提醒{n}")
    Notification.objects.filter(title="提醒0").update(read_at="2025-01-01T00:00:00Z")
    from notifications.nav import links

    user = bureau.member_a_user
    scope = scope_for(user)
    with CaptureQueriesContext(connection) as queries:
        (link,) = links(user, scope)
    assert len(queries) == 1
    assert link.badge == 3
    assert link.url == LIST
    page = client_for(user).get("/").content.decode()
    assert f'href="{LIST}"' in page


def test_officers_get_meetings_and_dues_and_members_their_attendance(bureau):
    def urls(user):
        return {link.url for link in extra_links(user, scope_for(user))}

    meetings, dues = reverse("orglife:meeting_list"), reverse("orglife:dues:index")
    mine = reverse("orglife:my_attendance")
    assert {meetings, dues} <= urls(bureau.recorder_a)
    assert mine not in urls(bureau.recorder_a)
    assert mine in urls(bureau.member_a_user)
    bureau.other_member_a.user = bureau.recorder_a  # a recorder who is also a member
    bureau.other_member_a.save()
    recorder = type(bureau.recorder_a).objects.get(pk=bureau.recorder_a.pk)
    assert {meetings, dues, mine} <= urls(recorder)
    assert not {meetings, dues} & urls(bureau.member_a_user)


def test_the_notifications_page_takes_the_same_queries_however_many(bureau, client_for):
    client = client_for(bureau.member_a_user)

    def count() -> int:
        client.get(LIST)
        with CaptureQueriesContext(connection) as queries:
            client.get(LIST)
        return len(queries)

    send(bureau.member_a_user, "一")
    few = count()
    for n in range(20):
        send(bureau.member_a_user, f"提醒{n}")
    assert count() == few


def test_an_anonymous_visitor_is_sent_to_log_in(bureau, client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url
