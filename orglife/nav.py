"""Top-bar links of organisational life (see portal/nav.py)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.nav import NavLink


def links(user: Any, scope: Any) -> list[NavLink]:
    """Officers keep the meetings and the dues; a member sees their own attendance."""
    out = []
    if scope.member is not None:
        out.append(
            NavLink(
                label=_("My attendance"),
                url=reverse("orglife:my_attendance"),
                icon="bi-calendar-check",
                # An officer's meeting pages are in the same app; mark only one menu there.
                app_name="" if scope.is_officer_anywhere else "orglife",
                group="mine",
            )
        )
    if scope.is_officer_anywhere:
        group = "committee" if scope.is_committee else "branch"
        out += [
            NavLink(
                label=_("Organisational life"),
                url=reverse("orglife:meeting_list"),
                icon="bi-calendar-event",
                app_name="orglife",
                group=group,
            ),
            NavLink(
                label=_("Party dues"),
                url=reverse("orglife:dues:index"),
                icon="bi-wallet2",
                app_name="orglife:dues",
                group=group,
            ),
        ]
    return out
