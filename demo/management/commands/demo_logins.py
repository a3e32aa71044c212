"""Print the demonstration logins: who to sign in as, to see each role at work."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from organizations.models import Member, Organization, Role

from . import _demo_data as data


def _width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Print the demonstration logins (username, password, role, organisation)."

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects.in_bulk(
            [username for username, *_rest in data.DEMO_USERS], field_name="username"
        )
        orgs = Organization.objects.in_bulk(
            [code for _u, _r, code, _i in data.DEMO_USERS], field_name="code"
        )
        rows = []
        for username, role, code, _index in data.DEMO_USERS:
            user = users.get(username)
            if user is None or code not in orgs:
                continue
            member = Member.objects.filter(user=user).first()
            person = member.name if member else user.get_full_name()
            rows.append([username, data.PASSWORD, str(Role(role).label), orgs[code].name, person])
        if not rows:
            self.stdout.write(_("No demonstration logins; run “manage.py demo” first."))
            return
        header = [_("Username"), _("Password"), _("Role"), _("Organisation"), _("Name")]
        widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        self.stdout.write(_("Demonstration logins (for trying the system only):"))
        for row in [header, ["-" * w for w in widths], *rows]:
            cells = (_pad(str(c), w) for c, w in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
        if not settings.JIFEN_2FA_REQUIRED:
            self.stdout.write(
                _(
                    "Two-factor sign-in is off in this demonstration; start the server with "
                    "JIFEN_2FA_REQUIRED=1 to require it of committee administrators and "
                    "branch secretaries."
                )
            )
