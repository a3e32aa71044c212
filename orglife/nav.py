"""Top-bar links of organisational life (see core/nav.py)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.nav import NavLink


def links(user: Any, scope: Any) -> list[NavLink]:
    """Officers keep the meetings and the dues; a member sees their own attendance
    (an officer who is also a member finds it from the meetings page)."""
    if scope.is_officer_anywhere:
        return [
            NavLink(
                label=_("Organisational life"),
                url=reverse("orglife:meeting_list"),
                icon="bi-calendar-event",
                app_name="orglife",
            ),
            NavLink(
                label=_("Party dues"),
                url=reverse("orglife:dues:index"),
                icon="bi-wallet2",
                app_name="orglife:dues",
            ),
        ]
    if scope.member is not None:
        return [
            NavLink(
                label=_("My attendance"),
                url=reverse("orglife:my_attendance"),
                icon="bi-calendar-check",
                app_name="orglife",
                group="mine",
            )
        ]
    return []
