"""Sign-in through the unit's CAS server (django-cas-ng).

The library sends the browser to CAS and validates the ticket that comes back; here the
CAS user (or one of its attributes, JIFEN_CAS_MATCH_ATTRIBUTE) finds the member by the
unit's key instead of a login of the same name. CAS gives one factor: the two-factor
rules stand as after a password.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_cas_ng.backends import CASBackend
from django_cas_ng.utils import get_cas_client
from django_cas_ng.views import LoginView

from . import providers
from .linking import Identity, SignInRefused, identity_user
from .views import finish_audit, manual_login_url, provider_failed

logger = logging.getLogger(__name__)
CAS = providers.Provider.CAS


class LinkedCASBackend(CASBackend):
    # django-cas-ng's backend takes the ticket and the service, not Django's username and
    # password: authenticate() hands each backend the keywords it was given.
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest, ticket: str, service: str
    ) -> Any:
        if request is None or not providers.cas_on():
            return None
        client = get_cas_client(service_url=service, request=request)
        try:
            username, attributes, _pgtiou = client.verify_ticket(ticket)
        except (requests.RequestException, ValueError) as error:
            logger.warning("CAS ticket check failed: %s", error)
            request.jifen_sso_error = error  # type: ignore[attr-defined]
            return None
        if not username:
            return None
        attribute = settings.JIFEN_CAS_MATCH_ATTRIBUTE
        key: Any = (attributes or {}).get(attribute) if attribute else username
        if isinstance(key, list):
            key = key[0] if key else ""
        identity = Identity(provider=CAS, external_id=str(username), key_value=str(key or ""))
        try:
            user = identity_user(identity)
        except SignInRefused as refused:
            request.jifen_sso_refusal = refused  # type: ignore[attr-defined]
            return None
        request.jifen_sso_identity = identity  # type: ignore[attr-defined]
        return user

    def get_user(self, user_id: Any) -> Any:
        return ModelBackend.get_user(self, user_id)


class CASSignIn(LoginView):
    """To CAS without a ticket; with one, validate it and sign in."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not providers.cas_on():
            raise Http404
        try:
            return super().get(request)
        except PermissionDenied:
            refused = getattr(request, "jifen_sso_refusal", None)
            if refused is not None:
                messages.error(request, refused.message)
                return redirect(manual_login_url(request))
            error = getattr(request, "jifen_sso_error", None) or "ticket refused"
            return provider_failed(request, CAS, Exception(str(error)))

    def post(self, request: HttpRequest) -> HttpResponse:
        raise Http404  # single logout is not offered: sessions end here or time out

    def successful_login(self, request: HttpRequest, next_page: str) -> HttpResponse:
        identity = getattr(request, "jifen_sso_identity", None)
        if identity is not None:
            finish_audit(request, request.user, identity)
        return super().successful_login(request, next_page)
