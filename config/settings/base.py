"""Settings shared by every environment; the environment picks the rest.

DATABASE_URL selects the database: SQLite under var/ by default (WAL mode,
IMMEDIATE transactions so writers queue instead of failing), PostgreSQL for a
city-wide deployment.
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .integrations import *  # noqa: F403 - sign-in providers, push channels, the task queue
from .integrations import sso_backends

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("JIFEN_VAR_DIR", BASE_DIR / "var"))

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "accounts",
    "audit",
    "organizations",
    "rules",
    "ledger",
    "summaries",
    "appraisals",
    "contributions",
    "declarations",
    "orglife",
    "notifications",
    "commitments",
    "participation",
    "results",
    "publicity",
    "oversight",
    "backups",
    "portal",
    "csp",
    "django_q",
    "django_cas_ng",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signed-in answers: Cache-Control private, no-store (every response after this line).
    "core.security_headers.PrivateNoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "core.middleware.RequestContextMiddleware",
    "audit.middleware.AccessDeniedAuditMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.security_headers.PermissionsPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: runs a keyed submission's view in one transaction with its key (core.idempotency).
    "core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]


def database_from_env() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'jifen.sqlite3'}"
    # DJANGO_CONN_MAX_AGE: seconds a worker keeps its connection (0, the default: one per request).
    age = int(os.environ.get("DJANGO_CONN_MAX_AGE", "0"))
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=age, conn_health_checks=age > 0)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # The unit's identity providers (config/settings/integrations.py): each signs in only
    # a login already linked to, or matched with, a member; none makes a login.
    *sso_backends(),
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # accounts.validators: Django's validators with every message in the zh-Hans
    # catalogue; the similarity check also refuses a password containing the username.
    {"NAME": "accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "accounts.validators.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sign-in hardening: five failures lock a username for fifteen minutes; thirty
# idle minutes end a session.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False
# Two-factor sign-in (TOTP, django-otp; accounts/two_factor.py): after the password, a
# code from an authenticator app. Required of the roles listed (committee_admin also
# covers every role in the committee itself) and of superusers, unless the deployment
# sets JIFEN_2FA_REQUIRED=0; anyone may set it up for themselves.
JIFEN_2FA_REQUIRED = os.environ.get("JIFEN_2FA_REQUIRED", "1") == "1"
JIFEN_2FA_ROLES = [
    role.strip()
    for role in os.environ.get("JIFEN_2FA_ROLES", "committee_admin,secretary").split(",")
    if role.strip()
]
OTP_TOTP_ISSUER = os.environ.get("JIFEN_2FA_ISSUER", "奉献积分")
OTP_TOTP_THROTTLE_FACTOR = 1  # after n wrong codes in a row, wait 2**(n-1) seconds
# The plan keeps audit rows at least this many days. Nothing deletes them: the
# model refuses update and delete, and on PostgreSQL a trigger refuses them too
# (audit/migrations/0002). Archiving older rows, if ever, must keep this minimum.
AUDIT_RETENTION_DAYS = 185
# Anonymous refusals (a miss on a public link, a wrong voting code) are counted per client
# address in windows of this many seconds: a row for the 1st, 10th, 100th … of a window.
AUDIT_COUNTED_WINDOW = 60 * 60
SESSION_COOKIE_AGE = 30 * 60
# Idle timeout: core.sessions refreshes a session's expiry when it was set more than
# SESSION_REFRESH_AFTER seconds ago (one write a minute, not one per request).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_AFTER = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("JIFEN_MEDIA_ROOT", VAR_DIR / "media"))
# Attachments only their owners and officers may read (exemption applications).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("JIFEN_PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))


def media_storages_from_env() -> dict[str, dict[str, Any]]:
    """Uploaded files: the local file system, or an S3-compatible store (MinIO on the
    intranet) shared by every application server when JIFEN_S3_BUCKET is set.

    Objects are written private and never handed out by URL: every file goes through a
    view that checks who asks and reads it through the storage API. "private" holds the
    exemption attachments (participation.models.private_storage).
    """
    bucket = os.environ.get("JIFEN_S3_BUCKET", "")
    if not bucket:
        return {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    prefix = os.environ.get("JIFEN_S3_PREFIX", "").strip("/")
    prefix = f"{prefix}/" if prefix else ""
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "endpoint_url": os.environ.get("JIFEN_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("JIFEN_S3_REGION") or None,
        "access_key": os.environ.get("JIFEN_S3_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("JIFEN_S3_SECRET_ACCESS_KEY") or None,
        "verify": os.environ.get("JIFEN_S3_CA_BUNDLE") or None,
        "addressing_style": "path",  # MinIO and most on-premises stores
        "signature_version": "s3v4",
        "default_acl": "private",
        "querystring_auth": True,  # a URL, were one ever made, would be signed and expire
        "querystring_expire": 60,
        "file_overwrite": False,
    }
    backend = "storages.backends.s3.S3Storage"
    return {
        alias: {"BACKEND": backend, "OPTIONS": {**options, "location": f"{prefix}{folder}"}}
        for alias, folder in (("default", "media"), ("private", "private"))
    }


STORAGES = {
    **media_storages_from_env(),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Sessions live in the database (Django's db backend, see core/sessions.py), so every
# application server sees every session, and disabling an account deletes its sessions at once.
SESSION_ENGINE = "core.sessions"

CACHE_TABLE = "jifen_cache"


def caches_from_env(default: str = "locmem://") -> dict[str, dict[str, Any]]:
    """The cache (the appraisal code rate limit counts in it): JIFEN_CACHE_URL, else
    REDIS_URL, else `default`. `redis://host:6379/0` (or rediss://, unix://) is Redis,
    `db://` the database table CACHE_TABLE (run `manage.py createcachetable`), and
    `locmem://` memory of one process: with several application servers use Redis or db.
    """
    url = os.environ.get("JIFEN_CACHE_URL") or os.environ.get("REDIS_URL") or default
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("redis", "rediss", "unix"):
        config: dict[str, Any] = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
        }
    elif scheme == "db":
        config = {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
        }
    elif scheme == "locmem":
        config = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    else:
        raise ImproperlyConfigured(
            f"JIFEN_CACHE_URL must start with redis://, rediss://, unix://, db:// or locmem://, "
            f"not {scheme}://"
        )
    return {"default": {**config, "KEY_PREFIX": "jifen"}}


CACHES = caches_from_env()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Content-Security-Policy (django-csp 4): everything from this origin, nothing
# inline. Scripts and styles are files under static/; htmx's inline indicator
# <style> is switched off in base.html (static/css/jifen.css styles .htmx-indicator);
# QR codes are inline SVG with presentation attributes only (no style="").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
JIFEN_API_RATE = os.environ.get("JIFEN_API_RATE", "600/min")
# The REST API (api/): DRF with the browser's session or personal access tokens, errors as
# problem details, each token throttled in its own bucket (JIFEN_API_RATE, e.g. 600/min).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.SignedIn", "api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
    "URL_FORMAT_OVERRIDE": None,  # ?format= is the my-data download's own parameter
}
SPECTACULAR_SETTINGS = {
    "TITLE": "奉献积分 API",
    "DESCRIPTION": "党员奉献量化积分制管理系统的 REST API（/api/v1/）。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["api.permissions.SignedIn"],
    # The docs page's assets come from drf-spectacular-sidecar, served by the app: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
# Browser features the application never uses (core.security_headers.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"

# The plan locks out by username (a shared office network has one address for
# everyone, so locking by address would lock out the whole bureau).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
