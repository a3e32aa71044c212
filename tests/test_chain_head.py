"""The audit chain's published head (issue: points people can trust, part 7).

A head printed on paper pins the log as it was: `audit_verify --head` says whether that
row is still in the chain with that hash, so a later rewrite or truncation is caught by
anyone holding the paper."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import chain_head, head_check, parse_head
from publicity import services as publicity
from publicity.models import Screen
from publicity.quarters import Quarter
from tests.declarations_support import THIS
from tests.factories import post_points

YEAR = THIS.year


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def published(bureau):
    post_points(bureau.member_a, "5", year=YEAR, month=THIS.month)
    return publicity.publication_publish(
        branch=bureau.branch_a,
        quarter=Quarter(YEAR, (THIS.month - 1) // 3 + 1),
        actor=bureau.secretary_a,
        contact_name="组织委员",
    )


def verify_head(text):
    out = io.StringIO()
    call_command("audit_verify", "--head", text, stdout=out)
    return out.getvalue()


def printed_short(html: str) -> str:
    return re.search(r'data-testid="chain-head-short"[^>]*>([^<]+)<', html).group(1)


def test_the_notice_prints_the_head_and_audit_verify_finds_it(published, client_for):
    client = client_for(published.published_by)
    html = client.get(reverse("publicity:notice", kwargs={"pk": published.pk})).content.decode()
    short = printed_short(html)
    head = chain_head()
    assert short == head.short
    assert "<svg" in html.split('data-testid="chain-head"', 1)[1]  # the full hash as QR
    assert "is in the audit chain" in verify_head(short)
    assert "is in the audit chain" in verify_head(head.qr_text)
    assert "is in the audit chain" in verify_head(head.hash)


def test_a_truncated_or_rewritten_log_no_longer_holds_the_printed_head(published):
    head = chain_head()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            pytest.skip("the PostgreSQL trigger refuses to alter the audit log at all")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [head.id])
    with pytest.raises(CommandError, match="NOT in the audit chain"):
        verify_head(head.short)
    # A rewritten row with a new hash under the same id is caught too.
    last = AuditEvent.objects.order_by("-pk").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET hash = %s WHERE id = %s", ["0" * 64, last.pk])
    with pytest.raises(CommandError, match="NOT in the audit chain"):
        verify_head(f"{last.pk}-{last.hash[:12]}")


def test_a_head_that_is_not_one_is_refused_plainly():
    with pytest.raises(ValueError, match="hello"):
        parse_head("hello")
    with pytest.raises(CommandError, match="not a chain head"):
        verify_head("12-xyz")


def test_the_summary_table_prints_and_exports_the_head(published, client_for):
    client = client_for(published.published_by)
    args = {"code": "zb1", "year": YEAR}
    html = client.get(reverse("summaries:summary_print", kwargs=args)).content.decode()
    assert printed_short(html) == chain_head().short
    response = client.get(reverse("summaries:summary_download", kwargs={**args, "fmt": "xlsx"}))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    line = next(t for t in texts if t.startswith("Audit chain head when exported"))
    short = line.split(": ", 1)[1].split(" ", 1)[0]
    assert head_check(short).holds


def test_the_lobby_screen_shows_the_head(published, client_for, bureau):
    screen = Screen.objects.create(name="大厅", token="t" * 40, created_by=bureau.committee_admin)
    html = client_for(bureau.committee_admin).get(
        reverse("publicity:lobby", kwargs={"token": screen.token})
    )
    assert printed_short(html.content.decode()) == chain_head().short
    data = client_for(bureau.committee_admin).get(
        reverse("publicity:lobby_data", kwargs={"token": screen.token})
    )
    assert data.json()["audit_head"] == chain_head().short
