"""Where people already are: sign-in through the unit's identity providers and messages
pushed to their phones. Everything here is off until the deployment's environment turns it
on (README, "Sign-in through the unit's accounts" and "Messages pushed to phones").

Imported by base.py; each value is read from an environment variable of the same name.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from django.core.exceptions import ImproperlyConfigured


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _flag(name: str) -> bool:
    return _env(name, "0") == "1"


def _list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in _env(name, default).split(",") if part.strip()]


# --- sign-in ------------------------------------------------------------------------

# The member field an external identity is matched on at its first sign-in: the unit's
# choice of key. job_number (工号), phone, or username (the login's own name).
JIFEN_SSO_LINK_FIELD = _env("JIFEN_SSO_LINK_FIELD", "job_number")
if JIFEN_SSO_LINK_FIELD not in ("job_number", "phone", "username"):
    raise ImproperlyConfigured("JIFEN_SSO_LINK_FIELD must be job_number, phone or username.")

# 企业微信 (WeCom, also a private deployment such as 政务微信: point the URLs at it).
JIFEN_WECOM_SIGNIN = _flag("JIFEN_WECOM_SIGNIN")
JIFEN_WECOM_CORP_ID = _env("JIFEN_WECOM_CORP_ID")
JIFEN_WECOM_AGENT_ID = _env("JIFEN_WECOM_AGENT_ID")
JIFEN_WECOM_SECRET = _env("JIFEN_WECOM_SECRET")
JIFEN_WECOM_API_URL = _env("JIFEN_WECOM_API_URL", "https://qyapi.weixin.qq.com")
JIFEN_WECOM_OAUTH_URL = _env("JIFEN_WECOM_OAUTH_URL", "https://open.weixin.qq.com")
JIFEN_WECOM_QR_URL = _env("JIFEN_WECOM_QR_URL", "https://login.work.weixin.qq.com")
# Which of WeCom's fields holds the key: userid (units often set it to the job number),
# mobile or email (read from the member's WeCom record).
JIFEN_WECOM_MATCH_CLAIM = _env("JIFEN_WECOM_MATCH_CLAIM", "userid")

# 钉钉 (DingTalk).
JIFEN_DINGTALK_SIGNIN = _flag("JIFEN_DINGTALK_SIGNIN")
JIFEN_DINGTALK_CLIENT_ID = _env("JIFEN_DINGTALK_CLIENT_ID")  # the app's AppKey
JIFEN_DINGTALK_CLIENT_SECRET = _env("JIFEN_DINGTALK_CLIENT_SECRET")
JIFEN_DINGTALK_AGENT_ID = _env("JIFEN_DINGTALK_AGENT_ID")
JIFEN_DINGTALK_CORP_ID = _env("JIFEN_DINGTALK_CORP_ID")
JIFEN_DINGTALK_API_URL = _env("JIFEN_DINGTALK_API_URL", "https://api.dingtalk.com")
JIFEN_DINGTALK_OAPI_URL = _env("JIFEN_DINGTALK_OAPI_URL", "https://oapi.dingtalk.com")
JIFEN_DINGTALK_LOGIN_URL = _env("JIFEN_DINGTALK_LOGIN_URL", "https://login.dingtalk.com")
# job_number (工号 in the DingTalk address book), mobile or userid.
JIFEN_DINGTALK_MATCH_CLAIM = _env("JIFEN_DINGTALK_MATCH_CLAIM", "job_number")

# A generic OpenID Connect provider (mozilla-django-oidc).
JIFEN_OIDC_SIGNIN = _flag("JIFEN_OIDC_SIGNIN")
JIFEN_OIDC_NAME = _env("JIFEN_OIDC_NAME")  # the button's label, e.g. 统一身份认证
OIDC_RP_CLIENT_ID = _env("JIFEN_OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = _env("JIFEN_OIDC_CLIENT_SECRET")
OIDC_OP_AUTHORIZATION_ENDPOINT = _env("JIFEN_OIDC_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = _env("JIFEN_OIDC_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = _env("JIFEN_OIDC_USERINFO_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = _env("JIFEN_OIDC_JWKS_ENDPOINT")
OIDC_RP_SIGN_ALGO = _env("JIFEN_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = _env("JIFEN_OIDC_SCOPES", "openid profile")
OIDC_CREATE_USER = False  # an identity links to an existing member, never makes a login
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = False
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso_oidc_callback"
OIDC_TIMEOUT = 10
JIFEN_OIDC_MATCH_CLAIM = _env("JIFEN_OIDC_MATCH_CLAIM", "employee_number")
# amr values (RFC 8176) that show the provider asked for a second factor; such a sign-in
# counts as two-factor here. Empty: our own code is asked as after a password.
JIFEN_OIDC_MFA_AMR = _list("JIFEN_OIDC_MFA_AMR", "mfa,otp,hwk,sc")

# CAS (django-cas-ng).
JIFEN_CAS_SIGNIN = _flag("JIFEN_CAS_SIGNIN")
JIFEN_CAS_NAME = _env("JIFEN_CAS_NAME")
CAS_SERVER_URL = _env("JIFEN_CAS_SERVER_URL")
CAS_VERSION = _env("JIFEN_CAS_VERSION", "3")
CAS_CREATE_USER = False
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_REDIRECT_URL = "/"
CAS_CHECK_NEXT = True
# The CAS attribute holding the key; empty: the CAS user name itself.
JIFEN_CAS_MATCH_ATTRIBUTE = _env("JIFEN_CAS_MATCH_ATTRIBUTE")

# LDAP (django-auth-ldap): the user name and password typed on our sign-in form.
JIFEN_LDAP_SIGNIN = _flag("JIFEN_LDAP_SIGNIN")
AUTH_LDAP_SERVER_URI = _env("JIFEN_LDAP_URI")
AUTH_LDAP_BIND_DN = _env("JIFEN_LDAP_BIND_DN")
AUTH_LDAP_BIND_PASSWORD = _env("JIFEN_LDAP_BIND_PASSWORD")
AUTH_LDAP_START_TLS = _flag("JIFEN_LDAP_START_TLS")
JIFEN_LDAP_USER_BASE = _env("JIFEN_LDAP_USER_BASE")
JIFEN_LDAP_USER_FILTER = _env("JIFEN_LDAP_USER_FILTER", "(uid=%(user)s)")
# The directory attribute holding the key, e.g. employeeNumber or mobile.
JIFEN_LDAP_MATCH_ATTRIBUTE = _env("JIFEN_LDAP_MATCH_ATTRIBUTE", "employeeNumber")
AUTH_LDAP_ALWAYS_UPDATE_USER = False
AUTH_LDAP_CONNECTION_OPTIONS: dict[Any, Any] = {}


def ldap_installed() -> bool:
    return importlib.util.find_spec("ldap") is not None and (
        importlib.util.find_spec("django_auth_ldap") is not None
    )


def sso_backends() -> list[str]:
    """The providers' authentication backends, after the password one. Each answers only
    while its JIFEN_*_SIGNIN is on, so a deployment turns a provider on with one variable."""
    return [
        # LDAP only where python-ldap is installed (the `ldap` extra, see the README).
        *(["accounts.sso.ldap.LinkedLDAPBackend"] if ldap_installed() else []),
        "accounts.sso.oidc.LinkedOIDCBackend",
        "accounts.sso.cas.LinkedCASBackend",
        # WeCom and DingTalk sign in through accounts.sso.views with this one.
        "accounts.sso.backends.ExternalIdentityBackend",
    ]


# --- messages pushed to phones -------------------------------------------------------

# The push channels the deployment offers besides the in-app list: wecom, dingtalk, sms.
JIFEN_PUSH_CHANNELS = _list("JIFEN_PUSH_CHANNELS")
# Channels on for a member who has not chosen (the account page's message settings).
JIFEN_PUSH_DEFAULT_CHANNELS = _list(
    "JIFEN_PUSH_DEFAULT_CHANNELS", ",".join(c for c in JIFEN_PUSH_CHANNELS if c != "sms")
)
# Quiet hours for a member who has not chosen: nothing is pushed then; it waits till the end.
JIFEN_QUIET_HOURS = _env("JIFEN_QUIET_HOURS", "22:00-07:00")
# The address links in pushed messages lead to (the site as members reach it).
JIFEN_SITE_URL = _env("JIFEN_SITE_URL").rstrip("/")
JIFEN_PUSH_MAX_ATTEMPTS = int(_env("JIFEN_PUSH_MAX_ATTEMPTS", "8"))
JIFEN_PUSH_TIMEOUT = float(_env("JIFEN_PUSH_TIMEOUT", "10"))

# SMS through the unit's HTTP gateway: a request per message, the body made from a template.
JIFEN_SMS_URL = _env("JIFEN_SMS_URL")
JIFEN_SMS_METHOD = _env("JIFEN_SMS_METHOD", "POST").upper()
JIFEN_SMS_CONTENT_TYPE = _env("JIFEN_SMS_CONTENT_TYPE", "application/json")
JIFEN_SMS_BODY = _env(
    "JIFEN_SMS_BODY", '{"mobile": "{phone}", "content": "{text}", "requestId": "{key}"}'
)
JIFEN_SMS_HEADERS = _env("JIFEN_SMS_HEADERS")  # "Name: value" lines separated by "|"
JIFEN_SMS_TEXT = _env("JIFEN_SMS_TEXT", "【奉献积分】{title}")
JIFEN_SMS_OK = _env("JIFEN_SMS_OK")  # "field=value" the JSON answer must hold; empty: any 2xx


def queue_from_env() -> dict[str, Any]:
    """django-q2's cluster (the worker that drains the outbox), from JIFEN_QUEUE_URL:
    `orm://` the database itself (the default: no service to run), `redis://host:6379/1`
    Redis, `sync://` every task run at once in the process that queues it."""
    url = _env("JIFEN_QUEUE_URL", "orm://")
    scheme = url.split("://", 1)[0].lower()
    cluster: dict[str, Any] = {
        "name": "jifen",
        "workers": int(_env("JIFEN_QUEUE_WORKERS", "2")),
        # A task's time limit (deliveries are HTTP calls of at most JIFEN_PUSH_TIMEOUT s each),
        # and when a task taken but never finished (its worker killed) runs again.
        "timeout": int(_env("JIFEN_QUEUE_TIMEOUT", "60")),
        "retry": int(_env("JIFEN_QUEUE_RETRY", "90")),
        "max_attempts": 3,
        "ack_failures": True,
        "catch_up": False,
        "save_limit": 250,
        "label": "Task queue",
        "poll": 1,
    }
    if scheme == "orm":
        cluster["orm"] = "default"
    elif scheme in ("redis", "rediss", "unix"):
        cluster["redis"] = url
    elif scheme == "sync":
        cluster["orm"] = "default"
        cluster["sync"] = True
    else:
        raise ImproperlyConfigured(
            f"JIFEN_QUEUE_URL must start with orm://, redis://, rediss://, unix:// or sync://, "
            f"not {scheme}://"
        )
    return cluster


Q_CLUSTER = queue_from_env()
