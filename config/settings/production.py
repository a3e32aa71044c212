"""Production: every secret from the environment, HTTPS only.

Required: DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL (PostgreSQL for
more than one application server). Several servers also share the media files
(JIFEN_S3_* for an S3-compatible store) and the cache (the database, or Redis).
Behind nginx terminating TLS, set DJANGO_SECURE_PROXY=1 so Django trusts
X-Forwarded-Proto.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a random value of 50+ characters.")
if not ALLOWED_HOSTS:  # noqa: F405
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the host names served.")

# The application serves its own static files (no CDN, no separate web root needed).
MIDDLEWARE = [  # noqa: F405
    *MIDDLEWARE[:1],  # noqa: F405
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],  # noqa: F405
]
STORAGES = {
    # Local files, or S3/MinIO when JIFEN_S3_BUCKET is set.
    **media_storages_from_env(),  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# A cache every application server shares: the database table unless JIFEN_CACHE_URL
# (or REDIS_URL) names Redis. `manage.py createcachetable` creates the table.
CACHES = caches_from_env(default="db://")  # noqa: F405
# Behind nginx: the client's address comes from X-Forwarded-For, believed only when the
# request comes from one of these proxies (addresses or networks, comma separated).
JIFEN_TRUSTED_PROXIES = os.environ.get("JIFEN_TRUSTED_PROXIES", "")
if JIFEN_TRUSTED_PROXIES:
    from config.proxy import trusted_networks

    try:
        trusted_networks(JIFEN_TRUSTED_PROXIES)
    except ValueError as exc:
        raise ImproperlyConfigured(f"JIFEN_TRUSTED_PROXIES: {exc}") from exc
    MIDDLEWARE = ["config.proxy.TrustedProxyMiddleware", *MIDDLEWARE]
if os.environ.get("DJANGO_SECURE_PROXY") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
