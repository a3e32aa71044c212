"""电子屏: the office display at a secret address (no login). Publicity sets screens up
(publicity/views_screens.py); the display lives here, above publicity and oversight,
because it shows both the points published and oversight's exemplary cases. Its
addresses and names stay publicity's (`publicity:lobby`, config/urls.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit.services import chain_head
from oversight.public import public_cases
from publicity import selectors
from publicity.models import Screen
from publicity.permissions import get_screen_by_token


def _private(response: HttpResponse) -> HttpResponse:
    """The address is the screen's only secret: keep it out of referrers, caches and indexes."""
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


LOBBY_CASES = 12
CASE_EXCERPT = 120


def _cases(screen: Screen) -> list[dict[str, str]]:
    """The published exemplary cases of the screen's committee (every committee's for a screen
    of all branches): title, an excerpt, the names and the first chosen photo."""
    committee_id = screen.branch.committee().pk if screen.branch is not None else None
    return [
        {
            "title": case.title,
            "text": Truncator(case.text).chars(CASE_EXCERPT),
            "branch": case.branch_name,
            "name": case.member_name,
            "photo": case.photo_urls[0] if case.photo_urls else "",
        }
        for case in public_cases(committee_id=committee_id, limit=LOBBY_CASES)
    ]


def _lobby_data(screen: Screen) -> dict[str, Any]:
    data = selectors.lobby_data(screen)
    data["labels"]["cases"] = _("Exemplary cases")
    data["cases"] = _cases(screen)
    # The clock shows Beijing time, whatever zone the display device was set up with.
    data["time_zone"] = settings.TIME_ZONE
    head = chain_head()
    data["audit_head"] = head.short if head else ""
    return data


@require_GET
def lobby(request: HttpRequest, token: str) -> HttpResponse:
    """The full-screen leaderboard; an unknown or revoked address is 404."""
    screen = get_screen_by_token(token)
    return _private(
        render(
            request,
            "publicity/lobby.html",
            {
                "screen": screen,
                "data": _lobby_data(screen),
                "data_url": reverse("publicity:lobby_data", kwargs={"token": screen.token}),
            },
        )
    )


@require_GET
def lobby_data(request: HttpRequest, token: str) -> HttpResponse:
    """The same data as JSON, fetched by the screen every few minutes."""
    screen = get_screen_by_token(token)
    return _private(JsonResponse(_lobby_data(screen), json_dumps_params={"ensure_ascii": False}))
