"""The audit log: its hash chain, the verification command, the committee's viewer."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_chain_check, audit_record, audit_verify
from ledger.services import entry_post, entry_reverse
from rules import services as rules
from tests.factories import PASSWORD

YEAR = timezone.localdate().year


def several_actions(bureau):
    """Real state changes of several kinds: a scheme copied, an item edited, points posted."""
    scheme = rules.scheme_for_year(branch=bureau.branch_a, year=YEAR, actor=bureau.secretary_a)
    item = scheme.items.get(code="dedication.volunteer")
    rules.item_update(item=item, actor=bureau.secretary_a, points_max=Decimal("4"))
    entry = entry_post(
        member=bureau.member_a,
        year=YEAR,
        month=2,
        points="2",
        source="direct",
        item=item,
        recorded_by=bureau.group_a,
    )
    entry_reverse(entry=entry, reason="录入有误", recorded_by=bureau.group_a)
    rules.item_retire(item=scheme.items.get(code="deduction.harm"), actor=bureau.secretary_a)


def events(bureau, n):
    for i in range(n):
        audit_record(
            action=f"test.event.{i % 3}",
            actor=bureau.secretary_a,
            obj=bureau.member_a,
            organization=bureau.branch_a,
            before={"points": str(i)},
            after={"points": str(i + 1)},
        )


def verify():
    """Run the command; (exit status, output)."""
    try:
        out = _run()
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out


def _run():
    import io

    buffer = io.StringIO()
    call_command("audit_verify", stdout=buffer)
    return buffer.getvalue()


def alter(sql, *params):
    """Tamper as someone with the database owner's rights: on PostgreSQL they
    must first switch off the append-only trigger (audit/migrations/0002)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


# The chain ---------------------------------------------------------------------------------


def test_the_chain_is_intact_after_several_actions(bureau):
    several_actions(bureau)
    rows = AuditEvent.objects.count()
    assert rows >= 5
    assert audit_verify() is None
    assert verify() == (0, f"audit chain intact: {rows} rows\n")


def test_an_empty_log_is_intact(db):
    assert verify() == (0, "audit chain intact: 0 rows\n")


NEW_VALUES = {
    "at": "2020-01-01 00:00:00",
    "actor_id": 999,
    "actor_name": "someone_else",
    "action": "test.event.forged",
    "object_type": "accounts.user",
    "object_id": "424242",
    "object_repr": "伪造",
    "organization_id": 999,
    "before": json.dumps({"points": "100"}),
    "after": json.dumps({"points": "100"}),
    "client_address": "10.0.0.99",
    "prev_hash": "f" * 64,
    "hash": "e" * 64,
}


@pytest.mark.parametrize("column", list(NEW_VALUES))
def test_the_command_names_the_row_whose_column_was_altered(bureau, column):
    events(bureau, 5)
    alter(f"UPDATE audit_auditevent SET {column} = %s WHERE id = 3", NEW_VALUES[column])  # noqa: S608
    status, message = verify()
    assert status == 1
    assert "row 3:" in message
    expected = "previous-row hash" if column == "prev_hash" else "stored values"
    assert expected in message


def test_the_command_reports_the_first_of_several_altered_rows(bureau):
    events(bureau, 6)
    alter("UPDATE audit_auditevent SET action = 'x' WHERE id IN (2, 5)")
    status, message = verify()
    assert status == 1
    assert "row 2:" in message


def test_a_deleted_middle_row_is_reported(bureau):
    events(bureau, 5)
    alter("DELETE FROM audit_auditevent WHERE id = 3")
    status, message = verify()
    assert status == 1
    assert "row 4: expected id 3" in message
    report = audit_chain_check()
    assert (report.first_break.event_id, report.first_break.reason) == (4, "id")


def test_a_row_altered_through_the_orm_is_refused():
    with pytest.raises(TypeError):
        AuditEvent.objects.update(action="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


# Sign-in failures ----------------------------------------------------------------------------


def test_a_login_failure_is_audited_without_the_password(bureau):
    wrong = "Wrong-Secret-4711"
    response = Client(REMOTE_ADDR="10.1.2.3").post(
        reverse("accounts:login"), {"username": "member_a", "password": wrong}
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="accounts.login_failed")
    assert event.after == {"username": "member_a"}
    assert event.actor is None
    assert event.client_address == "10.1.2.3"
    stored = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert wrong not in stored
    assert audit_verify() is None


def test_a_successful_login_is_not_a_failure(bureau):
    Client().post(reverse("accounts:login"), {"username": "member_a", "password": PASSWORD})
    assert not AuditEvent.objects.filter(action="accounts.login_failed").exists()


# The viewer -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["secretary_a", "group_a", "member_a_user", "secretary_b"])
def test_only_the_committee_reads_the_audit_log(bureau, client_for, who):
    client = client_for(getattr(bureau, who))
    assert client.get(reverse("audit:log")).status_code == 404
    assert client.post(reverse("audit:verify")).status_code == 404


def test_the_log_shows_who_did_what_and_the_change(bureau, client_for):
    several_actions(bureau)
    response = client_for(bureau.committee_admin).get(reverse("audit:log"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Scheme item changed" in body
    assert "Points recorded" in body
    assert "secretary_a" in body
    assert bureau.branch_a.name in body
    updated = next(r for r in response.context["rows"] if r.event.action == "rules.item.updated")
    assert [(c.key, c.before, c.after) for c in updated.changes] == [("points_max", "5.0", "4.0")]


def shown(client, **query):
    response = client.get(reverse("audit:log"), query)
    assert response.status_code == 200
    return [row.event.action for row in response.context["rows"]]


def test_the_log_filters_by_action_user_object_type_organisation_and_date(bureau, client_for):
    several_actions(bureau)
    audit_record(action="test.other_branch", organization=bureau.branch_b)
    client = client_for(bureau.committee_admin)
    assert set(shown(client, action="rules.")) == {
        "rules.scheme.created",
        "rules.item.updated",
        "rules.item.retired",
    }
    assert shown(client, action="rules.item.updated") == ["rules.item.updated"]
    assert set(shown(client, person="group")) == {"ledger.entry.posted", "ledger.entry.reversed"}
    assert set(shown(client, object_type="rules.scheme")) == {"rules.scheme.created"}
    assert shown(client, organization=bureau.branch_b.pk) == ["test.other_branch"]
    assert "test.other_branch" not in shown(client, organization=bureau.branch_a.pk)
    assert "test.other_branch" in shown(client, organization=bureau.committee.pk)
    today = timezone.localdate()
    assert len(shown(client, date_from=today, date_to=today)) == AuditEvent.objects.count()
    assert shown(client, date_to=today - dt.timedelta(days=1)) == []
    assert shown(client, date_from=today + dt.timedelta(days=1)) == []


def test_bad_filters_give_the_form_back_not_an_error(bureau, client_for):
    client = client_for(bureau.committee_admin)
    response = client.get(
        reverse("audit:log"),
        {"date_from": "2026-13-45", "organization": "abc", "page": "x"},
    )
    assert response.status_code == 200
    assert {"date_from", "organization"} <= set(response.context["form"].errors)
    reversed_range = client.get(
        reverse("audit:log"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert "date_to" in reversed_range.context["form"].errors


def count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("audit:log"))
    assert response.status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_rows(bureau, client_for):
    client = client_for(bureau.committee_admin)
    events(bureau, 10)
    few = count_queries(client)
    events(bureau, 90)
    audit_record(action="test.other_branch", organization=bureau.branch_b)
    many = count_queries(client)
    assert few == many


def test_the_log_is_paginated(bureau, client_for):
    events(bureau, 120)
    client = client_for(bureau.committee_admin)
    first = client.get(reverse("audit:log"), {"person": "secretary"})
    assert len(first.context["rows"]) == 50
    assert first.context["rows"][0].event.pk == 120
    last = client.get(reverse("audit:log"), {"page": 3, "person": "secretary"})
    assert [r.event.pk for r in last.context["rows"]] == list(range(20, 0, -1))
    assert "person=secretary&amp;page=2" in first.content.decode()


def test_the_committee_verifies_the_chain_from_the_page(bureau, client_for):
    events(bureau, 4)
    client = client_for(bureau.committee_admin)
    intact = client.post(reverse("audit:verify"), follow=True)
    messages = [m.level_tag for m in intact.context["messages"]]
    assert messages == ["success"]
    assert AuditEvent.objects.filter(action="audit.chain_verified").count() == 1
    alter("UPDATE audit_auditevent SET after = %s WHERE id = 2", json.dumps({"points": "99"}))
    broken = client.post(reverse("audit:verify"), follow=True)
    (message,) = list(broken.context["messages"])
    assert message.level_tag == "error"
    assert "2" in str(message)
    last = AuditEvent.objects.order_by("-pk").first()
    assert last.after == {"rows": 2, "intact": False, "first_bad": 2}


def test_verification_needs_a_post(bureau, client_for):
    assert client_for(bureau.committee_admin).get(reverse("audit:verify")).status_code == 405
