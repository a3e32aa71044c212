"""Sign-in through a generic OpenID Connect provider (mozilla-django-oidc).

The library runs the code flow (state, nonce, PKCE, the token's signature against the
provider's keys); here the verified claims find the member by the unit's key instead of
making a login. A provider that reports a second factor in `amr` (JIFEN_OIDC_MFA_AMR)
counts as two-factor sign-in; otherwise our own code is asked as after a password.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from . import providers
from .linking import Identity, SignInRefused, identity_user
from .views import finish_audit, manual_login_url, provider_failed

logger = logging.getLogger(__name__)
OIDC = providers.Provider.OIDC


def _values(claim: Any) -> list[str]:
    if isinstance(claim, list | tuple):
        return [str(value) for value in claim]
    return [str(claim)] if claim not in (None, "") else []


class LinkedOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        # Only the callback passes a nonce: a password sign-in never reaches the provider.
        if request is None or "nonce" not in kwargs or not providers.oidc_on():
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, ValueError) as error:
            logger.warning("OIDC sign-in failed: %s", error)
            request.jifen_sso_error = error
            return None

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> Any:
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        key = _values(claims.get(settings.JIFEN_OIDC_MATCH_CLAIM))
        identity = Identity(
            provider=OIDC,
            external_id=str(payload.get("sub", "")),
            key_value=key[0] if key else "",
            second_factor=bool(set(_values(payload.get("amr"))) & set(settings.JIFEN_OIDC_MFA_AMR)),
        )
        request = self.request
        try:
            user = identity_user(identity)
        except SignInRefused as refused:
            request.jifen_sso_refusal = refused
            return None
        request.jifen_sso_identity = identity
        return user

    def get_user(self, user_id: Any) -> Any:
        return ModelBackend.get_user(self, user_id)


class OIDCStart(OIDCAuthenticationRequestView):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not providers.oidc_on():
            raise Http404
        return super().get(request)


class OIDCCallback(OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not providers.oidc_on():
            raise Http404
        return super().get(request)

    def login_failure(self) -> HttpResponse:
        request = self.request
        refused = getattr(request, "jifen_sso_refusal", None)
        if refused is not None:
            messages.error(request, refused.message)
            return redirect(manual_login_url(request))
        error = getattr(request, "jifen_sso_error", None) or request.GET.get("error", "refused")
        return provider_failed(request, OIDC, Exception(str(error)))

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        identity = getattr(self.request, "jifen_sso_identity", None)
        if identity is not None:
            finish_audit(self.request, self.user, identity)
        return response
