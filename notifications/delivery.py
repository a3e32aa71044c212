"""The worker's side of the outbox: send each delivery once, retry with back-off.

Run by django-q2's cluster (`manage.py qcluster`; `make run` starts one). A delivery is
claimed with a lease before it is sent; a worker killed mid-send leaves the claim to
lapse, and the next try sends the same text under the same key: WeCom's duplicate check
and DingTalk's one-copy-a-day rule drop the repeat, and the SMS gateway receives the key
as `Idempotency-Key` and in its body, so each message arrives once. The sweep
(`deliver_due`, every minute) resumes anything whose task was lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core.platforms import PlatformError

from .channels import Message, channel
from .models import Delivery
from .push import BATCH, choice_of, message_body, queue_deliveries

logger = logging.getLogger(__name__)


def lease_seconds() -> float:
    """Longer than a send can take (two calls, each with its timeout), then some."""
    return 2 * settings.JIFEN_PUSH_TIMEOUT + 5


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4 … minutes after the first, second, third … failed try; at most an hour."""
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def _claimable(now: dt.datetime) -> Q:
    return Q(status=Delivery.Status.PENDING, due_at__lte=now) | Q(
        status=Delivery.Status.SENDING, lease_until__lt=now
    )


def deliver(keys: Iterable[str]) -> dict[str, str]:
    """The task: send each of these deliveries that is due; returns what became of each."""
    return {key: deliver_one(key) for key in keys}


def deliver_one(key: str) -> str:
    now = timezone.now()
    lease = now + dt.timedelta(seconds=lease_seconds())
    claimed = (
        Delivery.objects.filter(key=key)
        .filter(_claimable(now))
        .update(status=Delivery.Status.SENDING, attempts=F("attempts") + 1, lease_until=lease)
    )
    if not claimed:
        return "not due"  # sent, waiting, or being sent by another worker
    delivery = Delivery.objects.select_related("notification", "user").get(key=key)
    mine = Delivery.objects.filter(key=key, status=Delivery.Status.SENDING, lease_until=lease)

    quiet = choice_of(delivery.user).quiet
    later = quiet.until(now) if quiet else None
    if later is not None:  # a retry fell into the night: wait for the morning
        mine.update(
            status=Delivery.Status.PENDING,
            due_at=later,
            lease_until=None,
            attempts=F("attempts") - 1,
        )
        return "quiet hours"

    sender = channel(delivery.channel)
    address = sender.addresses([delivery.user_id]).get(delivery.user_id) if sender else None
    if sender is None or not address or not delivery.user.is_active:
        mine.update(status=Delivery.Status.SKIPPED, lease_until=None, last_error="no address")
        return "skipped"
    try:
        sender.send(address, _message(delivery))
    except PlatformError as error:
        return _failed(mine, delivery, error)
    except Exception as error:  # noqa: BLE001 - a bug in a channel must not stop the worker
        logger.exception("delivery %s", key)
        return _failed(mine, delivery, PlatformError(repr(error)[:200], retryable=True))
    mine.update(status=Delivery.Status.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


def _failed(mine: object, delivery: Delivery, error: PlatformError) -> str:
    message = str(error)[:300]
    if error.retryable and delivery.attempts < settings.JIFEN_PUSH_MAX_ATTEMPTS:
        mine.update(  # type: ignore[attr-defined]
            status=Delivery.Status.PENDING,
            due_at=timezone.now() + backoff(delivery.attempts),
            lease_until=None,
            last_error=message,
        )
        return "retry"
    mine.update(status=Delivery.Status.FAILED, lease_until=None, last_error=message)  # type: ignore[attr-defined]
    logger.warning("delivery %s failed for good: %s", delivery.key, message)
    return "failed"


def _message(delivery: Delivery) -> Message:
    notification = delivery.notification
    url = ""
    if settings.JIFEN_SITE_URL:
        # Through the notification, so a member not yet signed in on the phone signs in
        # (silently inside WeCom or DingTalk) and lands on the page it is about.
        url = settings.JIFEN_SITE_URL + reverse("notifications:go", kwargs={"pk": notification.pk})
    return Message(
        key=delivery.key, title=notification.title, body=message_body(notification), url=url
    )


def deliver_due(limit: int = 1000) -> int:
    """The sweep, every minute: queue the deliveries that are due and not being sent
    (their time came, their retry is due, or a worker died holding them)."""
    keys = list(
        Delivery.objects.filter(_claimable(timezone.now()))
        .order_by("due_at", "pk")
        .values_list("key", flat=True)[:limit]
    )
    if keys:
        queue_deliveries(keys)
    return len(keys)


__all__ = ["BATCH", "deliver", "deliver_due", "deliver_one"]
