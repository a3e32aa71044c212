"""Top-bar links of accounts (see portal/nav.py): the committee's list of sign-in links."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.nav import NavLink


def links(user: Any, scope: Any) -> list[NavLink]:
    if scope.is_committee or getattr(user, "is_superuser", False):
        return [
            NavLink(
                label=str(_("Sign-in links")),
                url=reverse("accounts:identities"),
                icon="bi-link-45deg",
                group="committee",
            )
        ]
    return []
