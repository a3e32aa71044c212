"""Local development: `make run`. Never used in production."""

import os

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "dev-only-insecure-key-never-in-production"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

# Two-factor sign-in is off in the demonstration (`make run`); JIFEN_2FA_REQUIRED=1 turns it on.
JIFEN_2FA_REQUIRED = os.environ.get("JIFEN_2FA_REQUIRED", "0") == "1"

# The demonstration bureau of `make run` (`manage.py demo`, `demo_logins`); never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]  # noqa: F405
