"""Drawing a spot check's sample: reproducible from its seed and parameters."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable

from django.db.models import QuerySet

from ledger.models import Entry, Source

SOURCES = (Source.DECLARATION, Source.DIRECT)
MAX_SEED = 10**9


def new_seed() -> int:
    """A seed short enough to read out and type in again."""
    return secrets.randbelow(MAX_SEED - 1) + 1


def draw(candidate_ids: Iterable[int], *, size: int, seed: int) -> list[int]:
    """`size` ids out of the candidates, in the order drawn.

    The candidates are sorted first, so however the database returned them the same
    seed and the same candidates give the same sample.
    """
    ids = sorted(set(candidate_ids))
    if not 0 < size <= len(ids):
        raise ValueError(f"cannot draw {size} of {len(ids)}")
    return random.Random(seed).sample(ids, size)


def candidates(*, year: int, branch_ids: list[int], months: list[int]) -> QuerySet[Entry]:
    """Recognised points: entries from a declaration or recorded directly, neither a
    reversal nor reversed since."""
    qs = Entry.objects.filter(
        year=year,
        branch_id__in=branch_ids,
        source__in=SOURCES,
        reverses__isnull=True,
        reversed_by__isnull=True,
    )
    if months:
        qs = qs.filter(month__in=months)
    return qs
