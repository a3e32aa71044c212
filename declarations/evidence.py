"""What counts as evidence: photos, PDF and Office documents, checked by name and content.

A file is accepted only when its extension is one we take AND its first bytes say
the same thing (an .exe renamed .jpg is refused). Accepted files are stored under
a random name; the SHA-256 lets the reviewer see the same file used twice.
"""

from __future__ import annotations

import hashlib
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 20
ACCEPT = ".jpg,.jpeg,.png,.webp,.heic,.heif,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx"

JPEG, PNG, WEBP, HEIC, PDF, OLE, OOXML = "jpeg", "png", "webp", "heic", "pdf", "ole", "ooxml"

# extension -> (signature family, kind, content type)
TYPES: dict[str, tuple[str, str, str]] = {
    "jpg": (JPEG, "image", "image/jpeg"),
    "jpeg": (JPEG, "image", "image/jpeg"),
    "png": (PNG, "image", "image/png"),
    "webp": (WEBP, "image", "image/webp"),
    "heic": (HEIC, "image", "image/heic"),
    "heif": (HEIC, "image", "image/heif"),
    "pdf": (PDF, "pdf", "application/pdf"),
    "doc": (OLE, "office", "application/msword"),
    "xls": (OLE, "office", "application/vnd.ms-excel"),
    "ppt": (OLE, "office", "application/vnd.ms-powerpoint"),
    "docx": (
        OOXML,
        "office",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (OOXML, "office", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (
        OOXML,
        "office",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
# The folder an Office Open XML package of each extension keeps its content in.
OOXML_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks, with what we learned about it."""

    upload: Any  # django UploadedFile
    name: str
    extension: str
    kind: str
    content_type: str
    size: int
    sha256: str


def _family(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return HEIC
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if head.startswith(b"PK\x03\x04"):
        return OOXML
    return None


def _is_office_package(stream: IO[bytes], extension: str) -> bool:
    """A .docx/.xlsx/.pptx is a zip holding [Content_Types].xml and its own folder."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    part = OOXML_PART[extension]
    return "[Content_Types].xml" in names and any(n.startswith(part) for n in names)


def clean_name(name: str) -> str:
    """The file's own name without any folders, as shown to people (never used on disk)."""
    base = PurePath((name or "").replace("\\", "/")).name.strip()
    return base[-200:] or "file"


def check_upload(upload: Any) -> CheckedFile:
    """Refuse anything but the accepted types, by extension and by content; hash the rest."""
    name = clean_name(getattr(upload, "name", ""))
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in TYPES:
        raise DomainError(
            _("“%(name)s” is not an accepted file type (photos, PDF or Office documents).")
            % {"name": name}
        )
    size = upload.size or 0
    if size > MAX_BYTES:
        raise DomainError(
            _("“%(name)s” is larger than %(limit)d MB.")
            % {"name": name, "limit": MAX_BYTES // (1024 * 1024)}
        )
    if size == 0:
        raise DomainError(_("“%(name)s” is empty.") % {"name": name})
    family, kind, content_type = TYPES[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    found = _family(head)
    if found != family or (family == OOXML and not _is_office_package(upload.file, extension)):
        raise DomainError(
            _("The content of “%(name)s” does not match its file type.") % {"name": name}
        )
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(
        upload=upload,
        name=name,
        extension=extension,
        kind=kind,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
    )


def check_uploads(uploads: list[Any], *, already: int) -> list[CheckedFile]:
    """Check every upload of one request; a declaration holds at most MAX_FILES files."""
    if already + len(uploads) > MAX_FILES:
        raise DomainError(
            _("A declaration holds at most %(max)d files; it has %(count)d already.")
            % {"max": MAX_FILES, "count": already}
        )
    return [check_upload(upload) for upload in uploads]


def storage_name(checked: CheckedFile) -> str:
    """evidence/2026/03/<random>.<ext>: nothing of the member's own file name reaches the disk."""
    today = timezone.localdate()
    return f"evidence/{today.year}/{today.month:02d}/{secrets.token_hex(16)}.{checked.extension}"
