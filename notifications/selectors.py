"""Reads of a user's notifications."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.nav import BadgeCounts, once_per_request

from .models import Notification


def notifications_of(user: Any) -> QuerySet[Notification]:
    """The user's notifications, newest first (the model's ordering)."""
    return Notification.objects.filter(user=user)


def unread_count(user: Any) -> int:
    """One indexed COUNT (user, read_at)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


@once_per_request
def badge_counts(user: Any) -> BadgeCounts:
    """The top bar's badge and the list's heading: the user's unread notifications."""
    return {"unread": unread_count(user)}
