"""电子屏: the office display at a secret address (no login), and the committee's list of
screens where they are set up and revoked."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appraisals.qr import qr_svg
from core.errors import DomainError

from . import selectors, services
from .forms import ScreenForm
from .models import Screen
from .permissions import get_screen_for_committee, require_committee


def _private(response: HttpResponse) -> HttpResponse:
    """The address is the screen's only secret: keep it out of referrers, caches and indexes."""
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


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
                "data": selectors.lobby_data(screen),
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
    return _private(
        JsonResponse(selectors.lobby_data(screen), json_dumps_params={"ensure_ascii": False})
    )


@login_required
@require_http_methods(["GET", "POST"])
def screens(request: HttpRequest) -> HttpResponse:
    """The committee's screens: each with its address and QR code; a new one; revoke."""
    require_committee(request.user)
    form = ScreenForm(request.POST or None)
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
    every = Screen.objects.select_related("branch", "created_by", "revoked_by")
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
    screen = get_screen_for_committee(request.user, pk)
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
