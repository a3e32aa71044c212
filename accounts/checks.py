"""A misspelt role in JIFEN_2FA_ROLES would silently spare that role the second factor."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error


def check_two_factor_roles(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from organizations.models import Role

    unknown = sorted(set(getattr(settings, "JIFEN_2FA_ROLES", [])) - set(Role.values))
    if not unknown:
        return []
    return [
        Error(
            f"JIFEN_2FA_ROLES names unknown roles: {', '.join(unknown)}",
            hint=f"Known roles: {', '.join(Role.values)}.",
            id="accounts.E001",
        )
    ]
