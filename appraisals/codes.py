"""Voting codes: the one-time codes of core.codes under the appraisal's own purpose.

`throttle` counts wrong codes per address, never refusing a right one.
"""

from __future__ import annotations

from core.codes import ALPHABET, LENGTH, display, generate, keyed_hash, looks_valid, normalize

__all__ = ["ALPHABET", "LENGTH", "code_hash", "display", "generate", "looks_valid", "normalize"]


def code_hash(code: str) -> str:
    return keyed_hash("appraisals.voting-code", code)
