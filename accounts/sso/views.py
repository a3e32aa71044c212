"""Signing in through 企业微信 and 钉钉 (OAuth2 code flow), and what every provider's
sign-in shares: the state kept in the session, the way back, the audit row.

The callback is a GET by the protocol: the provider sends the browser back with a code.
It writes the link (first time), the last use and the audit row; nothing else does.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.dingtalk import DingTalk
from core.platforms import PlatformError
from core.wecom import WeCom

from . import providers
from .linking import Identity, SignInRefused, identity_user, mark_second_factor

STATE_KEY = "jifen_sso_state"
BACKEND = "accounts.sso.backends.ExternalIdentityBackend"


def safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse(settings.LOGIN_REDIRECT_URL)


def manual_login_url(request: HttpRequest) -> str:
    """The sign-in page with the password form, never sent on to a provider again."""
    return reverse("accounts:login") + "?manual=1"


def callback_url(request: HttpRequest, name: str) -> str:
    path = reverse(name)
    site = settings.JIFEN_SITE_URL
    return f"{site}{path}" if site else request.build_absolute_uri(path)


def _remember_state(request: HttpRequest, provider: str) -> str:
    state = secrets.token_urlsafe(24)
    request.session[STATE_KEY] = {
        "state": state,
        "provider": provider,
        "next": safe_next(request, request.GET.get("next", "")),
    }
    return state


def _take_state(request: HttpRequest, provider: str) -> dict[str, Any] | None:
    saved = request.session.pop(STATE_KEY, None)
    given = request.GET.get("state", "")
    if (
        not isinstance(saved, dict)
        or saved.get("provider") != provider
        or not given
        or not constant_time_compare(given, saved.get("state", ""))
    ):
        return None
    return saved


def finish_sign_in(request: HttpRequest, identity: Identity, next_url: str) -> HttpResponse:
    """Sign in as the identity's member (linking it the first time), or say why not."""
    try:
        user = identity_user(identity)
    except SignInRefused as refused:
        messages.error(request, refused.message)
        return redirect(manual_login_url(request))
    login(request, user, backend=BACKEND)
    finish_audit(request, user, identity)
    return redirect(next_url or reverse(settings.LOGIN_REDIRECT_URL))


def finish_audit(request: HttpRequest, user: Any, identity: Identity) -> None:
    """After any provider's sign-in: the second factor as the provider gave it, the audit."""
    mark_second_factor(request, identity)
    audit_record(
        action="accounts.login",
        actor=user,
        obj=user,
        after={"provider": identity.provider, "external_id": identity.external_id},
    )


def provider_failed(request: HttpRequest, provider: str, error: Exception) -> HttpResponse:
    """The provider could not be reached or refused the code: audited, said plainly."""
    audit_record(
        action="accounts.login_failed",
        object_repr=provider,
        after={"provider": provider, "reason": "provider_error", "error": str(error)[:200]},
    )
    messages.error(
        request,
        _(
            "Signing in through %(provider)s did not succeed. Please try again, or sign in "
            "with your user name and password."
        )
        % {"provider": providers.Provider(provider).label},
    )
    return redirect(manual_login_url(request))


def _bad_state(request: HttpRequest) -> HttpResponse:
    messages.error(
        request,
        _("The sign-in took too long or was opened twice. Please sign in again."),
    )
    return redirect(manual_login_url(request))


def _start(request: HttpRequest, provider: str, client: WeCom | DingTalk) -> HttpResponse:
    """To the platform's authorisation page (silently inside its own app on a phone)."""
    url = client.authorize_url(
        redirect_uri=callback_url(request, f"accounts:sso_{provider}_callback"),
        state=_remember_state(request, provider),
        in_app=providers.in_app(request) == provider,
    )
    return redirect(url)


# --- 企业微信 ------------------------------------------------------------------------


def wecom_start(request: HttpRequest) -> HttpResponse:
    providers.check_wecom_on()
    return _start(request, providers.Provider.WECOM, WeCom.from_settings())


def wecom_callback(request: HttpRequest) -> HttpResponse:
    providers.check_wecom_on()
    saved = _take_state(request, providers.Provider.WECOM)
    code = request.GET.get("code", "")
    if saved is None or not code:
        return _bad_state(request)
    client = WeCom.from_settings()
    claim = settings.JIFEN_WECOM_MATCH_CLAIM
    try:
        user_id = client.user_id_from_code(code)
        key_value = user_id if claim == "userid" else str(client.user(user_id).get(claim) or "")
    except PlatformError as error:
        return provider_failed(request, providers.Provider.WECOM, error)
    identity = Identity(provider=providers.Provider.WECOM, external_id=user_id, key_value=key_value)
    return finish_sign_in(request, identity, saved["next"])


# --- 钉钉 ---------------------------------------------------------------------------


def dingtalk_start(request: HttpRequest) -> HttpResponse:
    providers.check_dingtalk_on()
    return _start(request, providers.Provider.DINGTALK, DingTalk.from_settings())


def dingtalk_callback(request: HttpRequest) -> HttpResponse:
    providers.check_dingtalk_on()
    saved = _take_state(request, providers.Provider.DINGTALK)
    code = request.GET.get("authCode") or request.GET.get("code", "")
    if saved is None or not code:
        return _bad_state(request)
    try:
        record = DingTalk.from_settings().identity_from_code(code)
    except PlatformError as error:
        return provider_failed(request, providers.Provider.DINGTALK, error)
    identity = Identity(
        provider=providers.Provider.DINGTALK,
        external_id=record["userid"],
        key_value=str(record.get(settings.JIFEN_DINGTALK_MATCH_CLAIM) or ""),
    )
    return finish_sign_in(request, identity, saved["next"])
