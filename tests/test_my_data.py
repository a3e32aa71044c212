"""My data (PIPL): a member downloads everything the system holds about them, as JSON and
.xlsx, from the account page and through the API; never a ballot or a token's hash."""

import io
import json

from django.urls import reverse
from openpyxl import load_workbook

from api.services import token_create
from audit.models import AuditEvent
from ledger.services import entry_post
from notifications.models import Notification
from organizations.models import Member
from rules.services import scheme_for_year
from tests.declarations_support import THIS, submitted


def test_my_data_holds_what_is_about_me_and_nothing_secret(bureau, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    declaration = submitted(bureau, "参加社区志愿服务")
    scheme = scheme_for_year(branch=bureau.branch_a, year=THIS.year)
    entry_post(
        member=bureau.member_a,
        year=THIS.year,
        month=THIS.month,
        item=scheme.items.get(code="dedication.volunteer"),
        points="2",
        source="direct",
        reason="志愿服务",
        recorded_by=bureau.group_a,
    )
    Notification.objects.create(user=bureau.member_a_user, kind="other", title="给我的通知")
    Notification.objects.create(user=bureau.member_b_user, kind="other", title="别人的通知")
    token, raw = token_create(user=bureau.member_a_user, name="手机")

    response = client_for(bureau.member_a_user).get(reverse("api_pages:my_data", args=["json"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["member"][0]["name"] == bureau.member_a.name
    assert [d["id"] for d in data["declarations"]] == [declaration.pk]
    assert data["declaration_lines"][0]["description"] == "参加社区志愿服务"
    assert data["ledger_entries"][0]["points"] == "2.0"
    assert {r["role"] for r in data["roles"]} == {"member"}
    assert [n["title"] for n in data["notifications"]] == ["给我的通知"]
    assert data["api_tokens"][0]["prefix"] == token.prefix
    text = response.content.decode()
    assert token.token_hash not in text
    assert raw not in text
    assert "password" not in data["login"][0]
    assert "别人的通知" not in text
    assert bureau.member_b.name not in text
    assert not any("ballot" in part or "voting" in part for part in data)
    assert any(e["action"] == "declarations.declaration.submitted" for e in data["audit_events"])
    assert (
        AuditEvent.objects.filter(
            action="api.my_data.downloaded", actor=bureau.member_a_user
        ).count()
        == 1
    )


def test_the_workbook_neutralises_formulas(bureau, client_for):
    Member.objects.filter(pk=bureau.member_a.pk).update(position='=HYPERLINK("http://x")')
    response = client_for(bureau.member_a_user).get(reverse("api_pages:my_data", args=["xlsx"]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert {"member", "declarations", "ledger_entries", "audit_events"} <= set(wb.sheetnames)
    ws = wb["member"]
    headings = [c.value for c in ws[1]]
    position = ws.cell(row=2, column=headings.index("position") + 1).value
    assert position == '\'=HYPERLINK("http://x")'
    assert AuditEvent.objects.filter(action="api.my_data.downloaded").count() == 1


def test_my_data_through_the_api(bureau):
    from django.test import Client

    raw = token_create(user=bureau.member_a_user, name="x", scope="read")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    as_json = client.get("/api/v1/me/data/")
    assert as_json.status_code == 200
    assert json.loads(as_json.content)["member"][0]["id"] == bureau.member_a.pk
    as_xlsx = client.get("/api/v1/me/data/?format=xlsx")
    assert as_xlsx.status_code == 200
    assert as_xlsx.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="api.my_data.downloaded").count() == 2


def test_a_login_without_a_member_record_gets_its_login_data(bureau, client_for):
    response = client_for(bureau.committee_admin).get(reverse("api_pages:my_data", args=["json"]))
    data = json.loads(response.content)
    assert data["member"] == []
    assert data["login"][0]["username"] == "committee"
    assert client_for(bureau.committee_admin).get("/account/my-data.pdf").status_code == 404
