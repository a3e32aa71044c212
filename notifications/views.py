"""The user's notifications: newest first, unread highlighted, marked read on request."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.actors import SignedInRequest

from . import selectors, services
from .permissions import get_notification_for_user

PER_PAGE = 30


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_of(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": selectors.badge_counts(request.user)["unread"]},
    )


@login_required
@require_POST
def mark_read(request: SignedInRequest, pk: int) -> HttpResponse:
    services.notification_mark_read(notification=get_notification_for_user(request.user, pk))
    return redirect("notifications:list")


@login_required
@require_POST
def open_notification(request: SignedInRequest, pk: int) -> HttpResponse:
    """Mark it read and follow its link (only to a page of this site)."""
    notification = services.notification_mark_read(
        notification=get_notification_for_user(request.user, pk)
    )
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("%(count)d notification(s) marked as read.") % {"count": count})
    return redirect("notifications:list")
