"""A fake 企业微信 server: OAuth2 (the in-app authorize page and the QR login), the
address book and application messages, with WeCom's duplicate check.

`sign_in_as(userid)` decides who the next authorize page signs in (as if that person
were signed in to the WeCom app). Messages shown to members are in `delivered`; a
repeat within the duplicate-check interval is answered ok and not shown again, as
WeCom does. `hold_next_send(seconds)` makes the next message/send answer late (after
it is delivered), so a test can kill the caller while it waits.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

from tests.fakes.server import Answer, FakeServer, Request, redirect

CORP_ID = "wwfakecorp"
AGENT_ID = "1000002"
SECRET = "fake-wecom-secret"


class FakeWeCom(FakeServer):
    routes = {
        ("GET", "/connect/oauth2/authorize"): "authorize",
        ("GET", "/wwlogin/sso/login"): "authorize",
        ("GET", "/cgi-bin/gettoken"): "gettoken",
        ("GET", "/cgi-bin/auth/getuserinfo"): "getuserinfo",
        ("GET", "/cgi-bin/user/get"): "user_get",
        ("POST", "/cgi-bin/message/send"): "message_send",
    }

    def __init__(self, users: dict[str, dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.users = users or {}
        self.tokens: set[str] = set()
        self.codes: dict[str, str] = {}
        self.signed_in = ""
        self.delivered: list[dict[str, Any]] = []
        self.seen: dict[tuple[str, str], float] = {}
        self.hold_seconds = 0.0
        self.send_started = threading.Event()
        self.fail_sends = 0  # the next n sends answer "system busy"

    def sign_in_as(self, userid: str) -> None:
        self.signed_in = userid

    def hold_next_send(self, seconds: float) -> None:
        self.hold_seconds = seconds
        self.send_started.clear()

    def authorize(self, request: Request) -> Answer:
        assert request.query["appid"] == CORP_ID
        code = secrets.token_hex(8)
        self.codes[code] = self.signed_in
        query = urlencode({"code": code, "state": request.query["state"]})
        return redirect(f"{request.query['redirect_uri']}?{query}")

    def gettoken(self, request: Request) -> Answer:
        if request.query.get("corpsecret") != SECRET:
            return Answer(body={"errcode": 40001, "errmsg": "invalid credential"})
        token = secrets.token_hex(16)
        self.tokens.add(token)
        return Answer(body={"errcode": 0, "access_token": token, "expires_in": 7200})

    def _token_ok(self, request: Request) -> bool:
        return request.query.get("access_token") in self.tokens

    def getuserinfo(self, request: Request) -> Answer:
        if not self._token_ok(request):
            return Answer(body={"errcode": 42001, "errmsg": "access_token expired"})
        userid = self.codes.pop(request.query.get("code", ""), None)
        if userid is None:
            return Answer(body={"errcode": 40029, "errmsg": "invalid code"})
        if userid not in self.users:
            return Answer(body={"errcode": 0, "openid": "o-outsider"})
        return Answer(body={"errcode": 0, "userid": userid, "user_ticket": "t"})

    def user_get(self, request: Request) -> Answer:
        if not self._token_ok(request):
            return Answer(body={"errcode": 42001, "errmsg": "access_token expired"})
        user = self.users.get(request.query.get("userid", ""))
        if user is None:
            return Answer(body={"errcode": 60111, "errmsg": "userid not found"})
        return Answer(body={"errcode": 0, "userid": request.query["userid"], **user})

    def message_send(self, request: Request) -> Answer:
        if not self._token_ok(request):
            return Answer(body={"errcode": 42001, "errmsg": "access_token expired"})
        message = request.json()
        if self.fail_sends:
            self.fail_sends -= 1
            return Answer(body={"errcode": -1, "errmsg": "system busy"})
        to = message["touser"]
        if to not in self.users:
            return Answer(body={"errcode": 0, "errmsg": "ok", "invaliduser": to})
        content = json.dumps(message.get(message["msgtype"]), sort_keys=True, ensure_ascii=False)
        now = time.monotonic()
        with self.lock:
            first = message.get("enable_duplicate_check") != 1 or (
                now - self.seen.get((to, content), -1e9)
                > message.get("duplicate_check_interval", 1800)
            )
            if first:
                self.seen[(to, content)] = now
                self.delivered.append(message)
        if self.hold_seconds:
            seconds, self.hold_seconds = self.hold_seconds, 0.0
            self.send_started.set()
            time.sleep(seconds)
        return Answer(body={"errcode": 0, "errmsg": "ok", "msgid": secrets.token_hex(6)})
