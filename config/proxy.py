"""The client's address behind nginx.

Behind a reverse proxy REMOTE_ADDR is the proxy's address, so every voter would share
one appraisal code rate limit and the audit log would name nginx. When the request
comes from a proxy listed in JIFEN_TRUSTED_PROXIES (addresses or networks, comma
separated), REMOTE_ADDR becomes the nearest address in X-Forwarded-For that is not a
trusted proxy. Requests from anywhere else keep their own address: a client cannot
choose its address by sending the header itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(value: str) -> list[Network]:
    return [
        ipaddress.ip_network(part.strip(), strict=False)
        for part in value.split(",")
        if part.strip()
    ]


def _trusted(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(remote: str, forwarded: str, networks: list[Network]) -> str:
    if not networks or not _trusted(remote, networks):
        return remote
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote
    return remote


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.networks = trusted_networks(getattr(settings, "JIFEN_TRUSTED_PROXIES", ""))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META["REMOTE_ADDR"] = client_address(
            request.META.get("REMOTE_ADDR", ""),
            request.META.get("HTTP_X_FORWARDED_FOR", ""),
            self.networks,
        )
        return self.get_response(request)
