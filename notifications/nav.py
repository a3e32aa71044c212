"""The top-bar link to the user's notifications, with the unread count as its badge."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.nav import NavLink

from .selectors import badge_counts


def links(user: Any, scope: Any) -> list[NavLink]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        NavLink(
            label=_("Notifications"),
            url=reverse("notifications:list"),
            icon="bi-bell",
            app_name="notifications",
            group="alerts",
            badge=badge_counts(user)["unread"],
        )
    ]
