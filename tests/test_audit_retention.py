"""Audit rows are kept at least 185 days (issue 7): no code path can remove or rewrite one."""

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from audit.services import audit_record, audit_verify

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger is PostgreSQL's"
)


@pytest.fixture
def event(db):
    audit_record(action="test.first", object_repr="一")
    return audit_record(action="test.second", object_repr="二")


def test_the_retention_is_at_least_185_days():
    assert settings.AUDIT_RETENTION_DAYS >= 185


def test_the_orm_refuses_to_delete_audit_rows(event):
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 2


def test_the_orm_refuses_to_rewrite_audit_rows(event):
    event.action = "test.forged"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.forged")
    with pytest.raises(TypeError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.second"
    assert audit_verify() is None


@postgresql_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes_on_postgresql(event, sql):
    refusal = pytest.raises(DatabaseError, match="append-only")
    with refusal, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.second"


@postgresql_only
def test_the_database_refuses_to_truncate_the_log_on_postgresql(event):
    refusal = pytest.raises(DatabaseError, match="append-only")
    with refusal, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jifen.allow_truncate = 'off'")
        cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == 2
