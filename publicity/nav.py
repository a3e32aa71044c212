"""Top-bar links of 公示 (see portal/nav.py)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.nav import NavLink

from .permissions import SCREEN_KEEPERS
from .selectors import badge_counts


def links(user: Any, scope: Any) -> list[NavLink]:
    """A member reads their branch's publications; officers publish and answer objections;
    the committee and the branch secretaries also keep the lobby screens."""
    out: list[NavLink] = []
    if scope.member is not None:
        out.append(
            NavLink(
                label=str(_("Publications")),
                url=reverse("publicity:mine"),
                icon="bi-megaphone",
                app_name="" if scope.is_officer_anywhere else "publicity",
                group="mine",
            )
        )
    if scope.is_officer_anywhere:
        waiting = badge_counts(user)["objections"]
        out.append(
            NavLink(
                label=str(_("Publicity")),
                url=reverse("publicity:index"),
                icon="bi-megaphone",
                app_name="publicity",
                badge=waiting,
                group="committee" if scope.is_committee else "branch",
            )
        )
    if scope.is_committee or any(r & set(SCREEN_KEEPERS) for r in scope.branch_roles.values()):
        out.append(
            NavLink(
                label=str(_("Lobby screens")),
                url=reverse("publicity:screens"),
                icon="bi-display",
                group="committee" if scope.is_committee else "branch",
            )
        )
    return out
