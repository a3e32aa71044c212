"""Every .xlsx import refuses a workbook that would unpack to far more than a real one
(core.xlsx), before openpyxl parses it: a clear message, nothing written, little time."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core import xlsx
from ledger.models import Entry
from organizations import imports
from organizations.models import Member
from summaries.card_import import cards_import

SHEET = "xl/worksheets/sheet1.xml"


def small_roll() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "性别"])
    ws.append(["赵一", "男"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rebuilt(data: bytes, change) -> bytes:
    """The workbook with each part passed through change(name, content) -> content."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.infolist():
            target.writestr(part.filename, change(part.filename, source.read(part.filename)))
    return out.getvalue()


def bomb(megabytes: int = 64) -> bytes:
    """A valid workbook whose sheet is padded to `megabytes` MB: it packs to ~1/1000."""
    padding = b" " * (megabytes * 1024 * 1024)

    def pad(name: str, content: bytes) -> bytes:
        return (
            content.replace(b"<sheetData>", b"<sheetData>" + padding) if name == SHEET else content
        )

    return rebuilt(small_roll(), pad)


def test_the_bomb_is_small_packed_and_huge_unpacked():
    data = bomb()
    assert len(data) < 200 * 1024
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sum(p.file_size for p in archive.infolist()) > 64 * 1024 * 1024


def refused_quickly(read) -> tuple[object, float, float]:
    """read() under a stopwatch and tracemalloc: (its result, seconds, peak MB)."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = read()
    finally:
        peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
    return result, time.monotonic() - started, peak


def test_the_members_import_refuses_a_bomb_and_saves_nothing(bureau, client_for):
    members = Member.objects.count()
    response = client_for(bureau.secretary_a).post(
        reverse("organizations:member_import"),
        {"file": SimpleUploadedFile("roll.xlsx", bomb()), "branch": "zb1"},
    )
    assert response.status_code == 200
    assert "token" not in response.context
    assert any("too large to read" in e for e in response.context["result"].errors)
    assert Member.objects.count() == members

    data = bomb()
    result, seconds, peak = refused_quickly(
        lambda: imports.read_workbook(
            io.BytesIO(data),
            branches={},
            default_branch=bureau.branch_a,
            create_departments=False,
        )
    )
    assert result.errors
    assert not result.rows
    assert seconds < 2, (seconds, peak)
    assert peak < 20, (seconds, peak)


def test_the_card_import_refuses_a_bomb_and_writes_nothing(bureau):
    entries = Entry.objects.count()
    data = bomb()
    result, seconds, peak = refused_quickly(
        lambda: cards_import(
            branch=bureau.branch_a, year=2026, workbook=data, create_members=True, dry_run=False
        )
    )
    assert not result.ok
    assert "too large to read" in str(result.problems[0])
    assert Entry.objects.count() == entries
    assert seconds < 2, (seconds, peak)
    assert peak < 20, (seconds, peak)


def test_a_workbook_of_too_many_parts_is_refused():
    out = io.BytesIO(small_roll())
    with zipfile.ZipFile(out, "a") as archive:
        for n in range(xlsx.MAX_PARTS):
            archive.writestr(f"xl/media/dot{n}.bin", b"")
    with pytest.raises(xlsx.WorkbookRefused, match="too large to read"):
        xlsx.open_workbook(out.getvalue())


def test_a_part_declaring_a_smaller_size_than_it_unpacks_to_cannot_slip_past():
    """zipfile stops at the declared size and then finds the checksum wrong."""
    data = bytearray(bomb(megabytes=40))
    # Every central directory entry: lower the sheet's declared unpacked size to 1 KB.
    offset = 0
    while (offset := data.find(b"PK\x01\x02", offset)) != -1:
        name_length = struct.unpack_from("<H", data, offset + 28)[0]
        name = bytes(data[offset + 46 : offset + 46 + name_length])
        if name == SHEET.encode():
            struct.pack_into("<I", data, offset + 24, 1024)
        offset += 46
    with pytest.raises(xlsx.WorkbookRefused, match="not an Excel workbook"):
        xlsx.open_workbook(bytes(data))


def test_a_real_workbook_still_opens():
    workbook = xlsx.open_workbook(small_roll(), read_only=True)
    assert next(workbook.worksheets[0].iter_rows(values_only=True))[:2] == ("姓名", "性别")
