"""Opening a login and setting a new password with a printed one-time slip.

An officer opens a member's login (or resets its password): the system makes a code,
prints it on a slip with a QR code, and keeps only its keyed hash. The member types or
scans the code within its days and chooses a password. Until then the login has no
usable password; a reset ends the old password and every session at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core import codes
from core.actors import signed_in
from core.errors import DomainError
from core.locks import ROW_LOCK

from .models import Activation, User

VALID_DAYS = 7
PURPOSE = "accounts.activation"


@dataclass(frozen=True)
class Slip:
    """A freshly issued code in plain text: printed once, never stored."""

    activation: Activation
    code: str

    @property
    def display(self) -> str:
        return codes.display(self.code)


def _new_code() -> tuple[str, str]:
    while True:
        plain = codes.generate()
        digest = codes.keyed_hash(PURPOSE, plain)
        if not Activation.objects.filter(code_hash=digest).exists():
            return plain, digest


def _void_open(user: User) -> None:
    Activation.objects.filter(user=user, used_at__isnull=True, voided_at__isnull=True).update(
        voided_at=timezone.now()
    )


@transaction.atomic
def activation_issue(*, user: User, purpose: str, actor: Any) -> Slip:
    """A new slip for the login; any earlier unused one stops working. For a reset, the old
    password and every session end at once."""
    from .services import end_sessions

    if purpose not in Activation.Purpose.values:
        raise DomainError(_("Unknown purpose."))
    user = User.objects.select_for_update(**ROW_LOCK).get(pk=user.pk)
    if not user.is_active:
        raise DomainError(_("The login is disabled; enable it first."))
    _void_open(user)
    plain, digest = _new_code()
    activation = Activation.objects.create(
        user=user,
        purpose=purpose,
        code_hash=digest,
        expires_at=timezone.now() + dt.timedelta(days=VALID_DAYS),
        issued_by=signed_in(actor),
    )
    ended = 0
    if purpose == Activation.Purpose.RESET:
        user.set_unusable_password()
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        ended = end_sessions(user)
    audit_record(
        action=f"accounts.activation.{purpose}",
        actor=actor,
        obj=user,
        after={
            "username": user.get_username(),
            "expires_at": activation.expires_at,
            "sessions_ended": ended,
        },
    )
    return Slip(activation, plain)


class ActivationRefused(DomainError):
    """The code cannot be used; `reason` is unknown, used, expired or voided."""


def activation_find(typed: str) -> Activation:
    plain = codes.normalize(typed)
    found = None
    if codes.looks_valid(plain):
        found = (
            Activation.objects.select_related("user")
            .filter(code_hash=codes.keyed_hash(PURPOSE, plain))
            .first()
        )
    if found is None:
        raise ActivationRefused(_("This code does not exist. Check the code on your slip."))
    if found.used_at is not None:
        raise ActivationRefused(_("This code has already been used. Sign in with your password."))
    if found.voided_at is not None:
        raise ActivationRefused(
            _("A newer slip has replaced this one. Use the code on the newest slip.")
        )
    if found.expires_at <= timezone.now():
        raise ActivationRefused(
            _("This code expired on %(day)s. Ask your branch's secretary for a new slip.")
            % {"day": timezone.localtime(found.expires_at).date().isoformat()}
        )
    if not found.user.is_active:
        raise ActivationRefused(_("The login is disabled. Ask your branch's secretary."))
    return found


@transaction.atomic
def activation_use(*, code: str, password: str, password_again: str) -> User:
    """The member chooses a password with the slip's code; the code then stops working."""
    activation = activation_find(code)
    activation = (
        Activation.objects.select_for_update(**ROW_LOCK)
        .select_related("user")
        .get(pk=activation.pk)
    )
    if activation.used_at is not None:
        raise ActivationRefused(_("This code has already been used. Sign in with your password."))
    user = activation.user
    if password != password_again:
        raise DomainError(_("The two passwords differ."))
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(str(m) for m in exc.messages)) from exc
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    activation.used_at = timezone.now()
    activation.save(update_fields=["used_at"])
    audit_record(
        action="accounts.activation.used",
        actor=user,
        obj=user,
        after={"username": user.get_username(), "purpose": activation.purpose},
    )
    return user
