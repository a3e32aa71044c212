"""Uploaded files in an S3-compatible store (MinIO in a deployment, moto here): written
private through the real pages, read back only through the permission-checked view,
never by a public URL, and copied by the backup through the storage API."""

from __future__ import annotations

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from moto import mock_aws

from backups import services as backups
from config.settings.base import media_storages_from_env
from declarations.models import Declaration
from participation.models import private_storage
from tests.declarations_support import (  # noqa: F401 (fixtures)
    english_fixture,
    png_bytes,
    scheme_fixture,
    upload,
    volunteer,
)
from tests.test_declarations_views import edit_post, month_value

BUCKET = "jifen-media"
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def s3(settings, monkeypatch, tmp_path):
    """The S3 settings the environment would give (JIFEN_S3_*), against moto's store.
    MEDIA_ROOT points at an empty folder: nothing may land on the local disk."""
    for name, value in {
        "JIFEN_S3_BUCKET": BUCKET,
        "JIFEN_S3_REGION": "us-east-1",
        "JIFEN_S3_ACCESS_KEY_ID": "testing",
        "JIFEN_S3_SECRET_ACCESS_KEY": "testing",
        "JIFEN_S3_PREFIX": "jifen",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.MEDIA_ROOT = tmp_path / "media"
        settings.STORAGES = {
            **media_storages_from_env(),
            "staticfiles": settings.STORAGES["staticfiles"],
        }
        yield client


def keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def declare_with_photo(client, scheme, content: bytes) -> Declaration:
    """member A declares through the pages: the month, then the form with a photo, submit."""
    client.post(reverse("declarations:create"), {"month": month_value()})
    declaration = Declaration.objects.get()
    response = client.post(
        reverse("declarations:edit", kwargs={"pk": declaration.pk}),
        edit_post(
            declaration,
            ("参加河道清理志愿服务", volunteer(scheme).pk, [upload("现场.png", content)]),
            then="submit",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.SUBMITTED
    return declaration


def test_the_settings_put_media_and_private_files_in_the_bucket(s3):
    media, private = storages["default"], storages["private"]
    assert (media.bucket_name, media.location) == (BUCKET, "jifen/media")
    assert (private.bucket_name, private.location) == (BUCKET, "jifen/private")
    assert media.default_acl == "private"
    assert media.querystring_auth
    assert private_storage() is private


def test_evidence_goes_to_the_bucket_and_only_the_view_hands_it_out(
    s3, bureau, client_for, scheme, settings
):
    content = png_bytes("green")
    member = client_for(bureau.member_a_user)
    declaration = declare_with_photo(member, scheme, content)
    file = declaration.lines.get().evidence.get()

    # Written into the bucket, private, and not on the local disk.
    key = f"jifen/media/{file.file.name}"
    assert keys(s3) == [key]
    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert all("URI" not in g["Grantee"] for g in grants), grants  # no AllUsers/AuthenticatedUsers
    assert not settings.MEDIA_ROOT.exists()

    url = reverse("declarations:evidence", kwargs={"pk": declaration.pk, "file_pk": file.pk})
    for user in (bureau.member_a_user, bureau.group_a):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == content
    for user in (bureau.member_b_user, bureau.secretary_b):
        assert client_for(user).get(url).status_code == 404

    # No public URL: nothing under /media/, no bucket or signed address in the pages.
    assert member.get("/media/" + file.file.name).status_code == 404
    for page in (
        reverse("declarations:detail", kwargs={"pk": declaration.pk}),
        reverse("declarations:review", kwargs={"pk": declaration.pk}),
    ):
        html = client_for(bureau.group_a).get(page).content.decode()
        assert url in html
        assert BUCKET not in html
        assert "X-Amz-" not in html
        assert "amazonaws" not in html


def test_the_backup_copies_bucket_files_and_restore_puts_them_back(s3, bureau, tmp_path):
    storages["default"].save("evidence/2026/a.png", ContentFile(b"photo"))
    storages["private"].save("exemptions/2026/b.pdf", ContentFile(b"%PDF certificate"))
    assert backups._pack_media(tmp_path) == {"media": 1, "private": 1}
    for key in keys(s3):
        s3.delete_object(Bucket=BUCKET, Key=key)
    backups._unpack_media(tmp_path / backups.MEDIA_FILE)
    assert sorted(keys(s3)) == [
        "jifen/media/evidence/2026/a.png",
        "jifen/private/exemptions/2026/b.pdf",
    ]
    with storages["private"].open("exemptions/2026/b.pdf", "rb") as handle:
        assert handle.read() == b"%PDF certificate"
    assert not (tmp_path / "media").exists()
