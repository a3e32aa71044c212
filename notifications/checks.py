"""`manage.py check`: push channels offered that cannot send."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning

from .channels import CHANNELS, INAPP


def check_push_settings(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    for code in settings.JIFEN_PUSH_CHANNELS:
        channel = CHANNELS.get(code)
        if channel is None or code == INAPP:
            problems.append(
                Error(
                    f"JIFEN_PUSH_CHANNELS: {code!r} is not one of wecom, dingtalk, sms.",
                    id="jifen.E202",
                )
            )
        elif not channel.configured():
            problems.append(
                Error(
                    f"JIFEN_PUSH_CHANNELS offers {code} but its settings are missing.",
                    id="jifen.E203",
                )
            )
    if settings.JIFEN_PUSH_CHANNELS and not settings.JIFEN_SITE_URL:
        problems.append(
            Warning(
                "JIFEN_SITE_URL is not set: pushed messages carry no link to the site.",
                id="jifen.W201",
            )
        )
    return problems
