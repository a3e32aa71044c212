"""A top-bar link, as each part of the plan offers its own.

Each app that has pages of its own provides `<app>/nav.py` with
`links(user, scope) -> list[NavLink]`; `portal.nav` gathers them for the layout.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

BadgeCounts = dict[str, int]


@dataclass(frozen=True)
class NavLink:
    label: str | Promise  # a lazy translation, shown in the user's language
    url: str
    icon: str = "bi-circle"
    app_name: str = ""  # marks the link active on that app's pages
    badge: int = 0  # e.g. items waiting; 0 shows nothing
    group: str = "branch"  # "mine", "branch", "committee" or "alerts" (menus of the top bar)


def once_per_request(counts: Callable[[Any], BadgeCounts]) -> Callable[[Any], BadgeCounts]:
    """An app's badge selector, run at most once per request: its counts are kept on the
    user object, which Django loads afresh for every request (as
    organizations.permissions.scope_for keeps the user's Scope)."""

    @functools.wraps(counts)
    def cached(user: Any) -> BadgeCounts:
        kept = user.__dict__.setdefault("_jifen_badges", {})
        key = f"{counts.__module__}.{counts.__qualname__}"
        if key not in kept:
            kept[key] = counts(user)
        return kept[key]

    return cached
