"""Top-bar links of 结果运用 (see portal/nav.py): a branch's results of the year, and the
committee's decisions on unqualified-member handling."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.nav import NavLink
from core.years import current_year
from organizations.permissions import OFFICER_ROLES

from .selectors import badge_counts


def links(user: Any, scope: Any) -> list[NavLink]:
    out = []
    if any(roles & OFFICER_ROLES for roles in scope.branch_roles.values()):
        out.append(
            NavLink(
                label=_("Results"),
                url=reverse("results:index"),
                icon="bi-award",
                app_name="results",
                group="branch",
            )
        )
    if scope.is_committee:
        out.append(
            NavLink(
                label=_("Results and handling"),
                url=reverse("results:committee", kwargs={"year": current_year()}),
                icon="bi-award",
                app_name="results",
                badge=badge_counts(user)["pending"],
                group="committee",
            )
        )
    return out
