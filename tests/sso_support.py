"""Turning the providers on against the fakes, and following a provider's redirects the
way a phone's browser does: our page → the provider (a real HTTP request to the fake on
127.0.0.1) → back to our callback."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from django.test import Client

from tests.fakes import dingtalk as fake_dingtalk
from tests.fakes import oidc as fake_oidc
from tests.fakes import wecom as fake_wecom

WECOM_APP = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0 wxwork/4.1.22"
DINGTALK_APP = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 AliApp(DingTalk/7.6.0)"


def wecom_on(settings, fake) -> None:
    settings.JIFEN_WECOM_SIGNIN = True
    settings.JIFEN_WECOM_CORP_ID = fake_wecom.CORP_ID
    settings.JIFEN_WECOM_AGENT_ID = fake_wecom.AGENT_ID
    settings.JIFEN_WECOM_SECRET = fake_wecom.SECRET
    settings.JIFEN_WECOM_API_URL = fake.url
    settings.JIFEN_WECOM_OAUTH_URL = fake.url
    settings.JIFEN_WECOM_QR_URL = fake.url


def dingtalk_on(settings, fake) -> None:
    settings.JIFEN_DINGTALK_SIGNIN = True
    settings.JIFEN_DINGTALK_CLIENT_ID = fake_dingtalk.CLIENT_ID
    settings.JIFEN_DINGTALK_CLIENT_SECRET = fake_dingtalk.CLIENT_SECRET
    settings.JIFEN_DINGTALK_AGENT_ID = fake_dingtalk.AGENT_ID
    settings.JIFEN_DINGTALK_API_URL = fake.url
    settings.JIFEN_DINGTALK_OAPI_URL = fake.url
    settings.JIFEN_DINGTALK_LOGIN_URL = fake.url


def oidc_on(settings, fake) -> None:
    settings.JIFEN_OIDC_SIGNIN = True
    settings.JIFEN_OIDC_NAME = "统一身份认证"
    settings.OIDC_RP_CLIENT_ID = fake_oidc.CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = fake_oidc.CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{fake.url}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{fake.url}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{fake.url}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{fake.url}/jwks"


def cas_on(settings, fake) -> None:
    settings.JIFEN_CAS_SIGNIN = True
    settings.CAS_SERVER_URL = f"{fake.url}/cas/"
    settings.JIFEN_CAS_MATCH_ATTRIBUTE = "employeeNumber"


def follow_provider(client: Client, url: str, **headers: str):
    """GET our `url`, follow redirects through the provider back to us; the last answer
    of ours that is not a redirect to the provider."""
    response = client.get(url, headers=headers)
    for _hop in range(6):
        if response.status_code != 302:
            return response
        location = response["Location"]
        parts = urlsplit(location)
        if parts.netloc.startswith("127.0.0.1"):  # the fake provider
            answer = requests.get(location, allow_redirects=False, timeout=10)
            assert answer.status_code == 302, answer.text
            back = urlsplit(answer.headers["Location"])
            response = client.get(f"{back.path}?{back.query}", headers=headers)
        elif parts.path.startswith("/accounts/sso/") or parts.path == "/accounts/login/":
            response = client.get(location, headers=headers)
        else:
            return response
    raise AssertionError("too many redirects")


def signed_in_as(client: Client):
    from django.contrib.auth import get_user

    class _Request:
        session = client.session

    return get_user(_Request())
