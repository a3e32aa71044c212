"""Top-bar links: a member's own commitments and post card; the branch's review for officers."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.nav import NavLink

from .selectors import badge_counts


def links(user: Any, scope: Any) -> list[NavLink]:
    out: list[NavLink] = []
    if scope.member is not None:
        out.append(
            NavLink(
                label=str(_("My commitments")),
                url=reverse("commitments:mine"),
                icon="bi-flag",
                app_name="commitments",
                group="mine",
            )
        )
    if scope.is_officer_anywhere:
        waiting = badge_counts(user)["submitted"]
        out.append(
            NavLink(
                label=str(_("Commitments")),
                url=reverse("commitments:index"),
                icon="bi-flag",
                app_name="commitments",
                badge=waiting,
                group="committee" if scope.is_committee else "branch",
            )
        )
    return out
