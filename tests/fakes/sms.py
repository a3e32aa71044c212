"""A fake SMS gateway: POST /sms with a JSON body; a repeat of an Idempotency-Key is
answered ok and not sent again."""

from __future__ import annotations

from typing import Any

from tests.fakes.server import Answer, FakeServer, Request


class FakeSmsGateway(FakeServer):
    routes = {("POST", "/sms"): "send"}

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[dict[str, Any]] = []
        self.keys: set[str] = set()
        self.fail_next = 0

    def send(self, request: Request) -> Answer:
        if request.headers.get("authorization") != "Bearer sms-token":
            return Answer(401, {"code": 401})
        if self.fail_next:
            self.fail_next -= 1
            return Answer(503, {"code": 503})
        key = request.headers.get("idempotency-key", "")
        with self.lock:
            if key not in self.keys:
                self.keys.add(key)
                self.sent.append(request.json())
        return Answer(body={"code": 0, "msg": "ok"})
