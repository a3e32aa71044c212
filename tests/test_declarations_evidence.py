"""Evidence files: accepted by extension and content, served only to those who may see them,
the same file in two declarations flagged to the reviewer."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from core.errors import DomainError
from declarations import evidence, services
from declarations.evidence import check_upload
from tests.declarations_support import (  # noqa: F401 (fixtures)
    checked,
    draft,
    english_fixture,
    media_fixture,
    png_bytes,
    submitted,
)
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.usefixtures("media", "english")


def office_package(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{part}document.xml", "<doc/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format="JPEG")
    return buffer.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
HEIC = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64
WEBP = b"RIFF\x24\0\0\0WEBPVP8 " + b"\0" * 32
EXE = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff" + b"\0" * 64


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("photo.png", png_bytes(), "image"),
        ("photo.JPG", jpeg_bytes(), "image"),
        ("photo.jpeg", jpeg_bytes(), "image"),
        ("photo.webp", WEBP, "image"),
        ("IMG_0001.HEIC", HEIC, "image"),
        ("report.pdf", b"%PDF-1.7\n...", "pdf"),
        ("report.docx", office_package("word/"), "office"),
        ("table.xlsx", xlsx_bytes(), "office"),
        ("slides.pptx", office_package("ppt/"), "office"),
        ("old.doc", OLE, "office"),
        ("old.xls", OLE, "office"),
        ("old.ppt", OLE, "office"),
    ],
)
def test_photos_pdf_and_office_documents_are_accepted(name, content, kind):
    result = check_upload(SimpleUploadedFile(name, content))
    assert result.kind == kind
    assert len(result.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("photo.jpg", EXE, "does not match"),  # an .exe renamed .jpg
        ("report.pdf", png_bytes(), "does not match"),
        ("photo.png", jpeg_bytes(), "does not match"),
        ("report.docx", office_package("xl/"), "does not match"),  # a workbook renamed .docx
        ("archive.docx", b"PK\x03\x04not really a zip", "does not match"),
        ("setup.exe", EXE, "not an accepted file type"),
        ("page.html", b"<html></html>", "not an accepted file type"),
        ("noextension", png_bytes(), "not an accepted file type"),
        ("empty.png", b"", "empty"),
    ],
)
def test_wrong_file_types_are_refused(name, content, expected):
    with pytest.raises(DomainError) as caught:
        check_upload(SimpleUploadedFile(name, content))
    assert expected in caught.value.message


def test_a_file_over_ten_megabytes_is_refused():
    big = png_bytes() + b"\0" * evidence.MAX_BYTES
    with pytest.raises(DomainError) as caught:
        check_upload(SimpleUploadedFile("big.png", big))
    assert "larger than 10 MB" in caught.value.message


def test_folders_in_a_file_name_are_dropped():
    assert evidence.clean_name("../../etc/passwd.png") == "passwd.png"
    assert evidence.clean_name("C:\\Users\\me\\photo.png") == "photo.png"


# --- serving ---------------------------------------------------------------


@pytest.fixture
def files(bureau):
    declaration = submitted(
        bureau,
        "河道清理",
        files=[checked("现场.png"), checked("总结.pdf", b"%PDF-1.4 summary")],
    )
    by_name = {f.original_name: f for f in declaration.evidence.all()}
    return declaration, by_name["现场.png"], by_name["总结.pdf"]


def evidence_url(declaration, file):
    return reverse("declarations:evidence", kwargs={"pk": declaration.pk, "file_pk": file.pk})


@pytest.mark.parametrize(
    "who", ["member_a_user", "group_a", "recorder_a", "secretary_a", "committee_admin"]
)
def test_those_who_may_see_the_declaration_get_its_files(bureau, client_for, files, who):
    declaration, photo, pdf = files
    client = client_for(getattr(bureau, who))
    response = client.get(evidence_url(declaration, photo))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png_bytes()
    assert "attachment" not in response.get("Content-Disposition", "")
    response = client.get(evidence_url(declaration, pdf))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", ["member_b_user", "secretary_b"])
def test_another_branch_gets_404_for_a_file(bureau, client_for, files, who):
    declaration, photo, _pdf = files
    assert client_for(getattr(bureau, who)).get(evidence_url(declaration, photo)).status_code == 404


def test_another_member_of_the_branch_gets_404_for_a_file(bureau, client_for, files):
    declaration, photo, _pdf = files
    user = UserFactory(username="colleague")
    MemberFactory(branch=bureau.branch_a, name="同事", user=user)
    assert client_for(user).get(evidence_url(declaration, photo)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in_for_a_file(bureau, files):
    declaration, photo, _pdf = files
    response = Client().get(evidence_url(declaration, photo))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_file_under_another_declarations_address_is_404(bureau, client_for, files):
    declaration, photo, _pdf = files
    other = draft(bureau, "别的", member=bureau.member_b)
    url = reverse("declarations:evidence", kwargs={"pk": other.pk, "file_pk": photo.pk})
    assert client_for(bureau.member_b_user).get(url).status_code == 404


def test_files_are_not_under_a_public_media_url(bureau, client_for, files):
    _declaration, photo, _pdf = files
    assert client_for(bureau.member_a_user).get("/media/" + photo.file.name).status_code == 404


def test_a_missing_file_on_disk_is_404_not_500(bureau, client_for, files):
    declaration, photo, _pdf = files
    photo.file.storage.delete(photo.file.name)
    assert client_for(bureau.group_a).get(evidence_url(declaration, photo)).status_code == 404


# --- duplicates ----------------------------------------------------------------


def test_the_same_file_in_another_declaration_is_flagged_to_the_reviewer(bureau, client_for):
    colleague_user = UserFactory(username="colleague")
    colleague = MemberFactory(branch=bureau.branch_a, name="同事甲", user=colleague_user)
    submitted(bureau, "植树", files=[checked("a.png")])
    second = submitted(bureau, "植树", files=[checked("copy.png")], member=colleague)
    client = client_for(bureau.group_a)
    page = client.get(reverse("declarations:review", kwargs={"pk": second.pk}))
    flags = page.content.decode()
    assert 'data-testid="duplicate-flag"' in flags
    assert "张红梅" in flags
    queue = client.get(reverse("declarations:queue")).content.decode()
    assert queue.count('data-testid="queue-duplicate"') == 2


def test_a_duplicate_in_another_branch_is_flagged_without_its_name(bureau, client_for):
    submitted(bureau, "植树", files=[checked("a.png")], member=bureau.member_b)
    mine = submitted(bureau, "植树", files=[checked("b.png")])
    page = client_for(bureau.group_a).get(reverse("declarations:review", kwargs={"pk": mine.pk}))
    text = page.content.decode()
    assert 'data-testid="duplicate-flag"' in text
    assert bureau.member_b.name not in text


def test_different_files_are_not_flagged(bureau, client_for):
    submitted(bureau, "植树", files=[checked("a.png", png_bytes("green"))], member=bureau.member_b)
    mine = submitted(bureau, "植树", files=[checked("b.png", png_bytes("blue"))])
    page = client_for(bureau.group_a).get(reverse("declarations:review", kwargs={"pk": mine.pk}))
    assert 'data-testid="duplicate-flag"' not in page.content.decode()


def test_removing_a_file_deletes_it_from_disk_after_saving(
    bureau, media, django_capture_on_commit_callbacks
):
    declaration = draft(bureau, "一", files=[checked()])
    file = declaration.evidence.get()
    path = media / file.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.declaration_update(
            declaration=declaration,
            version=declaration.version,
            header={"name": "张红梅"},
            lines=[
                services.LineInput(pk=line.pk, description="一") for line in declaration.lines.all()
            ],
            remove_evidence=[file.pk],
            actor=bureau.member_a_user,
        )
    assert not declaration.evidence.exists()
    assert not path.exists()
