"""Two-factor sign-in pages: set up an authenticator, show its code, reset a lost one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organizations.models import Member

from .forms import TwoFactorCodeForm
from .permissions import get_user_to_reset_two_factor
from .two_factor import (
    confirmed_device,
    qr_svg,
    remember_need,
    secret_of,
    totp_enrol_confirm,
    totp_enrolment_device,
    two_factor_required,
    two_factor_reset,
    two_factor_verify,
)


def _next_url(request: HttpRequest) -> str:
    """Where to go once the code is shown: the page first asked for, if it is ours."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the user's authenticator app."""
    next_url = _next_url(request)
    user: Any = request.user
    if user.is_verified():
        return redirect(next_url)
    device = confirmed_device(user)
    if device is None:
        if two_factor_required(user):
            return redirect(_with_next("accounts:two_factor_enrol", next_url))
        remember_need(request, user)  # their own authenticator was removed
        return redirect(next_url)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = two_factor_verify(request=request, device=device, code=form.cleaned_data["code"])
        if check.accepted:
            return redirect(next_url)
        form.add_error("code", check.message)
    return render(request, "accounts/two_factor.html", {"form": form, "next": next_url})


@login_required
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm with a code."""
    next_url = _next_url(request)
    user: Any = request.user
    if confirmed_device(user) is not None:
        if user.is_verified():
            messages.info(request, _("Two-factor sign-in is already set up for your account."))
        return redirect(_with_next("accounts:two_factor", next_url))
    device = totp_enrolment_device(request=request)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = totp_enrol_confirm(request=request, device=device, code=form.cleaned_data["code"])
        if check.accepted:
            messages.success(
                request,
                _(
                    "Two-factor sign-in is set up. From now on, sign in with your password "
                    "and then the code from the app."
                ),
            )
            return redirect(next_url)
        form.add_error("code", check.message)
    context = {
        "form": form,
        "next": next_url,
        "qr": qr_svg(device.config_url),
        "secret": secret_of(device),
        "required": two_factor_required(user),
    }
    return render(request, "accounts/two_factor_enrol.html", context)


@require_POST
@login_required
def two_factor_reset_view(request: HttpRequest, user_pk: int) -> HttpResponse:
    target = get_user_to_reset_two_factor(request.user, user_pk)
    count = two_factor_reset(user=target, actor=request.user)
    if count:
        messages.success(
            request,
            _(
                "Two-factor sign-in of %(user)s was reset; they set up an authenticator "
                "at their next sign-in."
            )
            % {"user": target},
        )
    else:
        messages.info(request, _("%(user)s had no authenticator set up.") % {"user": target})
    member = Member.objects.filter(user=target).order_by("-is_active", "pk").first()
    if member is not None:
        return redirect("organizations:member_detail", pk=member.pk)
    return redirect("core:home")
