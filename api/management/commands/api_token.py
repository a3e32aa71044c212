"""`api_token create USERNAME [--name N] [--expires-days D] [--scope read|write]` prints the
new token on its last line (shown once; only its hash is kept).
`api_token list [USERNAME]`, `api_token revoke PREFIX`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from core.errors import DomainError

from ...models import ApiToken
from ...services import token_create, token_revoke


class Command(BaseCommand):
    help = "Make, list or revoke personal access tokens for the REST API."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a token for USERNAME")
        create.add_argument("username")
        create.add_argument("--name", default="manage.py")
        create.add_argument("--expires-days", type=int, default=None)
        create.add_argument("--scope", choices=ApiToken.Scope.values, default=ApiToken.Scope.READ)
        listing = sub.add_parser("list", help="list tokens (of USERNAME)")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="revoke the token starting with PREFIX")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"])(options)

    def _create(self, options: dict[str, Any]) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("There is no login %(name)s.") % {"name": options["username"]})
        try:
            token, raw = token_create(
                user=user,
                name=options["name"],
                scope=options["scope"],
                expires_days=options["expires_days"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(
            _("Token “%(name)s” for %(user)s (%(scope)s); it is shown only now:")
            % {"name": token.name, "user": user.get_username(), "scope": token.get_scope_display()}
        )
        self.stdout.write(raw)

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "pk")
        if options.get("username"):
            tokens = tokens.filter(user__username=options["username"])
        for t in tokens:
            state = "revoked" if t.revoked_at else "expired" if t.is_expired else "active"
            last = t.last_used_at.isoformat() if t.last_used_at else "-"
            self.stdout.write(
                f"{t.prefix}\t{t.user.get_username()}\t{t.name}\t{t.scope}\t{state}\t{last}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        tokens = list(ApiToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True))
        if len(tokens) != 1:
            raise CommandError(
                _("No single active token starts with %(p)s.") % {"p": options["prefix"]}
            )
        token_revoke(token=tokens[0], actor=tokens[0].user)
        self.stdout.write(_("Revoked."))
