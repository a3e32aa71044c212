"""`manage.py bootstrap --committee NAME --admin USERNAME`: the first run without the demo."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.bootstrap import DEFAULT_CODE, bootstrap
from core.errors import DomainError


class Command(BaseCommand):
    help = (
        "On an empty database: create the party committee and its first administrator, and "
        "print the administrator's one-time password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--committee", required=True, help="The party committee's name.")
        parser.add_argument("--admin", required=True, help="The administrator's username.")
        parser.add_argument(
            "--code", default=DEFAULT_CODE, help=f"The committee's code (default {DEFAULT_CODE})."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = bootstrap(
                committee_name=options["committee"],
                admin_username=options["admin"],
                code=options["code"],
            )
        except DomainError as exc:
            raise CommandError(exc.message, returncode=1) from None
        self.stdout.write(
            _(
                "Created %(committee)s and its first committee administrator %(admin)s.\n"
                "Sign in at /accounts/login/ with this one-time password; it must be changed "
                "at the first sign-in:"
            )
            % {"committee": done.committee.name, "admin": done.admin.get_username()}
        )
        self.stdout.write(done.password)
