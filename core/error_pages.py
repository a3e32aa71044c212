"""Error answers as pages in the site's layout (templates/errors/page.html), in Chinese.

Django's own handlers render templates/400.html, 403.html, 403_csrf.html, 404.html and
500.html; code that answers an error itself (core.idempotency) uses `error_page`. A
page says what happened and how to go on, never anything about the request itself.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def error_page(request: HttpRequest, *, status: int, heading: str, message: str) -> HttpResponse:
    return render(
        request,
        "errors/page.html",
        {"status": status, "heading": heading, "message": message},
        status=status,
    )
