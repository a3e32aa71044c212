"""The floor of `make loadtest`: the least a signed-in write costs (one inserted row).

`bare_floor` is the same insert as plain Django does it: scripts/request_costs.py calls it
through a handler with only the session and authentication middleware, so that
floor ÷ bare floor shows what the project's own middleware adds to every request.

Only routed when settings.LOADTEST_FLOOR is set (config/settings/loadtest.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from core.actors import SignedInRequest
from notifications.models import Notification


@login_required
@require_POST
def floor(request: SignedInRequest) -> HttpResponse:
    Notification.objects.create(user=request.user, kind=Notification.Kind.OTHER, title="floor")
    return HttpResponse("ok", content_type="text/plain")


def bare_floor(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    Notification.objects.create(user=request.user, kind=Notification.Kind.OTHER, title="bare")
    return HttpResponse("ok", content_type="text/plain")
