"""Writes of the departments' platforms (做贡献, plan 一(二)3): each 科室/单位 makes the
bureau's key work concrete as platforms its members contribute on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.actors import signed_in
from core.errors import DomainError
from core.locks import ROW_LOCK
from core.text import clean_text
from organizations.models import Department
from participation.services import heads_department
from rules.models import Item

from .models import ALL_MONTHS, BUSINESS_LINES, Platform
from .selectors import earnable_items, item_ids

NAME_LIMIT = 100
DESCRIPTION_LIMIT = 1000


def _months(months: Iterable[Any]) -> list[int]:
    chosen = set()
    for value in months:
        try:
            month = int(value)
        except (TypeError, ValueError):
            month = 0
        if month not in ALL_MONTHS:
            raise DomainError(_("Months are 1 to 12."))
        chosen.add(month)
    if not chosen:
        raise DomainError(_("Choose the months the platform runs in."))
    return sorted(chosen)


def _check_year(year: int) -> None:
    this_year = timezone.localdate().year
    if year not in (this_year, this_year + 1):
        raise DomainError(_("Platforms are set up for this year or the next."))


def _check_head(department: Department, actor: Any) -> None:
    if not heads_department(actor, department.pk):
        raise DomainError(_("Only the head of the department keeps its platforms."))


def _snapshot(platform: Platform, items: list[Item]) -> dict[str, Any]:
    return {
        "name": platform.name,
        "business_line": platform.business_line,
        "description": platform.description,
        "months": platform.month_list,
        "items": sorted(item.pk for item in items),
        "is_active": platform.is_active,
    }


@transaction.atomic
def platform_save(
    *,
    department: Department,
    year: int,
    name: Any,
    business_line: Any,
    description: Any,
    months: Iterable[Any],
    items: Iterable[Item],
    platform: Platform | None = None,
    actor: Any = None,
) -> Platform:
    """Set up a platform of the department, or change one: its name, one of the six
    business lines, what members do on it, the scheme items it earns (dedication items of
    the schemes of the branches its members belong to) and the months it runs."""
    _check_head(department, actor)
    if platform is not None:
        platform = Platform.objects.select_for_update(**ROW_LOCK).get(pk=platform.pk)
        if platform.department_id != department.pk:
            raise DomainError(_("The platform belongs to another department."))
        year = platform.year
    _check_year(year)
    if business_line not in [line.value for line in BUSINESS_LINES]:
        raise DomainError(_("Choose one of the six business lines."))
    items = list(items)
    allowed = item_ids(earnable_items(department, year))
    if any(item.pk not in allowed for item in items):
        raise DomainError(
            _("Choose dedication items of %(year)d's schemes of the department's branches.")
            % {"year": year}
        )
    before = _snapshot(platform, list(platform.items.all())) if platform is not None else None
    if platform is None:
        platform = Platform(department=department, year=year, created_by=signed_in(actor))
    platform.name = clean_text(name, limit=NAME_LIMIT, required=_("Name the platform."))
    platform.business_line = str(business_line)
    platform.description = clean_text(description, limit=DESCRIPTION_LIMIT)
    platform.months = _months(months)
    try:
        with transaction.atomic():
            platform.save()
    except IntegrityError:
        raise DomainError(
            _("The department already has a platform called “%(name)s” in %(year)d.")
            % {"name": platform.name, "year": year}
        ) from None
    platform.items.set(items)
    audit_record(
        action="contributions.platform.created"
        if before is None
        else "contributions.platform.updated",
        actor=actor,
        obj=platform,
        before=before,
        after=_snapshot(platform, items),
    )
    return platform


@transaction.atomic
def platform_set_open(*, platform: Platform, is_open: bool, actor: Any = None) -> Platform:
    """Close a platform (members no longer name it; what was declared on it stays counted)
    or open it again."""
    platform = Platform.objects.select_for_update(**ROW_LOCK).get(pk=platform.pk)
    _check_head(platform.department, actor)
    if platform.is_active == bool(is_open):
        return platform
    platform.is_active = bool(is_open)
    platform.save(update_fields=["is_active", "updated_at"])
    audit_record(
        action="contributions.platform.opened" if is_open else "contributions.platform.closed",
        actor=actor,
        obj=platform,
        before={"is_active": not platform.is_active},
        after={"is_active": platform.is_active},
    )
    return platform
