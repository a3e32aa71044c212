"""Pushing notifications to phones: each member's channels and quiet hours, and the
outbox rows written with the notification (the worker in notifications.delivery sends them).

A notification and its outbox rows are written in one transaction, so a message is
pushed if and only if the event that caused it happened; the queue is told after the
commit, and a sweep every minute picks up anything the queue lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record

from .channels import push_channels
from .models import Delivery, Notification, PushPreference

logger = logging.getLogger(__name__)
BATCH = 20  # deliveries per queued task


# --- each member's choice --------------------------------------------------------------


@dataclass(frozen=True)
class QuietHours:
    start: dt.time
    end: dt.time

    def until(self, moment: dt.datetime) -> dt.datetime | None:
        """The end of the quiet hours `moment` falls in (aware, local time), or None."""
        local = timezone.localtime(moment)
        now = local.time()
        if self.start == self.end:
            return None
        today_end = local.replace(
            hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0
        )
        if self.start < self.end:  # e.g. 12:00-14:00
            return today_end if self.start <= now < self.end else None
        if now >= self.start:  # e.g. 22:00-07:00, late evening: until tomorrow morning
            return today_end + dt.timedelta(days=1)
        return today_end if now < self.end else None


def parse_quiet_hours(text: str) -> QuietHours | None:
    """ "22:00-07:00" → QuietHours; "" → None (no quiet hours)."""
    if not text.strip():
        return None
    start, _sep, end = text.partition("-")
    return QuietHours(dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip()))


@dataclass(frozen=True)
class Choice:
    """A member's channels and quiet hours, as chosen or as the deployment's defaults."""

    channels: tuple[str, ...]
    quiet: QuietHours | None
    chosen: bool


def default_choice() -> Choice:
    return Choice(
        channels=tuple(settings.JIFEN_PUSH_DEFAULT_CHANNELS),
        quiet=parse_quiet_hours(settings.JIFEN_QUIET_HOURS),
        chosen=False,
    )


def choice_from(preference: PushPreference | None) -> Choice:
    if preference is None:
        return default_choice()
    quiet = None
    if preference.quiet_enabled and preference.quiet_start and preference.quiet_end:
        quiet = QuietHours(preference.quiet_start, preference.quiet_end)
    return Choice(channels=tuple(preference.channels), quiet=quiet, chosen=True)


def choice_of(user: Any) -> Choice:
    return choice_from(PushPreference.objects.filter(user=user).first())


def push_preference_set(
    *,
    user: Any,
    channels: Sequence[str],
    quiet_enabled: bool,
    quiet_start: dt.time | None,
    quiet_end: dt.time | None,
) -> PushPreference:
    """A member chooses where messages reach them and when not (the account page)."""
    offered = {channel.code for channel in push_channels()}
    chosen = [code for code in channels if code in offered]
    with transaction.atomic():
        preference = PushPreference.objects.filter(user=user).first()
        before = _preference_snapshot(preference)
        if preference is None:
            preference = PushPreference(user=user)
        preference.channels = chosen
        preference.quiet_enabled = quiet_enabled
        preference.quiet_start = quiet_start
        preference.quiet_end = quiet_end
        preference.save()
        audit_record(
            action="notifications.preference.changed",
            actor=user,
            obj=user,
            before=before,
            after=_preference_snapshot(preference),
        )
    return preference


def _preference_snapshot(preference: PushPreference | None) -> dict[str, Any] | None:
    if preference is None:
        return None
    quiet = ""
    if preference.quiet_enabled and preference.quiet_start and preference.quiet_end:
        quiet = f"{preference.quiet_start:%H:%M}-{preference.quiet_end:%H:%M}"
    return {"channels": ",".join(preference.channels), "quiet_hours": quiet}


# --- the outbox --------------------------------------------------------------------------


def delivery_key(notification_id: int, channel: str) -> str:
    """The idempotency key a message is sent under, on every try (also to the SMS gateway)."""
    return f"jifen-{notification_id}-{channel}"


def message_body(notification: Notification) -> str:
    return _("%(kind)s · %(time)s") % {
        "kind": notification.get_kind_display(),
        "time": timezone.localtime(notification.created_at).strftime("%Y-%m-%d %H:%M"),
    }


def deliveries_create(notifications: Sequence[Notification]) -> list[Delivery]:
    """The outbox rows for these new notifications: one per channel each member chose and
    has an address on, due now or at the end of their quiet hours. Three queries for any
    number of notifications; the queue is told after the commit."""
    channels = push_channels()
    if not channels or not notifications:
        return []
    user_ids = {n.user_id for n in notifications}
    preferences = {p.user_id: p for p in PushPreference.objects.filter(user_id__in=user_ids)}
    addresses = {channel.code: channel.addresses(user_ids) for channel in channels}
    now = timezone.now()
    rows = []
    for notification in notifications:
        choice = choice_from(preferences.get(notification.user_id))
        due = (choice.quiet.until(now) if choice.quiet else None) or now
        for channel in channels:
            if channel.code in choice.channels and notification.user_id in addresses[channel.code]:
                rows.append(
                    Delivery(
                        notification=notification,
                        user_id=notification.user_id,
                        channel=channel.code,
                        key=delivery_key(notification.pk, channel.code),
                        due_at=due,
                    )
                )
    if not rows:
        return []
    created = Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    due_now = [row.key for row in created if row.due_at <= now]
    if due_now:
        transaction.on_commit(lambda: queue_deliveries(due_now))
    return created


def queue_deliveries(keys: list[str]) -> None:
    """Tell the worker (django-q2) about deliveries due now. If the queue cannot be
    reached, the sweep (delivery.deliver_due, every minute) finds them anyway."""
    from django_q.tasks import async_task

    for start in range(0, len(keys), BATCH):
        try:
            async_task(
                "notifications.delivery.deliver",
                keys[start : start + BATCH],
                task_name=f"deliver {keys[start]}",
            )
        except Exception:  # noqa: BLE001 - the sweep delivers what the queue missed
            logger.exception("could not queue deliveries; the sweep will send them")
