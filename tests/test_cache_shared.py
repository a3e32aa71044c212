"""The cache several application servers share: chosen by JIFEN_CACHE_URL (or REDIS_URL),
the database table by default in production; with Redis the appraisal code rate limit
counts the failures of every server together."""

from __future__ import annotations

import socket
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured

from appraisals import throttle
from config.settings.base import CACHE_TABLE, caches_from_env

REDIS = ("127.0.0.1", 6379)


def redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("redis://10.0.0.5:6379/1", "redis.RedisCache", "redis://10.0.0.5:6379/1"),
        ("rediss://cache.internal:6380/0", "redis.RedisCache", "rediss://cache.internal:6380/0"),
        ("db://", "db.DatabaseCache", CACHE_TABLE),
        ("locmem://", "locmem.LocMemCache", None),
    ],
)
def test_the_cache_comes_from_the_environment(monkeypatch, url, backend, location):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("JIFEN_CACHE_URL", url)
    config = caches_from_env()["default"]
    assert config["BACKEND"] == f"django.core.cache.backends.{backend}"
    assert config.get("LOCATION") == location


def test_redis_url_is_read_and_production_defaults_to_the_database(monkeypatch):
    monkeypatch.delenv("JIFEN_CACHE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert caches_from_env(default="db://")["default"]["LOCATION"] == CACHE_TABLE
    assert caches_from_env()["default"]["BACKEND"].endswith("LocMemCache")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert caches_from_env(default="db://")["default"]["BACKEND"].endswith("RedisCache")


def test_an_unknown_cache_scheme_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("JIFEN_CACHE_URL", "memcached://10.0.0.5")
    with pytest.raises(ImproperlyConfigured, match="JIFEN_CACHE_URL"):
        caches_from_env()


@pytest.mark.skipif(not redis_reachable(), reason="no Redis server at 127.0.0.1:6379")
def test_two_servers_count_ballot_code_failures_together_in_redis(settings, monkeypatch):
    """Two cache clients (as two application processes would hold) on one Redis: the
    failures recorded through either add up, and both see the address past the limit."""
    settings.APPRAISAL_CODE_FAILURE_LIMIT = 4
    prefix = f"jifen-test-{uuid.uuid4().hex}"
    params = {"KEY_PREFIX": prefix}
    server_a = RedisCache("redis://127.0.0.1:6379/0", params)
    server_b = RedisCache("redis://127.0.0.1:6379/0", params)
    address = "10.1.2.3"

    def through(server: RedisCache):
        monkeypatch.setattr(throttle, "cache", server)

    try:
        for count, server in enumerate((server_a, server_b, server_a), start=1):
            through(server)
            assert throttle.record_failure(address) == count
        assert server_b.get(throttle._key(address)) == 3
        through(server_b)
        assert throttle.over_limit(throttle.record_failure(address))  # the 4th, on the other server
        through(server_a)
        assert throttle.failures(address) == 4
    finally:
        server_a.delete(throttle._key(address))
        server_a.close()
        server_b.close()
