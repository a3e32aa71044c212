"""Top-bar link: the committee's scheme filing (备案), with the number awaiting it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.nav import NavLink

from .selectors import badge_counts


def links(user: Any, scope: Any) -> list[NavLink]:
    if not scope.is_committee:
        return []
    return [
        NavLink(
            label=str(_("Scheme filing")),
            url=reverse("rules:filing_index"),
            icon="bi-archive",
            app_name="",  # the scheme pages share the app; the core link marks those
            badge=badge_counts(user)["submitted"],
            group="committee",
        )
    ]
