"""Every named URL of the site, found from the resolver: new pages are walked too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

SKIPPED_PREFIXES = ("static/", "media/", "^static/", "^media/", "__")


@dataclass(frozen=True)
class Page:
    name: str  # namespaced URL name, e.g. "summaries:card"
    route: str
    converters: dict[str, Any]  # kwarg name -> converter


def walk(
    resolver: URLResolver | None = None, namespace: str = "", route: str = ""
) -> Iterator[Page]:
    """Every named URL pattern of the site, whatever app added it (static and media left out)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        here = route + str(pattern.pattern)
        if here.startswith(SKIPPED_PREFIXES):
            continue
        converters = dict(getattr(pattern.pattern, "converters", {}))
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            for page in walk(pattern, ns, here):
                yield Page(page.name, page.route, {**converters, **page.converters})
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield Page(f"{namespace}{pattern.name}", here, converters)


def simple_kwargs(page: Page, *, code: str, pk: int, year: int) -> dict[str, Any]:
    """One plausible set of arguments: years, pks and codes."""
    kwargs: dict[str, Any] = {}
    for name, converter in page.converters.items():
        if "year" in name:
            kwargs[name] = year
        elif isinstance(converter, IntConverter):
            kwargs[name] = 1 if name in ("half", "quarter", "month") else pk
        else:
            kwargs[name] = code
    return kwargs
