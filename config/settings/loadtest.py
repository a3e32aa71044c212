"""`make loadtest` only (scripts/loadtest.py): the app under gunicorn on loopback against a
scratch database. Never used in production.

DATABASE_URL (and the media folders) are set by the script to its scratch database;
the MD5 hasher keeps preparing 200 accounts fast; LOADTEST_FLOOR adds the
`/_loadtest/floor/` view that inserts one row, the yardstick of the measurement.
Everything else is as the README's deployment section recommends for production,
including DJANGO_CONN_MAX_AGE=60: each gunicorn worker keeps its database connection
(checked before reuse) instead of opening one per request.
"""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "loadtest-only-insecure-key-never-in-production"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOADTEST_FLOOR = True
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
