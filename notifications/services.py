"""Sending notifications: the in-app one, and the outbox rows that push it to the member's
phone channels (notifications.push). Safe to call twice with the same dedupe_key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .channels import push_channels
from .models import Notification
from .push import deliveries_create


def notify(
    *, user: Any, kind: str, title: str, url: str = "", dedupe_key: str = ""
) -> Notification | None:
    """Tell one user something; with a dedupe_key, at most once. Returns None if already sent."""
    if user is None or not getattr(user, "pk", None):
        return None
    if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user, kind=kind, title=str(title)[:200], url=url[:300], dedupe_key=dedupe_key
            )
            deliveries_create([notification])
            return notification
    except IntegrityError:  # sent meanwhile by a concurrent run
        return None


def notify_many(
    *, users: Iterable[Any], kind: str, title: str, url: str = "", dedupe_key: str
) -> list[Notification]:
    """Tell several users the same thing, each at most once for `dedupe_key`: one read of
    who has it already and one insert for the rest (a concurrent run's rows are skipped
    by the unique constraint). Returns the notifications this call set out to write."""
    if not dedupe_key:
        raise ValueError("notify_many needs a dedupe_key")
    wanted = {user.pk: user for user in users if user is not None and getattr(user, "pk", None)}
    if not wanted:
        return []
    sent = set(
        Notification.objects.filter(user_id__in=list(wanted), dedupe_key=dedupe_key).values_list(
            "user_id", flat=True
        )
    )
    rows = [
        Notification(
            user=user, kind=kind, title=str(title)[:200], url=url[:300], dedupe_key=dedupe_key
        )
        for pk, user in wanted.items()
        if pk not in sent
    ]
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if push_channels():
        # bulk_create gave no primary keys (ignore_conflicts): read the rows back for the outbox.
        deliveries_create(
            list(
                Notification.objects.filter(
                    user_id__in=[row.user_id for row in rows], dedupe_key=dedupe_key
                ).exclude(user_id__in=sent)
            )
        )
    return created


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user read; returns how many were unread."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
