"""电子屏: the committee's list of screens where they are set up and revoked (the display
itself, at its secret address: portal/views_lobby.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.qr import qr_svg
from organizations.permissions import scope_for

from . import services
from .forms import ScreenForm
from .permissions import get_screen_to_keep, screen_branches_for, screens_for


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
