"""Two-factor sign-in (TOTP, django-otp): who must use it, and its writes.

After the password, a six-digit code from an authenticator app on the phone. The
deployment decides who must (settings JIFEN_2FA_REQUIRED and JIFEN_2FA_ROLES);
anyone who has set up an authenticator is asked for its code too. Whether the
session still owes a code is worked out at sign-in and kept in the session, so a
page costs no query for the members who are never asked.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from audit.services import audit_record
from core.locks import ROW_LOCK
from organizations.models import Organization, Role, RoleAssignment

# The session remembers whether this sign-in must show a code (True/False).
SESSION_KEY = "jifen_2fa"
# The key of the authenticator being set up, until its first code confirms it.
PENDING_SESSION_KEY = "jifen_2fa_pending"
DEVICE_NAME = "authenticator"


# --- who must use it -----------------------------------------------------------------


def two_factor_required(user: Any) -> bool:
    """Whether the deployment makes this user use a second factor.

    The roles named in JIFEN_2FA_ROLES must; "committee_admin" there also covers any
    role held in the committee (机关党委) itself; superusers always must.
    """
    if not settings.JIFEN_2FA_REQUIRED or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    roles = set(settings.JIFEN_2FA_ROLES)
    rows = Q(role__in=roles)
    if Role.COMMITTEE_ADMIN in roles:
        rows |= Q(organization__kind=Organization.Kind.COMMITTEE)
    return RoleAssignment.objects.current().filter(rows, user=user).exists()


def two_factor_needed(user: Any) -> bool:
    """Required by the deployment, or chosen by the user (a confirmed authenticator)."""
    return two_factor_required(user) or user_has_device(user, confirmed=True)


def session_needs_code(request: HttpRequest) -> bool:
    """Whether this signed-in session must still show a code before using the site."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    needed = request.session.get(SESSION_KEY)
    if needed is None:  # a session from before the policy: decide once
        needed = remember_need(request, user)
    if not needed:
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified is not None and is_verified())


def remember_need(request: HttpRequest, user: Any) -> bool:
    needed = two_factor_needed(user)
    request.session[SESSION_KEY] = needed
    return needed


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Decide at sign-in whether the session must show a code (django.contrib.auth signal)."""
    if request is not None and hasattr(request, "session"):
        remember_need(request, user)


# --- devices -------------------------------------------------------------------------


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def secret_of(device: TOTPDevice) -> str:
    """The key in base32, grouped by four, as authenticator apps ask it to be typed."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(data: str) -> SafeString:
    svg = segno.make(data, error="m", micro=False).svg_inline(
        scale=1, border=2, omitsize=True, svgclass="qr"
    )
    return mark_safe(svg)  # noqa: S308 - path data only; the URI is not shown as markup


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of one code typed in: accepted, wrong, or refused for now (throttled)."""

    accepted: bool
    wait_seconds: int = 0

    @property
    def message(self) -> str:
        if self.accepted:
            return ""
        if self.wait_seconds:
            return _(
                "Too many wrong codes. Please wait %(seconds)d seconds, then enter the "
                "code now shown in your authenticator app."
            ) % {"seconds": self.wait_seconds}
        return _(
            "The code is wrong or has expired. Enter the 6-digit code now shown in your "
            "authenticator app; check that the phone's clock is right."
        )


def _wait_seconds(device: TOTPDevice) -> int:
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return 0
    return max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))


def _check(device: TOTPDevice, code: str) -> CodeCheck:
    """Verify under a row lock, so two requests cannot both use one code or slip the throttle."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update(**ROW_LOCK).get(pk=device.pk)
        wait = _wait_seconds(device)
        if wait:
            return CodeCheck(accepted=False, wait_seconds=wait)
        return CodeCheck(accepted=device.verify_token(code))


def _audit_failure(user: Any, check: CodeCheck, stage: str) -> None:
    """A wrong code is a failed sign-in: the same audit action as a wrong password."""
    audit_record(
        action="accounts.login_failed",
        actor=user,
        obj=user,
        object_repr=user.get_username(),
        after={
            "username": user.get_username(),
            "second_factor": stage,
            "throttled": bool(check.wait_seconds),
        },
    )


def _signed_in_with(request: HttpRequest, device: TOTPDevice) -> None:
    request.session.cycle_key()
    otp_login(request, device)
    request.session[SESSION_KEY] = True


# --- writes --------------------------------------------------------------------------


def totp_enrolment_device(*, request: HttpRequest) -> TOTPDevice:
    """The authenticator being set up, not stored: its key is made at the first look at
    the set-up page and kept in the session (the same QR code across page loads), and a
    device is written only when its first code proves the app holds the key."""
    key = request.session.get(PENDING_SESSION_KEY)
    if not key:
        key = request.session[PENDING_SESSION_KEY] = random_hex(20)
    return TOTPDevice(user=request.user, name=DEVICE_NAME, key=key, confirmed=False)


def totp_enrol_confirm(*, request: HttpRequest, device: TOTPDevice, code: str) -> CodeCheck:
    """Store the new authenticator once its first code is right; the session counts as
    verified. A wrong code stores nothing and is audited as a failed sign-in."""
    user: Any = request.user
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not totp.verify(int(code), device.tolerance):
        check = CodeCheck(accepted=False)
        _audit_failure(user, check, "enrolment")
        return check
    with transaction.atomic():
        # The user's row orders two confirmations at once: one authenticator only.
        get_user_model().objects.select_for_update(**ROW_LOCK).filter(pk=user.pk).first()
        if confirmed_device(user) is not None:  # set up meanwhile, in another window
            return CodeCheck(accepted=False)
        TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()  # left by old set-ups
        device.confirmed = True
        device.last_t = totp.t()
        device.save()
        audit_record(
            action="accounts.two_factor_enrolled",
            actor=user,
            obj=user,
            after={"device_id": device.pk},
        )
    request.session.pop(PENDING_SESSION_KEY, None)
    _signed_in_with(request, device)
    return CodeCheck(accepted=True)


def two_factor_verify(*, request: HttpRequest, device: TOTPDevice, code: str) -> CodeCheck:
    """Check the code of a sign-in; wrong codes are throttled and audited as failed sign-ins."""
    user: Any = request.user
    check = _check(device, code)
    if not check.accepted:
        _audit_failure(user, check, "verification")
        return check
    audit_record(
        action="accounts.two_factor_verified", actor=user, obj=user, after={"device_id": device.pk}
    )
    _signed_in_with(request, device)
    return check


def two_factor_reset(*, user: Any, actor: Any) -> int:
    """Remove a user's authenticators (a lost phone); they set one up at the next sign-in.

    Their signed-in sessions lose the verified state at once: the device they were
    verified with no longer exists.
    """
    with transaction.atomic():
        devices = TOTPDevice.objects.devices_for_user(user, confirmed=None)
        count = devices.filter(confirmed=True).count()
        devices.delete()
        audit_record(
            action="accounts.two_factor_reset",
            actor=actor,
            obj=user,
            before={"devices": count},
            after={"devices": 0},
        )
    return count
