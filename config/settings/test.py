"""Test settings: fast hashing, the same database selection as everywhere."""

from django.utils.translation import gettext_lazy as _

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tests read the interface in English unless a test asks for Chinese (the browser
# tests send Accept-Language zh-CN and see the real, translated interface).
LANGUAGE_CODE = "en"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]

# Two-factor sign-in off: tests/test_two_factor.py turns it on with override_settings.
JIFEN_2FA_REQUIRED = False

# The demonstration bureau: tests/test_demo.py and the browser tests build on it.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]  # noqa: F405
