"""Top-bar links of 汇总 (see portal/nav.py): a branch's summary table and closing, and the
committee's view of every branch's table."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.nav import NavLink
from core.years import current_year
from organizations.permissions import OFFICER_ROLES


def links(user: Any, scope: Any) -> list[NavLink]:
    out = []
    if any(roles & OFFICER_ROLES for roles in scope.branch_roles.values()):
        out.append(
            NavLink(
                label=_("Summary & closing"),
                url=reverse("summaries:summary_home"),
                icon="bi-clipboard-data",
                group="branch",
            )
        )
        out.append(
            NavLink(
                label=_("Forms and downloads"),
                url=reverse("summaries:forms_home"),
                icon="bi-file-earmark-zip",
                group="branch",
            )
        )
    if scope.is_committee:
        out.append(
            NavLink(
                label=_("Summary tables"),
                url=reverse("summaries:summary_committee", kwargs={"year": current_year()}),
                icon="bi-clipboard-check",
                group="committee",
            )
        )
    return out
