"""A fake CAS 3 server: /cas/login sends the browser back with a ticket, and
/cas/p3/serviceValidate answers for it with the user and attributes."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from tests.fakes.server import Answer, FakeServer, Request, redirect


class FakeCAS(FakeServer):
    routes = {
        ("GET", "/cas/login"): "login",
        ("GET", "/cas/p3/serviceValidate"): "validate",
    }

    def __init__(self, users: dict[str, dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.users = users or {}
        self.signed_in = ""
        self.tickets: dict[str, tuple[str, str]] = {}

    def sign_in_as(self, user: str) -> None:
        self.signed_in = user

    def login(self, request: Request) -> Answer:
        service = request.query["service"]
        ticket = "ST-" + secrets.token_hex(8)
        self.tickets[ticket] = (self.signed_in, service)
        glue = "&" if "?" in service else "?"
        return redirect(f"{service}{glue}{urlencode({'ticket': ticket})}")

    def validate(self, request: Request) -> Answer:
        found = self.tickets.pop(request.query.get("ticket", ""), None)
        if found is None or found[1] != request.query.get("service"):
            return Answer(body=_failure())
        user = found[0]
        attributes = "".join(
            f"<cas:{name}>{escape(str(value))}</cas:{name}>"
            for name, value in self.users.get(user, {}).items()
        )
        return Answer(
            body=(
                '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">'
                f"<cas:authenticationSuccess><cas:user>{escape(user)}</cas:user>"
                f"<cas:attributes>{attributes}</cas:attributes>"
                "</cas:authenticationSuccess></cas:serviceResponse>"
            )
        )


def _failure() -> str:
    return (
        '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">'
        '<cas:authenticationFailure code="INVALID_TICKET">unknown</cas:authenticationFailure>'
        "</cas:serviceResponse>"
    )
