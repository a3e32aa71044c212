"""notify_many: the same notice to several users in two queries, each user at most once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from notifications.services import notify, notify_many

pytestmark = pytest.mark.django_db


def test_each_user_gets_it_once_and_a_second_call_writes_nothing(bureau):
    users = [bureau.group_a, bureau.recorder_a, bureau.secretary_a]
    notify(user=bureau.recorder_a, kind=Notification.Kind.OTHER, title="待审核", dedupe_key="k:1")
    with CaptureQueriesContext(connection) as queries:
        sent = notify_many(
            users=users, kind=Notification.Kind.OTHER, title="待审核", dedupe_key="k:1"
        )
    assert {n.user_id for n in sent} == {bureau.group_a.pk, bureau.secretary_a.pk}
    assert len(queries.captured_queries) <= 2
    assert (
        notify_many(users=users, kind=Notification.Kind.OTHER, title="待审核", dedupe_key="k:1")
        == []
    )
    for user in users:
        assert Notification.objects.filter(user=user, dedupe_key="k:1").count() == 1


def test_it_needs_a_dedupe_key_and_takes_nobody_quietly(bureau):
    with pytest.raises(ValueError, match="needs a dedupe_key"):
        notify_many(users=[bureau.group_a], kind=Notification.Kind.OTHER, title="x", dedupe_key="")
    assert notify_many(users=[], kind=Notification.Kind.OTHER, title="x", dedupe_key="k") == []
