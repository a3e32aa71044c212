"""Reads of the rules app that other pages show."""

from __future__ import annotations

from typing import Any

from core.nav import BadgeCounts, once_per_request

from .models import FilingStatus, SchemeFiling


@once_per_request
def badge_counts(user: Any) -> BadgeCounts:
    """The committee's badge: schemes submitted for filing."""
    return {"submitted": SchemeFiling.objects.filter(status=FilingStatus.SUBMITTED).count()}
