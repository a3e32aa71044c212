"""Limits code guessing per client address with a counter in Django's cache.

After `APPRAISAL_CODE_FAILURE_LIMIT` refused codes (default 10) within
`APPRAISAL_CODE_WINDOW` seconds (default 600) the address is refused any code for
`APPRAISAL_CODE_LOCKOUT` seconds (default 600). With several application servers the
cache must be shared (a database or Redis cache), or each server counts on its own.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _keys(address: str) -> tuple[str, str]:
    return f"appraisals:code-failures:{address}", f"appraisals:code-lock:{address}"


def is_locked(address: str) -> bool:
    return cache.get(_keys(address)[1]) is not None


def record_failure(address: str) -> bool:
    """Count one refused code; True when this failure locks the address."""
    failures, lock = _keys(address)
    cache.add(failures, 0, timeout=_setting("APPRAISAL_CODE_WINDOW", 600))
    try:
        count = cache.incr(failures)
    except ValueError:  # expired between add and incr
        cache.set(failures, 1, timeout=_setting("APPRAISAL_CODE_WINDOW", 600))
        count = 1
    if count >= _setting("APPRAISAL_CODE_FAILURE_LIMIT", 10):
        cache.set(lock, 1, timeout=_setting("APPRAISAL_CODE_LOCKOUT", 600))
        cache.delete(failures)
        return True
    return False


def lockout_minutes() -> int:
    return max(1, _setting("APPRAISAL_CODE_LOCKOUT", 600) // 60)
