"""Top-bar links: the head's platforms, the member's department's, the committee's list."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.nav import NavLink
from core.years import current_year
from participation.permissions import headed_department_ids


def links(user: Any, scope: Any) -> list[NavLink]:
    if scope.is_committee:
        return [
            NavLink(
                label=str(_("Platforms for contributions")),
                url=reverse("contributions:committee", kwargs={"year": current_year()}),
                icon="bi-diagram-3",
                app_name="contributions",
                group="committee",
            )
        ]
    member = scope.member
    if headed_department_ids(user) or (member is not None and member.department_id):
        return [
            NavLink(
                label=str(_("Platforms for contributions")),
                url=reverse("contributions:index"),
                icon="bi-diagram-3",
                app_name="contributions",
                group="mine",
            )
        ]
    return []
