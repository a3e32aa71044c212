"""One-time codes people type or scan: ten characters from an alphabet without look-alikes,
stored only as a keyed hash.

31 symbols ** 10 ≈ 8 × 10^14 codes, so a code cannot practically be guessed. The hash is
an HMAC under the site's secret key, so a copy of the database does not let anyone recover
(or brute-force offline) an unused code. Voting codes (appraisals) and login activation
codes (accounts) use it, each under its own purpose.
"""

from __future__ import annotations

import secrets

from django.utils.crypto import salted_hmac

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
LENGTH = 10


def generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(typed: str) -> str:
    """What a person typed, without spaces or hyphens, in capitals."""
    return "".join(ch for ch in (typed or "").upper() if ch.isalnum())


def looks_valid(code: str) -> bool:
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def keyed_hash(purpose: str, code: str) -> str:
    return salted_hmac(purpose, normalize(code), algorithm="sha256").hexdigest()


def display(code: str) -> str:
    """Grouped for reading aloud and typing: ABCDE-FGHJK."""
    half = LENGTH // 2
    return f"{code[:half]}-{code[half:]}"
