"""企业微信 (WeCom) server API: the calls sign-in and application messages need.

Sign-in is the OAuth2 code flow: inside the WeCom app on a phone, the authorize page
with scope snsapi_base returns at once (silent sign-in); in a desktop browser the user
scans a QR code. Either way the code becomes the member's userid through
auth/getuserinfo. Messages go through message/send with WeCom's duplicate check on, so a
message sent again after a worker died (same text, same user) is not shown twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from .platforms import PlatformError, cached_token, forget_token, http_json

TOKEN_ERRORS = {40001, 40014, 42001}  # invalid or expired access_token
RETRYABLE_ERRORS = {-1, 45009, 45033}  # busy, rate limited
# WeCom keeps duplicate checking for at most four hours.
DUPLICATE_CHECK_SECONDS = 4 * 60 * 60


@dataclass(frozen=True)
class WeCom:
    api_url: str
    oauth_url: str
    qr_url: str
    corp_id: str
    agent_id: str
    secret: str

    @classmethod
    def from_settings(cls) -> WeCom:
        return cls(
            api_url=settings.JIFEN_WECOM_API_URL.rstrip("/"),
            oauth_url=settings.JIFEN_WECOM_OAUTH_URL.rstrip("/"),
            qr_url=settings.JIFEN_WECOM_QR_URL.rstrip("/"),
            corp_id=settings.JIFEN_WECOM_CORP_ID,
            agent_id=settings.JIFEN_WECOM_AGENT_ID,
            secret=settings.JIFEN_WECOM_SECRET,
        )

    @property
    def configured(self) -> bool:
        return bool(self.corp_id and self.agent_id and self.secret)

    # --- sign-in ------------------------------------------------------------------

    def authorize_url(self, *, redirect_uri: str, state: str, in_app: bool) -> str:
        """Inside the WeCom app: the silent snsapi_base page. Elsewhere: the QR login."""
        if in_app:
            query = urlencode(
                {
                    "appid": self.corp_id,
                    "redirect_uri": redirect_uri,
                    "response_type": "code",
                    "scope": "snsapi_base",
                    "state": state,
                    "agentid": self.agent_id,
                }
            )
            return f"{self.oauth_url}/connect/oauth2/authorize?{query}#wechat_redirect"
        query = urlencode(
            {
                "login_type": "CorpApp",
                "appid": self.corp_id,
                "agentid": self.agent_id,
                "redirect_uri": redirect_uri,
                "state": state,
            }
        )
        return f"{self.qr_url}/wwlogin/sso/login?{query}"

    def user_id_from_code(self, code: str) -> str:
        data = self._call("GET", "/cgi-bin/auth/getuserinfo", params={"code": code})
        user_id = data.get("userid") or data.get("UserId")
        if not user_id:  # an openid: someone outside the organisation
            raise PlatformError("not a member of the organisation", code="no_userid")
        return str(user_id)

    def user(self, user_id: str) -> dict[str, Any]:
        """The member's address-book record (name, mobile, email … as the app may read)."""
        return self._call("GET", "/cgi-bin/user/get", params={"userid": user_id})

    # --- application messages ---------------------------------------------------

    def send_card(self, *, to: str, title: str, description: str, url: str) -> dict[str, Any]:
        """A text card to one member; WeCom drops the same card sent again within hours."""
        message: dict[str, Any] = {
            "touser": to,
            "agentid": int(self.agent_id) if self.agent_id.isdigit() else self.agent_id,
            "enable_duplicate_check": 1,
            "duplicate_check_interval": DUPLICATE_CHECK_SECONDS,
        }
        if url:
            message["msgtype"] = "textcard"
            message["textcard"] = {"title": title, "description": description, "url": url}
        else:
            message["msgtype"] = "text"
            message["text"] = {"content": f"{title}\n{description}".strip()}
        data = self._call("POST", "/cgi-bin/message/send", json=message)
        if data.get("invaliduser"):
            raise PlatformError(f"invalid user {data['invaliduser']}", code="invaliduser")
        return data

    # --- plumbing ---------------------------------------------------------------

    def _token_parts(self) -> tuple[str, ...]:
        return (self.api_url, self.corp_id, self.agent_id)

    def _fetch_token(self) -> tuple[str, int]:
        data = http_json(
            "GET",
            f"{self.api_url}/cgi-bin/gettoken",
            params={"corpid": self.corp_id, "corpsecret": self.secret},
        )
        self._check(data)
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        for attempt in (1, 2):
            token = cached_token("wecom", self._token_parts(), self._fetch_token)
            params = {**kwargs.pop("params", {}), "access_token": token}
            data = http_json(method, f"{self.api_url}{path}", params=params, **kwargs)
            kwargs["params"] = {k: v for k, v in params.items() if k != "access_token"}
            if data.get("errcode") in TOKEN_ERRORS and attempt == 1:
                forget_token("wecom", self._token_parts())
                continue
            self._check(data)
            return data
        raise PlatformError("access token refused twice", retryable=True)

    @staticmethod
    def _check(data: dict[str, Any]) -> None:
        code = data.get("errcode", 0)
        if code:
            raise PlatformError(
                f"WeCom error {code}: {data.get('errmsg', '')}"[:200],
                code=code,
                retryable=code in RETRYABLE_ERRORS or code in TOKEN_ERRORS,
            )
