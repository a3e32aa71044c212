"""电子屏: the office display at a secret address (no login), and the committee's list of
screens where they are set up and revoked."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import chain_head
from core.errors import DomainError
from core.qr import qr_svg
from organizations.permissions import scope_for
from oversight.public import public_cases

from . import selectors, services
from .forms import ScreenForm
from .models import Screen
from .permissions import get_screen_to_keep, screen_branches_for, screens_for


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
    screen = selectors.screen_by_token(token)
    if screen is None:
        raise Http404
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
    screen = selectors.screen_by_token(token)
    if screen is None:
        raise Http404
    return _private(JsonResponse(_lobby_data(screen), json_dumps_params={"ensure_ascii": False}))


@login_required
@require_http_methods(["GET", "POST"])
def screens(request: HttpRequest) -> HttpResponse:
    """The screens the user keeps (the committee's, or a secretary's own branch's): each
    with its address and QR code; a new one; revoke."""
    every = screens_for(request.user)
    form = ScreenForm(
        request.POST or None,
        branches=screen_branches_for(request.user),
        every_branch=scope_for(request.user).is_committee,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            screen = services.screen_create(
                name=data["name"], branch=data["branch"], top=data["top"], actor=request.user
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The screen “%(name)s” has been set up. Open its address on the display.")
                % {"name": screen.name},
            )
            return redirect(f"{reverse('publicity:screens')}#screen-{screen.pk}")
    rows: list[dict[str, Any]] = []
    for screen in sorted(every, key=lambda s: not s.is_active):
        url = ""
        qr = ""
        if screen.is_active:
            url = request.build_absolute_uri(
                reverse("publicity:lobby", kwargs={"token": screen.token})
            )
            qr = qr_svg(url, title=screen.name)
        rows.append({"screen": screen, "url": url, "qr": qr})
    return render(request, "publicity/screens.html", {"form": form, "rows": rows})


@login_required
@require_POST
def screen_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    screen = get_screen_to_keep(request.user, pk)
    try:
        services.screen_revoke(screen=screen, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The screen “%(name)s” has been revoked; its address shows nothing any more.")
            % {"name": screen.name},
        )
    return redirect("publicity:screens")
