"""Checks on an exemption's attachment: a PDF or a photo of a certificate, not too large."""

from __future__ import annotations

import os
from typing import Any

from django.utils.translation import gettext as _

from core.errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
# What the file must start with, by extension: the name alone proves nothing.
SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


def clean_name(name: str) -> str:
    """The file's own name, without any folder, kept short for display."""
    base = os.path.basename(str(name).replace("\\", "/")).strip() or "attachment"
    root, ext = os.path.splitext(base)
    return f"{root[: 100 - len(ext)]}{ext.lower()}"


def check_attachment(upload: Any) -> str:
    """Refuse anything but a PDF, JPEG or PNG of at most 5 MB; returns the cleaned name."""
    name = clean_name(getattr(upload, "name", "") or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in SIGNATURES:
        raise DomainError(_("Attach a PDF, JPG or PNG file."))
    size = getattr(upload, "size", None)
    if size is None or size > MAX_BYTES:
        raise DomainError(_("The attachment is larger than 5 MB."))
    if size == 0:
        raise DomainError(_("The attachment is empty."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in SIGNATURES[ext]):
        raise DomainError(
            _("The attachment is not a real %(kind)s file.") % {"kind": ext[1:].upper()}
        )
    return name


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")
