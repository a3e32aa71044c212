"""Reads of the branch's and the committee's settings: the values in force, defaults
where nothing was chosen. A read never writes a row."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Organization
from .settings_models import BranchSettings, CommitteeSettings


def _pk(org: Organization | int) -> int:
    return org if isinstance(org, int) else org.pk


def branch_settings(branch: Organization | int) -> BranchSettings:
    """The branch's settings; an unsaved row holding the defaults when it has chosen none."""
    branch_id = _pk(branch)
    found = BranchSettings.objects.filter(branch_id=branch_id).first()
    return found or BranchSettings(branch_id=branch_id)


def branch_settings_of(branch_ids: Iterable[int]) -> dict[int, BranchSettings]:
    """Each branch's settings, defaults for those without a row (one query)."""
    ids = list(branch_ids)
    found = {row.branch_id: row for row in BranchSettings.objects.filter(branch_id__in=ids)}
    return {pk: found.get(pk) or BranchSettings(branch_id=pk) for pk in ids}


def committee_settings(committee: Organization | int | None) -> CommitteeSettings:
    """The committee's settings; an unsaved row holding the defaults when it has chosen
    none (or there is no committee)."""
    if committee is None:
        return CommitteeSettings()
    committee_id = _pk(committee)
    found = CommitteeSettings.objects.filter(committee_id=committee_id).first()
    return found or CommitteeSettings(committee_id=committee_id)
