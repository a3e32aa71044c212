"""Top-bar links of oversight (see portal/nav.py): the committee's dashboard, spot checks and
exemplary cases; a secretary's annual report and spot-check responses; the cases page
for everyone else."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.nav import NavLink
from organizations.models import Role

from .selectors import badge_counts


def links(user: Any, scope: Any) -> list[NavLink]:
    if scope.is_committee:
        return [
            NavLink(
                label=str(_("Oversight")),
                url=reverse("oversight:dashboard"),
                icon="bi-speedometer2",
                app_name="oversight",
                group="committee",
            ),
            NavLink(
                label=str(_("Spot checks")),
                url=reverse("oversight:checks"),
                icon="bi-shuffle",
                group="committee",
            ),
            NavLink(
                label=str(_("Exemplary cases")),
                url=reverse("oversight:cases"),
                icon="bi-award",
                group="committee",
            ),
        ]
    out: list[NavLink] = []
    secretary_of = [b for b, roles in scope.branch_roles.items() if Role.SECRETARY in roles]
    if secretary_of:
        out += [
            NavLink(
                label=str(_("Annual report")),
                url=reverse("oversight:report_index"),
                icon="bi-file-earmark-text",
                app_name="oversight",
            ),
            NavLink(
                label=str(_("Spot-check responses")),
                url=reverse("oversight:responses"),
                icon="bi-clipboard-check",
                badge=badge_counts(user)["problems"],
            ),
        ]
    if scope.branch_ids:
        out.append(
            NavLink(
                label=str(_("Exemplary cases")),
                url=reverse("oversight:cases"),
                icon="bi-award",
                group="mine",
            )
        )
    return out
