"""Top-bar links contributed by each part of the plan.

Each app that has pages of its own provides `<app>/nav.py` with
`links(user, scope) -> list[NavLink]`; the base layout shows them after the
core links, so a new feature adds its menu entry without editing the layout.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

PROVIDERS = [
    "declarations",
    "contributions",
    "orglife",
    "appraisals",
    "commitments",
    "participation",
    "rules",
    "ledger",
    "summaries",
    "results",
    "publicity",
    "oversight",
    "notifications",
    "accounts",
]


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    icon: str = "bi-circle"
    app_name: str = ""  # marks the link active on that app's pages
    badge: int = 0  # e.g. items waiting; 0 shows nothing
    group: str = "branch"  # "mine", "branch", "committee" or "alerts" (menus of the top bar)


GROUPS = {
    # group: (label msgid, icon)
    "mine": (_("My work"), "bi-person-badge"),
    "branch": (_("Branch work"), "bi-building"),
    "committee": (_("Committee"), "bi-bank"),
}


def extra_links(user: Any, scope: Any) -> list[NavLink]:
    links: list[NavLink] = []
    for app in PROVIDERS:
        try:
            module = importlib.import_module(f"{app}.nav")
        except ModuleNotFoundError:
            continue
        links.extend(module.links(user, scope))
    return links
