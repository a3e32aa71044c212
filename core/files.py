"""Uploaded files are never served from a public media URL: each is streamed by a view
that has checked who may see it, through `stored_file_response`.

The answer names the file in Chinese (core.downloads), forbids content sniffing and runs
whatever it is in a sandbox, so an uploaded HTML or SVG cannot act as our site. A file
the storage has lost (deleted by hand, a failed restore) is a 404, not a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

from .downloads import name_download

SANDBOX = "default-src 'none'; img-src 'self'; sandbox"


def stored_file_response(
    stored: Any, *, name: str, content_type: str, inline: bool = False, private: bool = True
) -> FileResponse:
    """Stream `stored` (a model's file field, read from its own storage, or a name in the
    default storage) as `name`.

    `private`: for the signed-in person alone, never kept by a cache (a public page's
    photo sets its own caching instead)."""
    file_name = str(getattr(stored, "name", stored) or "")
    if not file_name:
        raise Http404
    storage = getattr(stored, "storage", default_storage)
    try:
        handle = storage.open(file_name, "rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    name_download(response, name, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    if private:
        response["Cache-Control"] = "private, no-store"
    return response
