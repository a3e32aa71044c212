"""What the 企业微信 and 钉钉 clients share: a JSON call over HTTP with a timeout, the
corporate access token kept in the shared cache, and one error type that says whether
trying again later can help.

No maintained Python library fits the few calls needed: wechatpy's last release was in
2021, and DingTalk's official SDK (alibabacloud-dingtalk) is a generated package of
hundreds of modules and its own runtime for four endpoints. Both clients are small and
sit on `requests`, so a private deployment (政务微信, 专属钉钉) is a base URL away.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache


class PlatformError(Exception):
    """A call the platform refused or that did not arrive. `retryable`: a later try may
    succeed (network, server busy, rate limit); otherwise the request itself is wrong
    (an unknown user, an app not allowed)."""

    def __init__(self, message: str, *, code: Any = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


def http_json(
    method: str,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One call; the answer's JSON object. A network failure, a 5xx or 429 is retryable."""
    try:
        response = requests.request(
            method,
            url,
            params=params,
            json=json,
            headers=headers,
            timeout=settings.JIFEN_PUSH_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise PlatformError(f"{url}: {exc.__class__.__name__}", retryable=True) from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise PlatformError(f"{url}: HTTP {response.status_code}", retryable=True)
    try:
        data = response.json()
    except ValueError as exc:
        raise PlatformError(f"{url}: HTTP {response.status_code}, not JSON") from exc
    if not isinstance(data, dict):
        raise PlatformError(f"{url}: HTTP {response.status_code}, not a JSON object")
    if response.status_code >= 400 and "errcode" not in data:
        raise PlatformError(f"{url}: HTTP {response.status_code} {data}", code=response.status_code)
    return data


def cached_token(name: str, parts: tuple[str, ...], fetch: Callable[[], tuple[str, int]]) -> str:
    """A corporate access token from the shared cache, fetched when missing. `parts` (the
    API address and the app's id) name it, so two apps or a test's fake never share one;
    it is dropped five minutes before the platform says it expires."""
    key = _token_key(name, parts)
    token = cache.get(key)
    if token:
        return str(token)
    token, expires_in = fetch()
    cache.set(key, token, timeout=max(60, expires_in - 300))
    return token


def forget_token(name: str, parts: tuple[str, ...]) -> None:
    cache.delete(_token_key(name, parts))


def _token_key(name: str, parts: tuple[str, ...]) -> str:
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]
    return f"platform-token:{name}:{digest}"
