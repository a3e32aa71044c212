"""Daily reminders of windows about to close (plan 一(三)3 评议, 一(三)5 公示): the day
before an appraisal's vote closes, to the members with an account who have not voted;
the day before a publication's objection window closes, to the members published in it.

Run by send_reminders (portal/reminders.py); each reminder carries a dedupe_key, so a
second run on the day sends nothing new.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from appraisals.models import AppraisalSession, Status, Voter
from notifications.models import Notification
from notifications.services import notify_many
from publicity.models import Publication, PublicationRow


def remind_appraisal_votes(today: dt.date) -> int:
    tomorrow = today + dt.timedelta(days=1)
    sent = 0
    for session in AppraisalSession.objects.filter(status=Status.OPEN, voting_until=tomorrow):
        waiting = (
            Voter.objects.filter(session=session, member__user__isnull=False, on_paper=False)
            .exclude(codes__used=True)
            .select_related("member__user")
        )
        sent += len(
            notify_many(
                users=[
                    v.member.user
                    for v in waiting
                    if v.member and v.member.user and v.member.user.is_active
                ],
                kind=Notification.Kind.OTHER,
                title=_(
                    "The democratic appraisal of %(half)s closes on %(date)s; you have not "
                    "voted yet."
                )
                % {"half": session.half_year, "date": tomorrow.isoformat()},
                url=reverse("appraisals:vote_start"),
                dedupe_key=f"appraisal:{session.pk}:closing:{tomorrow.isoformat()}",
            )
        )
    return sent


def remind_publicity_windows(today: dt.date) -> int:
    tomorrow = today + dt.timedelta(days=1)
    sent = 0
    for publication in Publication.objects.filter(window_end=tomorrow):
        rows = PublicationRow.objects.filter(
            publication=publication, member__user__is_active=True
        ).select_related("member__user")
        sent += len(
            notify_many(
                users=[row.member.user for row in rows],
                kind=Notification.Kind.OTHER,
                title=_("Objections to %(title)s can be raised until %(end)s.")
                % {"title": publication.title, "end": tomorrow.isoformat()},
                url=reverse("publicity:detail", kwargs={"pk": publication.pk}),
                dedupe_key=f"publicity:{publication.pk}:closing",
            )
        )
    return sent
