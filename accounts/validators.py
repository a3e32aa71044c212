"""Password rules of the plan's deployment: length, character classes, nothing of the
user's own name in it, not a common password. Every message is the project's own, so
the zh-Hans catalogue holds each one (Django's catalogue lacks some of its newer texts)."""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING

from django.contrib.auth import password_validation
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from .models import User


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with the message in the project's catalogue."""

    def get_error_message(self) -> str:
        return ngettext(
            "The password is too short: it needs at least %(min_length)d character.",
            "The password is too short: it needs at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "At least %(min_length)d character.",
            "At least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class CharacterClassValidator:
    """At least `min_classes` of: lower case, upper case, digits, other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: User | None = None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or c.isspace() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _(
            "The password must contain at least %(n)d of: lower-case letters, "
            "upper-case letters, digits and symbols."
        ) % {"n": self.min_classes}


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    """Django's similarity check, and more: a password that contains the username (or a
    name or the e-mail's local part, of 3 characters or more) is refused however long
    the rest is. Django's ratio alone let `Zhangsan@2026abc!` through for `zhangsan`."""

    MIN_CONTAINED = 3

    def validate(self, password: str, user: User | None = None) -> None:
        if user is None:
            return
        folded = _letters_and_digits(password)
        for attribute in self.user_attributes:
            value = getattr(user, attribute, None)
            if not isinstance(value, str) or not value:
                continue
            if attribute == "email":
                value = value.split("@", 1)[0]
            wanted = _letters_and_digits(value)
            if len(wanted) >= self.MIN_CONTAINED and wanted in folded:
                raise ValidationError(
                    self.get_error_message(),
                    code="password_too_similar",
                    params={"verbose_name": _verbose_name(user, attribute)},
                )
        super().validate(password, user)

    def get_error_message(self) -> str:
        return _("The password must not contain or resemble your %(verbose_name)s.")

    def get_help_text(self) -> str:
        return _("Nothing of your username, name or e-mail address.")


def _letters_and_digits(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).casefold()


def _verbose_name(user: object, attribute: str) -> str:
    try:
        return str(user._meta.get_field(attribute).verbose_name)  # type: ignore[attr-defined]
    except FieldDoesNotExist:
        return attribute
