"""Shared helpers of the declaration tests: files, drafts, submitted declarations."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from core.periods import Month
from declarations import services
from declarations.evidence import check_upload
from declarations.recognition import RECOGNISE, LineDecision, declaration_decide
from rules.services import scheme_for_year

THIS = Month.current()


def png_bytes(color: str = "red", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name: str = "photo.png", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes() if content is None else content)


def checked(name: str = "photo.png", content: bytes | None = None):
    return check_upload(upload(name, content))


@pytest.fixture(name="english")
def english_fixture(settings):
    """Messages and pages are checked in English (the msgids); the catalogue is the lead's."""
    settings.LANGUAGE_CODE = "en"
    settings.LANGUAGES = [("en", "English")]
    with translation.override("en"):
        yield


@pytest.fixture(name="media")
def media_fixture(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(name="scheme")
def scheme_fixture(bureau):
    return scheme_for_year(branch=bureau.branch_a, year=THIS.year)


def volunteer(scheme):
    return scheme.items.get(code="dedication.volunteer")


def draft(bureau, *texts: str, month: Month = THIS, files=(), item=None, member=None):
    """A draft declaration of member A (or `member`) with one line per text."""
    member = member or bureau.member_a
    user = member.user
    declaration = services.declaration_create(member=member, month=month, actor=user)
    lines = [services.LineInput(pk=None, description=text, suggested_item=item) for text in texts]
    services.declaration_update(
        declaration=declaration,
        version=declaration.version,
        header=services.profile_header(member),
        lines=lines,
        files=list(files),
        actor=user,
    )
    return declaration


def submitted(bureau, *texts: str, **kwargs):
    declaration = draft(bureau, *(texts or ("参加社区志愿服务",)), **kwargs)
    services.declaration_submit(
        declaration=declaration, version=declaration.version, actor=declaration.member.user
    )
    return declaration


def recognise_all(declaration, reviewer, item, points="2", **extra):
    decisions = [
        LineDecision(line=line, action=RECOGNISE, item=item, points=Decimal(points), **extra)
        for line in declaration.lines.all()
    ]
    return declaration_decide(
        declaration=declaration,
        version=declaration.version,
        decisions=decisions,
        reviewer=reviewer,
    )
