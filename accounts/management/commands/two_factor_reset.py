"""Reset a user's two-factor sign-in from the server (a committee administrator's lost phone)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.two_factor import two_factor_reset


class Command(BaseCommand):
    help = "Remove a user's authenticators; they set one up again at their next sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("No user named “%(name)s”.") % {"name": options["username"]})
        count = two_factor_reset(user=user, actor=None)
        self.stdout.write(
            _("Two-factor sign-in of %(user)s reset; authenticators removed: %(count)d.")
            % {"user": user.get_username(), "count": count}
        )
