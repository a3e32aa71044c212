"""Irreversible steps are confirmed on a page that says what will happen.

A view whose step cannot be undone (closing, confirming, publishing, spoiling, vetoing,
disabling a login) answers its first POST with `confirm_page`: what will happen, to
whom, what cannot be undone, and a form that posts the same fields again with
`confirmed=1`. Plain HTML, no script: it works without JavaScript under the CSP.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .idempotency import FIELD as IDEMPOTENCY_FIELD

CONFIRMED = "confirmed"
_NOT_REPOSTED = {"csrfmiddlewaretoken", IDEMPOTENCY_FIELD, CONFIRMED}


@dataclass
class Confirmation:
    title: str  # the step, e.g. “关闭2026年下半年”
    happens: str  # what will happen
    affects: str  # to whom
    irreversible: str  # what cannot be undone afterwards
    button: str  # the label of the button that does it
    back: str  # where “back” leads, changing nothing
    details: list[str] = field(default_factory=list)  # further facts worth reading first
    danger: bool = True


def confirmed(request: HttpRequest) -> bool:
    """Whether this POST comes from the confirmation page."""
    return request.method == "POST" and request.POST.get(CONFIRMED) == "1"


def confirm_page(request: HttpRequest, confirmation: Confirmation) -> HttpResponse:
    """The page that asks once more, reposting every field of the request to its own path."""
    fields = [
        (name, value)
        for name in request.POST
        if name not in _NOT_REPOSTED
        for value in request.POST.getlist(name)
    ]
    return render(
        request,
        "core/confirm.html",
        {"confirmation": confirmation, "fields": fields, "action": request.get_full_path()},
    )
