"""Sign-in with the unit's directory password (django-auth-ldap), on the usual form.

The user name and password typed are checked by binding to the directory; the entry's
attribute JIFEN_LDAP_MATCH_ATTRIBUTE (employeeNumber, mobile …) finds the member by the
unit's key. The directory is never asked to make a login, and nothing is copied from it.
A password is one factor: the two-factor rules stand.
"""

from __future__ import annotations

from typing import Any

import ldap
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django_auth_ldap.backend import LDAPBackend, _LDAPUser
from django_auth_ldap.config import LDAPSearch, LDAPSettings

from . import providers
from .linking import Identity, SignInRefused, identity_user

LDAP = providers.Provider.LDAP


class LinkedLDAPBackend(LDAPBackend):
    _settings: LDAPSettings | None  # untyped in django-auth-ldap; set on first use

    def authenticate(
        self, request: Any, username: Any = None, password: Any = None, **kwargs: Any
    ) -> Any:
        if not providers.ldap_on() or not username or not password:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    @property  # type: ignore[override]
    def settings(self) -> Any:
        if self._settings is None:
            ldap_settings = LDAPSettings(self.settings_prefix, self.default_settings)
            if ldap_settings.USER_SEARCH is None and django_settings.JIFEN_LDAP_USER_BASE:
                ldap_settings.USER_SEARCH = LDAPSearch(
                    django_settings.JIFEN_LDAP_USER_BASE,
                    ldap.SCOPE_SUBTREE,
                    django_settings.JIFEN_LDAP_USER_FILTER,
                )
            self._settings = ldap_settings
        return self._settings

    @settings.setter
    def settings(self, value: Any) -> None:
        self._settings = value

    def get_or_build_user(self, username: str, ldap_user: _LDAPUser) -> tuple[Any, bool]:
        name = django_settings.JIFEN_LDAP_MATCH_ATTRIBUTE
        attrs = ldap_user.attrs or {}
        values = attrs.get(name) or attrs.get(name.lower()) or []
        identity = Identity(
            provider=LDAP, external_id=ldap_user.dn, key_value=values[0] if values else ""
        )
        try:
            return identity_user(identity), False
        except SignInRefused as refused:
            request = getattr(ldap_user, "_request", None) or getattr(self, "request", None)
            if request is not None:
                request.jifen_sso_refusal = refused
            raise ldap_user.AuthenticationFailed(refused.reason) from refused

    def get_user(self, user_id: Any) -> Any:
        """The session's user, without asking the directory; a disabled login is none."""
        user = get_user_model()._default_manager.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None
