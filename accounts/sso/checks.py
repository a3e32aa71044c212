"""`manage.py check`: a provider turned on without what it needs is an error at start,
not a broken button at the first sign-in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error

from config.settings.integrations import ldap_installed

# switch -> (setting, the environment variable that sets it) it cannot do without
NEEDS = {
    "JIFEN_WECOM_SIGNIN": [
        ("JIFEN_WECOM_CORP_ID", "JIFEN_WECOM_CORP_ID"),
        ("JIFEN_WECOM_AGENT_ID", "JIFEN_WECOM_AGENT_ID"),
        ("JIFEN_WECOM_SECRET", "JIFEN_WECOM_SECRET"),
    ],
    "JIFEN_DINGTALK_SIGNIN": [
        ("JIFEN_DINGTALK_CLIENT_ID", "JIFEN_DINGTALK_CLIENT_ID"),
        ("JIFEN_DINGTALK_CLIENT_SECRET", "JIFEN_DINGTALK_CLIENT_SECRET"),
    ],
    "JIFEN_OIDC_SIGNIN": [
        ("OIDC_RP_CLIENT_ID", "JIFEN_OIDC_CLIENT_ID"),
        ("OIDC_OP_AUTHORIZATION_ENDPOINT", "JIFEN_OIDC_AUTHORIZATION_ENDPOINT"),
        ("OIDC_OP_TOKEN_ENDPOINT", "JIFEN_OIDC_TOKEN_ENDPOINT"),
        ("OIDC_OP_USER_ENDPOINT", "JIFEN_OIDC_USERINFO_ENDPOINT"),
        ("OIDC_OP_JWKS_ENDPOINT", "JIFEN_OIDC_JWKS_ENDPOINT"),
    ],
    "JIFEN_CAS_SIGNIN": [("CAS_SERVER_URL", "JIFEN_CAS_SERVER_URL")],
    "JIFEN_LDAP_SIGNIN": [
        ("AUTH_LDAP_SERVER_URI", "JIFEN_LDAP_URI"),
        ("JIFEN_LDAP_USER_BASE", "JIFEN_LDAP_USER_BASE"),
    ],
}


def check_sso_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    for switch, needed in NEEDS.items():
        if not getattr(settings, switch, False):
            continue
        missing = [env for name, env in needed if not getattr(settings, name, "")]
        if missing:
            errors.append(Error(f"{switch}=1 needs {', '.join(missing)}.", id="jifen.E201"))
    if getattr(settings, "JIFEN_LDAP_SIGNIN", False) and not ldap_installed():
        errors.append(
            Error(
                "JIFEN_LDAP_SIGNIN=1 needs python-ldap and django-auth-ldap: install Debian's "
                "libldap2-dev and libsasl2-dev, then `pip install -e .[ldap]` (or `make setup`).",
                id="jifen.E202",
            )
        )
    return errors
