"""The floor of `make loadtest`: the least a signed-in write costs (one inserted row).

Only routed when settings.LOADTEST_FLOOR is set (config/settings/loadtest.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from notifications.models import Notification


@login_required
@require_POST
def floor(request: HttpRequest) -> HttpResponse:
    Notification.objects.create(user=request.user, kind=Notification.Kind.OTHER, title="floor")
    return HttpResponse("ok", content_type="text/plain")
