"""A fake 钉钉 server: OAuth2 (login.dingtalk.com), the user and corporate tokens, the
address book, and work notices delivered at most once a day per member and content."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlencode

from tests.fakes.server import Answer, FakeServer, Request, redirect

CLIENT_ID = "dingfakeappkey"
CLIENT_SECRET = "fake-dingtalk-secret"
AGENT_ID = "3000001"


class FakeDingTalk(FakeServer):
    routes = {
        ("GET", "/oauth2/auth"): "authorize",
        ("POST", "/v1.0/oauth2/userAccessToken"): "user_token",
        ("GET", "/v1.0/contact/users/me"): "me",
        ("GET", "/gettoken"): "gettoken",
        ("POST", "/topapi/user/getbyunionid"): "getbyunionid",
        ("POST", "/topapi/v2/user/get"): "user_get",
        ("POST", "/topapi/message/corpconversation/asyncsend_v2"): "send",
    }

    def __init__(self, users: dict[str, dict[str, Any]] | None = None) -> None:
        """users: userid -> {"unionid", "job_number", "mobile", "name"}."""
        super().__init__()
        self.users = users or {}
        self.codes: dict[str, str] = {}
        self.user_tokens: dict[str, str] = {}
        self.tokens: set[str] = set()
        self.signed_in = ""
        self.delivered: list[dict[str, Any]] = []
        self.seen: set[tuple[str, str]] = set()

    def sign_in_as(self, userid: str) -> None:
        self.signed_in = userid

    def authorize(self, request: Request) -> Answer:
        assert request.query["client_id"] == CLIENT_ID
        code = secrets.token_hex(8)
        self.codes[code] = self.signed_in
        query = urlencode({"authCode": code, "state": request.query["state"]})
        return redirect(f"{request.query['redirect_uri']}?{query}")

    def user_token(self, request: Request) -> Answer:
        body = request.json()
        userid = self.codes.pop(body.get("code", ""), None)
        if body.get("clientSecret") != CLIENT_SECRET or userid is None:
            return Answer(400, {"code": "invalidCode", "message": "code invalid"})
        token = secrets.token_hex(12)
        self.user_tokens[token] = userid
        return Answer(body={"accessToken": token, "expireIn": 7200})

    def me(self, request: Request) -> Answer:
        userid = self.user_tokens.get(request.headers.get("x-acs-dingtalk-access-token", ""))
        if userid is None:
            return Answer(401, {"code": "InvalidAuthentication"})
        user = self.users.get(userid, {"unionid": "outsider-union"})
        return Answer(body={"unionId": user["unionid"], "nick": user.get("name", "")})

    def gettoken(self, request: Request) -> Answer:
        if request.query.get("appsecret") != CLIENT_SECRET:
            return Answer(body={"errcode": 40089, "errmsg": "invalid appsecret"})
        token = secrets.token_hex(16)
        self.tokens.add(token)
        return Answer(body={"errcode": 0, "access_token": token, "expires_in": 7200})

    def _token_ok(self, request: Request) -> bool:
        return request.query.get("access_token") in self.tokens

    def getbyunionid(self, request: Request) -> Answer:
        if not self._token_ok(request):
            return Answer(body={"errcode": 88, "errmsg": "invalid token"})
        union = request.json().get("unionid")
        for userid, user in self.users.items():
            if user["unionid"] == union:
                return Answer(body={"errcode": 0, "result": {"userid": userid}})
        return Answer(body={"errcode": 60121, "errmsg": "not found"})

    def user_get(self, request: Request) -> Answer:
        if not self._token_ok(request):
            return Answer(body={"errcode": 88, "errmsg": "invalid token"})
        userid = request.json().get("userid")
        user = self.users.get(userid)
        if user is None:
            return Answer(body={"errcode": 60121, "errmsg": "not found"})
        return Answer(body={"errcode": 0, "result": {"userid": userid, **user}})

    def send(self, request: Request) -> Answer:
        if not self._token_ok(request):
            return Answer(body={"errcode": 88, "errmsg": "invalid token"})
        body = request.json()
        content = json.dumps(body["msg"], sort_keys=True, ensure_ascii=False)
        for userid in str(body["userid_list"]).split(","):
            with self.lock:
                if (userid, content) not in self.seen:  # once a day per member and content
                    self.seen.add((userid, content))
                    self.delivered.append({"userid": userid, **body})
        return Answer(body={"errcode": 0, "task_id": 1})
