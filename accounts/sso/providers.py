"""Which providers the deployment turned on, as the sign-in page shows them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from core.dingtalk import DingTalk
from core.wecom import WeCom

from ..models import ExternalIdentity

Provider = ExternalIdentity.Provider


@dataclass(frozen=True)
class SignInButton:
    code: str
    label: str
    url: str
    icon: str


def wecom_on() -> bool:
    return settings.JIFEN_WECOM_SIGNIN and WeCom.from_settings().configured


def dingtalk_on() -> bool:
    return settings.JIFEN_DINGTALK_SIGNIN and DingTalk.from_settings().configured


def oidc_on() -> bool:
    return settings.JIFEN_OIDC_SIGNIN and bool(
        settings.OIDC_RP_CLIENT_ID
        and settings.OIDC_OP_AUTHORIZATION_ENDPOINT
        and settings.OIDC_OP_TOKEN_ENDPOINT
    )


def cas_on() -> bool:
    return settings.JIFEN_CAS_SIGNIN and bool(settings.CAS_SERVER_URL)


def ldap_on() -> bool:
    return settings.JIFEN_LDAP_SIGNIN and bool(settings.AUTH_LDAP_SERVER_URI)


def buttons(next_url: str = "") -> list[SignInButton]:
    """The sign-in page's buttons, one per provider turned on (LDAP uses the form)."""
    query = "?" + urlencode({"next": next_url}) if next_url else ""
    found = []
    if wecom_on():
        found.append(
            SignInButton(
                Provider.WECOM,
                _("Sign in with WeCom"),
                reverse("accounts:sso_wecom") + query,
                "bi-wechat",
            )
        )
    if dingtalk_on():
        found.append(
            SignInButton(
                Provider.DINGTALK,
                _("Sign in with DingTalk"),
                reverse("accounts:sso_dingtalk") + query,
                "bi-chat-dots",
            )
        )
    if oidc_on():
        label = settings.JIFEN_OIDC_NAME or _("the unit's single sign-on")
        found.append(
            SignInButton(
                Provider.OIDC,
                _("Sign in with %(name)s") % {"name": label},
                reverse("accounts:sso_oidc") + query,
                "bi-shield-check",
            )
        )
    if cas_on():
        label = settings.JIFEN_CAS_NAME or _("the unit's single sign-on")
        found.append(
            SignInButton(
                Provider.CAS,
                _("Sign in with %(name)s") % {"name": label},
                reverse("accounts:sso_cas") + query,
                "bi-building-lock",
            )
        )
    return found


def in_app(request: HttpRequest) -> str:
    """The provider whose phone app shows this page ("" in an ordinary browser), when that
    provider is turned on: WeCom's browser says wxwork, DingTalk's DingTalk."""
    agent = request.headers.get("User-Agent", "").lower()
    if "wxwork" in agent and wecom_on():
        return Provider.WECOM
    if "dingtalk" in agent and dingtalk_on():
        return Provider.DINGTALK
    return ""


def check_wecom_on() -> None:
    """企业微信 sign-in's pages exist only while it is switched on and configured; else 404."""
    if not wecom_on():
        raise Http404


def check_dingtalk_on() -> None:
    """钉钉 sign-in's pages exist only while it is switched on and configured; else 404."""
    if not dingtalk_on():
        raise Http404
