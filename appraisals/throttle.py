"""Wrong voting codes, counted per client address without ever refusing a right one.

Voters often share one address: a whole office behind one NAT, the meeting room's
Wi-Fi. The former lock (10 wrong codes from an address, then every code refused for 10
minutes) let one person who mistyped, or one mischief-maker, stop everyone at that
address from voting. Any rule that refuses to look a code up refuses some valid codes,
and a rule that looks every code up cannot slow down a guesser's requests either; so:

- every code presented is looked up (one indexed query on its keyed hash), and a code
  that can vote is accepted from any address, whatever has been tried from there;
- refused codes are counted per address in a window (APPRAISAL_CODE_WINDOW seconds,
  default 600). Past APPRAISAL_CODE_FAILURE_LIMIT (default 10) a refused code gets the
  "too many wrong codes" page (HTTP 429) instead of "wrong code": a person is told to
  check the slip or ask the secretary, and the count goes to the audit log (rows for
  the 1st, 10th, 100th … refusal of an address in an hour, audit.services).

Guessing stays impractical because of the codes themselves (appraisals.codes): 31**10,
about 8 × 10**14 codes, of which a few hundred can vote at any time. At the most the
server can answer (a few hundred requests a second) a guesser finds one open code in
the order of a hundred years, while a session is open for days; the flood itself shows
in the audit log. Throttling requests per address belongs in front of the application
(nginx `limit_req`), where it costs no worker.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _key(address: str) -> str:
    return f"appraisals:code-failures:{address}"


def limit() -> int:
    return _setting("APPRAISAL_CODE_FAILURE_LIMIT", 10)


def failures(address: str) -> int:
    return int(cache.get(_key(address)) or 0)


def record_failure(address: str) -> int:
    """Count one refused code from `address`; the count in the current window."""
    key, window = _key(address), _setting("APPRAISAL_CODE_WINDOW", 600)
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def over_limit(count: int) -> bool:
    return count >= limit()
