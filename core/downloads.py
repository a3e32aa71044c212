"""The file name of every download: Chinese, as the reader names things, sent the way
RFC 6266 and RFC 8187 describe, `filename*=UTF-8''<percent-encoded>` for every
browser of the last decade, with a plain-ASCII `filename="..."` (the name in pinyin)
before it for any client that does not read the first.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TypeVar
from urllib.parse import quote

from django.http import HttpResponse, HttpResponseBase
from pypinyin import lazy_pinyin

FALLBACK = "download"
Response = TypeVar("Response", bound=HttpResponseBase)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters a file name never carries: path separators, quotes, control characters.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]+')
_NOT_ASCII_NAME = re.compile(r"(?:[^A-Za-z0-9._-]|_)+")
_EXTENSION = re.compile(r"^(.*)\.([A-Za-z0-9]{1,8})$")


def safe_filename(name: str) -> str:
    """The name without path separators, quotes or control characters (an uploaded
    file's own name may hold any of them)."""
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFC", name or "")).strip(" .")
    return cleaned[:180] or FALLBACK


def ascii_filename(name: str) -> str:
    """The name in plain ASCII: Chinese in pinyin, anything else left out.
    党员奉献量化积分制管理记录卡-张红梅-2026.xlsx → dangyuanfengxian...-zhanghongmei-2026.xlsx"""
    romanised = "".join(lazy_pinyin(safe_filename(name)))
    found = _EXTENSION.match(romanised)
    stem, extension = (found.group(1), found.group(2)) if found else (romanised, "")
    stem = _NOT_ASCII_NAME.sub("_", stem).strip("._-") or FALLBACK
    return f"{stem[:120]}.{extension}" if extension else stem[:120]


def content_disposition(name: str, *, inline: bool = False) -> str:
    """The Content-Disposition header for a file called `name`."""
    name = safe_filename(name)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_filename(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def name_download(response: Response, name: str, *, inline: bool = False) -> Response:
    """Give the response its file name; every download view ends with this."""
    response["Content-Disposition"] = content_disposition(name, inline=inline)
    return response


def xlsx_response(content: bytes, name: str) -> HttpResponse:
    """A workbook as a download called `name` (every .xlsx the system gives out)."""
    response = HttpResponse(content, content_type=XLSX)
    name_download(response, name)
    return response
