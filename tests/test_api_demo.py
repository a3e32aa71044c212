"""Issue 16's Done-when walk on the demo: a token made by `api_token create dangyuan` reads
the card whose total is export_summary's; dangyuan declares through the API with evidence
and kaoping recognises it through the API."""

import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from declarations import deadlines
from declarations.models import Declaration
from ledger.models import Entry
from organizations.models import Member
from tests.declarations_support import png_bytes


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def token_for(username, *extra):
    out = StringIO()
    call_command("api_token", "create", username, *extra, stdout=out, stderr=StringIO())
    return out.getvalue().strip().splitlines()[-1]


def api(token):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def summary_row(branch, year, name):
    out = StringIO()
    call_command(
        "export_summary", "--branch", branch, "--year", str(year), "--format", "json", stdout=out
    )
    rows = json.loads(out.getvalue())["members"]
    return next(row for row in rows if row["name"] == name)


def test_dangyuans_token_reads_the_card_export_summary_gives(demo, db):
    token = token_for("dangyuan")
    member = Member.objects.get(user__username="dangyuan")
    for year in sorted(set(Entry.objects.filter(member=member).values_list("year", flat=True))):
        response = api(token).get(f"/api/v1/me/card/?year={year}")
        assert response.status_code == 200, response.content
        card = response.json()
        expected = summary_row(member.branch.code, year, member.name)
        assert card["total"] == expected["total"]
        for part in ("base", "dedication", "appraisal", "deductions"):
            assert card[part] == expected[part]
        assert isinstance(card["total"], str)


def test_dangyuan_declares_with_evidence_and_kaoping_recognises_it_through_the_api(
    demo, db, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    member = Member.objects.get(user__username="dangyuan")
    day = deadlines.deadline_day_of(member.branch_id)
    taken = set(Declaration.objects.filter(member=member).values_list("year", "month"))
    month = next(m for m in deadlines.open_months(day) if (m.year, m.month) not in taken)
    dangyuan = api(token_for("dangyuan", "--scope", "write"))
    key = str(uuid.uuid4())

    created = dangyuan.post(
        "/api/v1/declarations/",
        {"year": month.year, "month": month.month},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert created.status_code == 201, created.content
    again = dangyuan.post(
        "/api/v1/declarations/",
        {"year": month.year, "month": month.month},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert again.status_code == 201
    assert again["Idempotent-Replay"] == "true"
    assert again.json()["id"] == created.json()["id"]
    assert (
        Declaration.objects.filter(member=member, year=month.year, month=month.month).count() == 1
    )

    pk = created.json()["id"]
    edited = dangyuan.put(
        f"/api/v1/declarations/{pk}/",
        {"version": created.json()["version"], "lines": [{"description": "组织社区志愿服务"}]},
        content_type="application/json",
    )
    assert edited.status_code == 200, edited.content
    line = edited.json()["lines"][0]["id"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploaded = dangyuan.post(
        f"/api/v1/declarations/{pk}/evidence/",
        {
            "version": edited.json()["version"],
            "line": line,
            "file": SimpleUploadedFile("photo.png", png_bytes()),
        },
    )
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["evidence"][0]["line"] == line
    submit_key = str(uuid.uuid4())
    submitted = dangyuan.post(
        f"/api/v1/declarations/{pk}/submit/",
        {"version": uploaded.json()["version"]},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=submit_key,
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"

    kaoping = api(token_for("kaoping", "--scope", "write"))
    queue = kaoping.get("/api/v1/review/queue/").json()
    assert pk in [row["id"] for row in queue["results"]]
    declaration = Declaration.objects.get(pk=pk)
    item = (
        declaration.branch.schemes.get(year=month.year, is_template=False)
        .items.filter(code="dedication.volunteer")
        .first()
    )
    decided = kaoping.post(
        f"/api/v1/declarations/{pk}/decide/",
        {
            "version": submitted.json()["version"],
            "lines": [
                {
                    "line": line,
                    "action": "recognise",
                    "item": item.pk,
                    "points": str(item.points or 2),
                }
            ],
        },
        content_type="application/json",
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "recognised"
    assert Entry.objects.filter(
        member=member, year=month.year, month=month.month, source="declaration"
    ).exists()
