"""钉钉 (DingTalk) server API: the calls sign-in and work notices need.

Sign-in is DingTalk's OAuth2 code flow (login.dingtalk.com): inside the DingTalk app on
a phone the client authorises the page itself, with no password (silent sign-in; the
first time it may ask the member to agree once); in a browser the member scans a QR
code. The user token gives the member's unionId, the corporate token turns it into the
userid of the address book, whose record holds the job number (工号) and mobile.

Work notices go through corpconversation/asyncsend_v2. DingTalk delivers the same
content to the same member at most once a day, so a notice sent again after a worker
died is not shown twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from .platforms import PlatformError, cached_token, forget_token, http_json

TOKEN_ERRORS = {40001, 40014, 42001, 88}
RETRYABLE_ERRORS = {-1, 90002, 90018, 143106}  # busy, rate limited


@dataclass(frozen=True)
class DingTalk:
    api_url: str
    oapi_url: str
    login_url: str
    client_id: str
    client_secret: str
    agent_id: str
    corp_id: str

    @classmethod
    def from_settings(cls) -> DingTalk:
        return cls(
            api_url=settings.JIFEN_DINGTALK_API_URL.rstrip("/"),
            oapi_url=settings.JIFEN_DINGTALK_OAPI_URL.rstrip("/"),
            login_url=settings.JIFEN_DINGTALK_LOGIN_URL.rstrip("/"),
            client_id=settings.JIFEN_DINGTALK_CLIENT_ID,
            client_secret=settings.JIFEN_DINGTALK_CLIENT_SECRET,
            agent_id=settings.JIFEN_DINGTALK_AGENT_ID,
            corp_id=settings.JIFEN_DINGTALK_CORP_ID,
        )

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)

    # --- sign-in ------------------------------------------------------------------

    def authorize_url(self, *, redirect_uri: str, state: str, in_app: bool) -> str:
        query = {
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "client_id": self.client_id,
            "scope": "openid corpid" if in_app else "openid",
            "state": state,
            "prompt": "consent",
        }
        if in_app and self.corp_id:
            query["corpId"] = self.corp_id  # the organisation's app: no choice of company
        return f"{self.login_url}/oauth2/auth?{urlencode(query)}"

    def identity_from_code(self, code: str) -> dict[str, Any]:
        """The member's address-book record (userid, name, job_number, mobile …)."""
        token = http_json(
            "POST",
            f"{self.api_url}/v1.0/oauth2/userAccessToken",
            json={
                "clientId": self.client_id,
                "clientSecret": self.client_secret,
                "code": code,
                "grantType": "authorization_code",
            },
        )
        if not token.get("accessToken"):
            raise PlatformError(f"DingTalk refused the code: {token.get('message', '')}"[:200])
        me = http_json(
            "GET",
            f"{self.api_url}/v1.0/contact/users/me",
            headers={"x-acs-dingtalk-access-token": str(token["accessToken"])},
        )
        union_id = me.get("unionId")
        if not union_id:
            raise PlatformError("DingTalk gave no unionId", code="no_unionid")
        found = self._call("/topapi/user/getbyunionid", {"unionid": union_id})
        user_id = (found.get("result") or {}).get("userid")
        if not user_id:  # not in this organisation's address book
            raise PlatformError("not a member of the organisation", code="no_userid")
        record = self._call("/topapi/v2/user/get", {"userid": user_id})
        return {**(record.get("result") or {}), "userid": str(user_id)}

    # --- work notices -------------------------------------------------------------

    def send_notice(self, *, to: str, title: str, text: str, url: str) -> dict[str, Any]:
        if url:
            msg: dict[str, Any] = {
                "msgtype": "action_card",
                "action_card": {
                    "title": title,
                    "markdown": f"### {title}\n\n{text}",
                    "single_title": "查看详情",
                    "single_url": url,
                },
            }
        else:
            msg = {"msgtype": "text", "text": {"content": f"{title}\n{text}".strip()}}
        agent: Any = int(self.agent_id) if self.agent_id.isdigit() else self.agent_id
        return self._call(
            "/topapi/message/corpconversation/asyncsend_v2",
            {"agent_id": agent, "userid_list": to, "msg": msg},
        )

    # --- plumbing ---------------------------------------------------------------

    def _token_parts(self) -> tuple[str, ...]:
        return (self.oapi_url, self.client_id)

    def _fetch_token(self) -> tuple[str, int]:
        data = http_json(
            "GET",
            f"{self.oapi_url}/gettoken",
            params={"appkey": self.client_id, "appsecret": self.client_secret},
        )
        self._check(data)
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        for attempt in (1, 2):
            token = cached_token("dingtalk", self._token_parts(), self._fetch_token)
            data = http_json(
                "POST", f"{self.oapi_url}{path}", params={"access_token": token}, json=body
            )
            if data.get("errcode") in TOKEN_ERRORS and attempt == 1:
                forget_token("dingtalk", self._token_parts())
                continue
            self._check(data)
            return data
        raise PlatformError("access token refused twice", retryable=True)

    @staticmethod
    def _check(data: dict[str, Any]) -> None:
        code = data.get("errcode", 0)
        if code:
            raise PlatformError(
                f"DingTalk error {code}: {data.get('errmsg', '')}"[:200],
                code=code,
                retryable=code in RETRYABLE_ERRORS or code in TOKEN_ERRORS,
            )
