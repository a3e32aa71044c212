"""Top-bar links of 申报/认定 (see portal/nav.py): a member's declarations, the group's queue."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.nav import NavLink

from .permissions import may_review_anywhere
from .selectors import badge_counts


def links(user: Any, scope: Any) -> list[NavLink]:
    out = []
    if scope.member is not None:
        out.append(
            NavLink(
                label=str(_("My declarations")),
                url=reverse("declarations:mine"),
                icon="bi-pencil-square",
                group="mine",
            )
        )
    if may_review_anywhere(user):
        out.append(
            NavLink(
                label=str(_("Review queue")),
                url=reverse("declarations:queue"),
                icon="bi-inboxes",
                app_name="declarations",
                badge=badge_counts(user)["waiting"],
            )
        )
    return out
