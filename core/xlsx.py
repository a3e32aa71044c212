"""Opening an uploaded .xlsx without letting it cost more than a real one would.

An .xlsx is a zip of XML files. A few hundred kilobytes can unpack to gigabytes (the
same byte a million times compresses to almost nothing), and openpyxl parses what it
unpacks: a 594 KB file held a worker at about 1 GB for 21 s. Every import of the
system (the members roll, organizations.imports; the points cards,
summaries.card_reader) therefore opens its upload through `open_workbook`, which reads
the zip's directory first and refuses, before openpyxl sees anything, an archive of
more than MAX_PARTS files or more than MAX_UNPACKED_BYTES unpacked. The sizes it checks
are the ones the archive declares, and Python's zipfile never unpacks more than an
entry declares, so a false declaration cannot slip past. The readers then read at
most MAX_ROWS rows and MAX_COLUMNS columns of a sheet.

A thousand points cards (the most a card import takes) unpack to about 18 MB and a
roll of 2,000 members to well under 1 MB, so the limits leave real workbooks room.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from .errors import DomainError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
MAX_PARTS = 2500  # 1,000 card sheets, their relations, styles and the rest
MAX_ROWS = 20_000
MAX_COLUMNS = 40


class WorkbookRefused(DomainError):
    """The upload is not a workbook, or one too large to open."""


def not_a_workbook() -> WorkbookRefused:
    return WorkbookRefused(
        _("The file is not an Excel workbook (.xlsx); save it as .xlsx and try again.")
    )


def check_archive(data: bytes) -> None:
    """Refuse an archive that is not a zip, or holds too many or too large parts."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise not_a_workbook() from None
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookRefused(
            _(
                "The workbook is too large to read: unpacked it would take more than "
                "%(mb)d MB. Split it into smaller workbooks and import them one by one."
            )
            % {"mb": MAX_UNPACKED_BYTES // (1024 * 1024)}
        )


def open_workbook(data: bytes, *, read_only: bool = False) -> Any:
    """The workbook in `data` (values, not formulas), or WorkbookRefused saying why."""
    check_archive(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a damaged file
        raise not_a_workbook() from None
