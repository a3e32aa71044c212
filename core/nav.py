"""A top-bar link, as each part of the plan offers its own.

Each app that has pages of its own provides `<app>/nav.py` with
`links(user, scope) -> list[NavLink]`; `portal.nav` gathers them for the layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavLink:
    label: str | Promise  # a lazy translation, shown in the user's language
    url: str
    icon: str = "bi-circle"
    app_name: str = ""  # marks the link active on that app's pages
    badge: int = 0  # e.g. items waiting; 0 shows nothing
    group: str = "branch"  # "mine", "branch", "committee" or "alerts" (menus of the top bar)
