"""Who may see a notification: the user it was sent to; anyone else gets 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from .models import Notification


def get_notification_for_user(user: Any, pk: int) -> Notification:
    """The notification if it is the user's own; anyone else's is 404."""
    notification = Notification.objects.filter(pk=pk, user=user).first()
    if notification is None:
        raise Http404
    return notification
