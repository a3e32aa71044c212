"""The worker-crash test's other half (tests/test_push_worker.py): a scratch database with
members linked to 企业微信 and the 1st of the month's reminders in the outbox.

Run as a script on the scratch database named by DATABASE_URL, in a fresh Django process:

    python tests/push_worker_support.py prepare N     migrate; N members; send_reminders
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REMINDER_DAY = dt.date(2026, 3, 1)


def prepare(members: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.models import ExternalIdentity, User
    from notifications.models import Delivery
    from organizations.models import Member, Organization
    from portal.reminders import send_reminders

    committee = Organization.objects.create(code="jg", name="机关党委", kind="committee")
    branch = Organization.objects.create(
        code="zb", name="崩溃测试支部", kind="branch", parent=committee
    )
    for n in range(members):
        user = User.objects.create(username=f"m{n}", must_change_password=False)
        Member.objects.create(branch=branch, name=f"党员{n}", user=user, job_number=f"E{n}")
        ExternalIdentity.objects.create(user=user, provider="wecom", external_id=f"E{n}")
    report = send_reminders(today=REMINDER_DAY)
    return {"reminders": report.opened, "deliveries": Delivery.objects.count()}


def delivery_states(url: str) -> dict[str, int]:
    """status -> count, read straight from the scratch database (SQLite or PostgreSQL)."""
    query = "SELECT status, COUNT(*) FROM notifications_delivery GROUP BY status"
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20) as db:
            return dict(db.execute(query).fetchall())
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(
        dbname=config["NAME"],
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or "localhost",
        port=config.get("PORT") or 5432,
    ) as db:
        return dict(db.execute(query).fetchall())


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    if sys.argv[1] == "prepare":
        print(json.dumps(prepare(int(sys.argv[2]))))
