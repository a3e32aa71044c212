"""Database sessions (Django's own backend) whose idle timeout costs one write a minute,
not one per request.

A session ends after SESSION_COOKIE_AGE (30 minutes) without a request. Django keeps that
promise with SESSION_SAVE_EVERY_REQUEST, which rewrites the session row on every request:
a write transaction even for a page that only reads, queued behind every other writer on
SQLite. This store instead marks the session modified, so that SessionMiddleware saves it
(and its new expiry) with the response, only when its stored expiry was set more than
SESSION_REFRESH_AFTER seconds (60) ago. The idle timeout is therefore between 29 and 30
minutes instead of exactly 30; everything else (rows in django_session, signing out,
user_disable deleting a user's sessions) is as with the db backend.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        row = super()._get_session_from_db()  # type: ignore[misc]  # not in django-stubs
        if row is not None:
            refreshed = row.expire_date - timedelta(seconds=self.get_session_cookie_age())
            stale_after = timedelta(seconds=getattr(settings, "SESSION_REFRESH_AFTER", 60))
            if timezone.now() - refreshed >= stale_after:
                self.modified = True  # saved with the response: a fresh 30 minutes
        return row
