"""What people type into a form: trimmed, and refused with a message when too long or
missing (the services' one check of free text)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .errors import DomainError


def clean_text(value: Any, *, limit: int, required: str = "") -> str:
    """The text trimmed; `required` is the message when it must not be empty."""
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(required)
    if len(text) > limit:
        raise DomainError(
            _("Keep it within %(limit)d characters (now %(n)d).") % {"limit": limit, "n": len(text)}
        )
    return text
