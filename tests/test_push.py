"""Messages pushed to phones through the outbox: 企业微信, 钉钉 and SMS against fakes on
127.0.0.1, each member's channels and quiet hours, retries with back-off, one message per
idempotency key, and the daily reminders going out the same way."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ExternalIdentity
from audit.models import AuditEvent
from notifications import delivery as worker
from notifications.models import Delivery, Notification, PushPreference
from notifications.services import notify, notify_many
from portal import reminders
from portal.reminders import send_reminders
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.sms import FakeSmsGateway
from tests.fakes.wecom import FakeWeCom
from tests.sso_support import dingtalk_on, wecom_on

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def no_commitment_reminders(monkeypatch):
    """The members here have no commitment and the dates fall after 31 March: the commitments'
    reminders (tested in test_commitment_deadline.py) would add to every count."""
    monkeypatch.setattr(reminders, "remind_commitments", lambda today: 0)


@pytest.fixture
def clock(monkeypatch):
    """A settable clock (django.utils.timezone.now, for everything that asks Django)."""

    class Clock:
        now = NOON

        def set(self, moment: dt.datetime) -> None:
            self.now = moment

        def advance(self, **delta: float) -> None:
            self.now += dt.timedelta(**delta)

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture
def wecom(settings, bureau):
    fake = FakeWeCom({"zhanghm": {}, "wangfang": {}}).start()
    wecom_on(settings, fake)
    settings.JIFEN_PUSH_CHANNELS = ["wecom"]
    settings.JIFEN_PUSH_DEFAULT_CHANNELS = ["wecom"]
    settings.JIFEN_SITE_URL = "https://jifen.bureau.gov"
    ExternalIdentity.objects.create(
        user=bureau.member_a_user, provider="wecom", external_id="zhanghm"
    )
    yield fake
    fake.stop()


def drain() -> dict[str, str]:
    """What the worker does for every delivery that is due now."""
    keys = list(
        Delivery.objects.filter(worker._claimable(worker.timezone.now())).values_list(
            "key", flat=True
        )
    )
    return worker.deliver(keys)


def test_a_notification_reaches_the_member_in_wecom_once_with_a_link_back(
    bureau, wecom, clock, django_capture_on_commit_callbacks, monkeypatch
):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)  # the queued task runs at once, here
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(
            user=bureau.member_a_user, kind="other", title="您的申报已认定", url="/declarations/"
        )
    assert note is not None
    row = Delivery.objects.get()
    assert (row.status, row.key, row.attempts) == ("sent", f"jifen-{note.pk}-wecom", 1)
    [sent] = wecom.delivered
    assert sent["touser"] == "zhanghm"
    assert sent["textcard"]["title"] == "您的申报已认定"
    assert sent["textcard"]["url"] == f"https://jifen.bureau.gov/notifications/{note.pk}/go/"
    assert sent["enable_duplicate_check"] == 1
    assert drain() == {}  # nothing left to send


def test_the_link_in_a_pushed_message_opens_the_page_it_is_about(bureau, client_for):
    note = notify(user=bureau.member_a_user, kind="other", title="t", url="/declarations/")
    url = reverse("notifications:go", kwargs={"pk": note.pk})
    assert client_for(bureau.member_a_user).get(url)["Location"] == "/declarations/"
    assert client_for(bureau.member_b_user).get(url).status_code == 404
    assert Client().get(url)["Location"].startswith(reverse("accounts:login"))


def test_the_in_app_notification_is_written_even_with_no_channel_configured(bureau):
    notify(user=bureau.member_a_user, kind="other", title="t")
    assert Notification.objects.count() == 1
    assert not Delivery.objects.exists()


def test_a_member_without_a_wecom_link_gets_no_wecom_delivery(bureau, wecom, clock):
    notify(user=bureau.member_b_user, kind="other", title="t")
    assert not Delivery.objects.exists()


def test_a_member_who_turned_wecom_off_gets_only_the_in_app_one(bureau, wecom, client_for, clock):
    client = client_for(bureau.member_a_user)
    page = client.get(reverse("notifications:settings")).content.decode()
    assert "zhanghm" in page  # the address it reaches them at
    client.post(reverse("notifications:settings"), {"quiet_enabled": ""})
    assert PushPreference.objects.get(user=bureau.member_a_user).channels == []
    assert AuditEvent.objects.filter(action="notifications.preference.changed").exists()
    notify(user=bureau.member_a_user, kind="other", title="t")
    assert Notification.objects.count() == 1
    assert not Delivery.objects.exists()


def test_the_settings_form_refuses_quiet_hours_without_both_times(bureau, wecom, client_for):
    client = client_for(bureau.member_a_user)
    answer = client.post(
        reverse("notifications:settings"), {"channels": ["wecom"], "quiet_enabled": "on"}
    )
    assert answer.status_code == 200
    assert b"Give both times" in answer.content
    assert not PushPreference.objects.exists()


def test_at_night_the_message_waits_for_the_end_of_the_quiet_hours(bureau, wecom, clock):
    clock.set(dt.datetime(2026, 3, 2, 23, 30, tzinfo=SHANGHAI))
    notify(user=bureau.member_a_user, kind="other", title="夜里的提醒")
    row = Delivery.objects.get()
    assert timezone.localtime(row.due_at) == dt.datetime(2026, 3, 3, 7, 0, tzinfo=SHANGHAI)
    clock.set(dt.datetime(2026, 3, 3, 6, 59, tzinfo=SHANGHAI))
    assert drain() == {}
    assert wecom.delivered == []
    clock.set(dt.datetime(2026, 3, 3, 7, 0, 30, tzinfo=SHANGHAI))
    assert drain() == {row.key: "sent"}
    assert len(wecom.delivered) == 1


def test_a_member_may_choose_other_quiet_hours(bureau, wecom, clock, client_for):
    client_for(bureau.member_a_user).post(
        reverse("notifications:settings"),
        {
            "channels": ["wecom"],
            "quiet_enabled": "on",
            "quiet_start": "12:00",
            "quiet_end": "13:30",
        },
    )
    clock.set(dt.datetime(2026, 3, 2, 12, 10, tzinfo=SHANGHAI))
    notify(user=bureau.member_a_user, kind="other", title="午休")
    due = timezone.localtime(Delivery.objects.get().due_at)
    assert due == dt.datetime(2026, 3, 2, 13, 30, tzinfo=SHANGHAI)


def test_a_busy_platform_is_retried_with_growing_pauses_then_sent(bureau, wecom, clock):
    wecom.fail_sends = 2
    notify(user=bureau.member_a_user, kind="other", title="重试")
    row = Delivery.objects.get()
    assert drain() == {row.key: "retry"}
    row.refresh_from_db()
    assert row.due_at - NOON == dt.timedelta(minutes=1)
    assert "system busy" in row.last_error
    clock.advance(seconds=61)
    assert drain() == {row.key: "retry"}
    row.refresh_from_db()
    assert row.due_at - clock.now == dt.timedelta(minutes=2)
    clock.advance(seconds=30)
    assert drain() == {}  # not due yet
    clock.advance(seconds=91)
    assert drain() == {row.key: "sent"}
    row.refresh_from_db()
    assert (row.status, row.attempts, len(wecom.delivered)) == ("sent", 3, 1)


def test_a_refused_recipient_fails_for_good_and_is_not_retried(bureau, wecom, clock):
    ExternalIdentity.objects.filter(user=bureau.member_a_user).update(external_id="left-the-unit")
    notify(user=bureau.member_a_user, kind="other", title="t")
    row = Delivery.objects.get()
    assert drain() == {row.key: "failed"}
    clock.advance(hours=2)
    assert drain() == {}


def test_after_the_last_attempt_a_delivery_fails(bureau, wecom, clock, settings):
    settings.JIFEN_PUSH_MAX_ATTEMPTS = 2
    wecom.fail_sends = 5
    notify(user=bureau.member_a_user, kind="other", title="t")
    row = Delivery.objects.get()
    drain()
    clock.advance(minutes=2)
    assert drain() == {row.key: "failed"}


def test_a_send_repeated_after_a_lost_lease_is_shown_once(bureau, wecom, clock):
    """The worker sent, then died before writing it down: the lease lapses and the next
    worker sends the same message under the same key; WeCom's duplicate check drops it."""
    notify(user=bureau.member_a_user, kind="other", title="只收到一次")
    row = Delivery.objects.get()
    real_update = worker.Delivery.objects.filter(key=row.key).update
    worker.deliver_one(row.key)
    # Undo the worker's record of success, as if it had been killed after the send.
    real_update(status="sending", lease_until=clock.now, sent_at=None)
    clock.advance(seconds=worker.lease_seconds() + 1)
    assert worker.deliver_due() == 1  # the sweep finds it
    assert drain() == {row.key: "sent"}
    assert len(wecom.calls("/cgi-bin/message/send")) == 2
    assert len(wecom.delivered) == 1


def test_a_delivery_another_worker_holds_is_left_to_it(bureau, wecom, clock):
    notify(user=bureau.member_a_user, kind="other", title="t")
    row = Delivery.objects.get()
    Delivery.objects.filter(pk=row.pk).update(
        status="sending", lease_until=clock.now + dt.timedelta(seconds=30)
    )
    assert worker.deliver_one(row.key) == "not due"
    assert worker.deliver_due() == 0
    assert wecom.calls("/cgi-bin/message/send") == []
    clock.advance(seconds=31)  # the holder died: its lease lapsed
    assert worker.deliver_one(row.key) == "sent"
    assert worker.deliver_one(row.key) == "not due"
    assert len(wecom.delivered) == 1


def test_notify_many_fills_the_outbox_for_everyone_in_a_few_queries(
    bureau, wecom, clock, django_assert_max_num_queries
):
    ExternalIdentity.objects.create(
        user=bureau.member_b_user, provider="wecom", external_id="wangfang"
    )
    with django_assert_max_num_queries(8):
        notify_many(
            users=[bureau.member_a_user, bureau.member_b_user, bureau.secretary_a],
            kind="other",
            title="公示开始",
            dedupe_key="publicity:1",
        )
    assert Delivery.objects.count() == 2
    drain()
    assert sorted(m["touser"] for m in wecom.delivered) == ["wangfang", "zhanghm"]


def test_dingtalk_work_notices_reach_the_linked_member(bureau, settings, clock):
    fake = FakeDingTalk({"ding-u1": {"unionid": "u1", "job_number": "E1001"}}).start()
    try:
        dingtalk_on(settings, fake)
        settings.JIFEN_PUSH_CHANNELS = ["dingtalk"]
        settings.JIFEN_PUSH_DEFAULT_CHANNELS = ["dingtalk"]
        ExternalIdentity.objects.create(
            user=bureau.member_a_user, provider="dingtalk", external_id="ding-u1"
        )
        notify(user=bureau.member_a_user, kind="other", title="钉钉通知")
        assert set(drain().values()) == {"sent"}
    finally:
        fake.stop()
    [notice] = fake.delivered
    assert notice["userid"] == "ding-u1"
    assert notice["msg"]["msgtype"] == "text"


@pytest.fixture
def sms(settings, bureau):
    fake = FakeSmsGateway().start()
    settings.JIFEN_PUSH_CHANNELS = ["sms"]
    settings.JIFEN_PUSH_DEFAULT_CHANNELS = ["sms"]
    settings.JIFEN_SMS_URL = f"{fake.url}/sms"
    settings.JIFEN_SMS_HEADERS = "Authorization: Bearer sms-token"
    settings.JIFEN_SMS_OK = "code=0"
    bureau.member_a.phone = "13800138000"
    bureau.member_a.save()
    yield fake
    fake.stop()


def test_sms_goes_through_the_gateway_template_with_its_idempotency_key(bureau, sms, clock):
    note = notify(user=bureau.member_a_user, kind="other", title='请于5日前申报 "三月"')
    assert set(drain().values()) == {"sent"}
    [message] = sms.sent
    assert message == {
        "mobile": "13800138000",
        "content": '【奉献积分】请于5日前申报 "三月"',
        "requestId": f"jifen-{note.pk}-sms",
    }


def test_a_gateway_error_is_retried_and_the_message_sent_once(bureau, sms, clock):
    sms.fail_next = 1
    notify(user=bureau.member_a_user, kind="other", title="t")
    assert set(drain().values()) == {"retry"}
    clock.advance(minutes=2)
    assert set(drain().values()) == {"sent"}
    assert len(sms.sent) == 1


def test_the_daily_reminders_reach_wecom_through_the_outbox(bureau, wecom, clock):
    report = send_reminders(today=dt.date(2026, 3, 1))
    assert report.opened >= 1
    drain()
    titles = [m["textcard"]["title"] for m in wecom.delivered]
    assert len(titles) == 1
    assert "2026" in titles[0]
    send_reminders(today=dt.date(2026, 3, 1))  # run twice: nothing new
    drain()
    assert len(wecom.delivered) == 1


def test_the_day_before_the_vote_closes_members_who_have_not_voted_are_reminded(
    bureau, wecom, clock
):
    from appraisals import services as appraisals
    from tests.test_appraisals import open_session, vote

    session = open_session(bureau)
    session.voting_until = dt.date(2026, 6, 22)
    session.save(update_fields=["voting_until"])
    report = send_reminders(today=dt.date(2026, 6, 21))
    assert report.appraisals == 1  # member_a; the other member has no account
    drain()
    [message] = wecom.delivered
    assert message["touser"] == "zhanghm"
    assert "2026-06-22" in message["textcard"]["title"]

    codes = {
        i.voter.name: i.code
        for i in appraisals.codes_issue(session=session, issued_by=bureau.secretary_a)
    }
    appraisals.ballot_cast(code=codes["张红梅"], marks=vote(bureau, "excellent", "qualified"))
    session.voting_until = dt.date(2026, 6, 23)
    session.save(update_fields=["voting_until"])
    assert send_reminders(today=dt.date(2026, 6, 22)).appraisals == 0  # voted: no reminder


def test_the_day_before_objections_close_the_published_members_are_reminded(bureau, wecom, clock):
    from tests.test_publicity import publish

    clock.set(dt.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))  # Q3 has ended
    publication = publish(bureau)
    before = Notification.objects.count()
    day_before = publication.window_end - dt.timedelta(days=1)
    report = send_reminders(today=day_before)
    assert report.publicity == 1  # member_a: the published member with an account
    assert Notification.objects.count() == before + 1
    assert send_reminders(today=day_before).publicity == 0  # once


def test_a_push_channel_offered_without_its_settings_fails_the_system_check(settings):
    from notifications.checks import check_push_settings

    settings.JIFEN_PUSH_CHANNELS = ["wecom", "fax"]
    messages = [problem.msg for problem in check_push_settings()]
    assert any("'fax'" in m for m in messages)
    assert any("wecom" in m for m in messages)


def test_the_queue_is_the_database_by_default_redis_for_a_city(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.settings.integrations import queue_from_env

    monkeypatch.delenv("JIFEN_QUEUE_URL", raising=False)
    assert queue_from_env()["orm"] == "default"
    assert "redis" not in queue_from_env()
    monkeypatch.setenv("JIFEN_QUEUE_URL", "redis://10.20.0.30:6379/1")
    assert queue_from_env()["redis"] == "redis://10.20.0.30:6379/1"
    monkeypatch.setenv("JIFEN_QUEUE_URL", "amqp://guest@localhost//")
    with pytest.raises(ImproperlyConfigured):
        queue_from_env()
