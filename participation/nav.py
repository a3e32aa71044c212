"""Top-bar links: the committee's list, the secretary's applications, the head's retirees."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.nav import NavLink
from organizations.models import Role

from .permissions import headed_department_ids
from .selectors import badge_counts


def links(user: Any, scope: Any) -> list[NavLink]:
    out: list[NavLink] = []
    if scope.is_committee:
        out.append(
            NavLink(
                label=str(_("Exemptions / participation")),
                url=reverse("participation:committee"),
                icon="bi-person-dash",
                app_name="participation",
                badge=badge_counts(user)["approved"],
                group="committee",
            )
        )
        return out
    secretary_of = [b for b, roles in scope.branch_roles.items() if Role.SECRETARY in roles]
    if secretary_of:
        out.append(
            NavLink(
                label=str(_("Exemptions")),
                url=reverse("participation:index"),
                icon="bi-person-dash",
                app_name="participation",
                badge=badge_counts(user)["submitted"],
            )
        )
    if scope.member is not None:
        out.append(
            NavLink(
                label=str(_("Exemption application")),
                url=reverse("participation:mine"),
                icon="bi-person-dash",
                app_name="participation",
                group="mine",
            )
        )
    if headed_department_ids(user):
        out.append(
            NavLink(
                label=str(_("Retired members")),
                url=reverse("participation:retirees"),
                icon="bi-person-check",
                app_name="participation",
                group="mine",
            )
        )
    return out
