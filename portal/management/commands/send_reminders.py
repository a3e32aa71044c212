"""The daily reminder job. Cron, at 08:00 every day:

    0 8 * * * cd /srv/jifen && .venv/bin/python manage.py send_reminders

Safe to run twice: a reminder already sent is not sent again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from portal.reminders import send_reminders


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Send the day's reminders: declarations open (on the 1st), the deadline approaching, "
        "reviews waiting, appraisal votes and objection windows closing tomorrow, commitments "
        "missing. Run daily; running twice sends nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date", help="The day to act for, YYYY-MM-DD (default: today, Asia/Shanghai)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = _date(options["date"]) if options.get("date") else timezone.localdate()
        report = send_reminders(today=today)
        self.stdout.write(
            f"{today.isoformat()}: sent {report.sent} notification(s): "
            f"{report.opened} declarations open, {report.deadline} deadline approaching, "
            f"{report.reviews} reviews waiting, {report.appraisals} votes closing, "
            f"{report.publicity} objection windows closing, "
            f"{report.commitments} commitments missing"
        )
