"""Writes to schemes and items: copying the template, editing, retiring."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from core.errors import DomainError
from organizations.models import Organization

from . import defaults
from .models import Category, Item, PointsKind, Scheme, Section

EDITABLE_FIELDS = [
    "section",
    "category",
    "name",
    "label",
    "points_kind",
    "points",
    "points_min",
    "points_max",
    "levels",
    "cap_month",
    "cap_year",
    "evidence_required",
    "declarable",
    "order",
]


def default_template() -> Scheme:
    """The built-in template (attachment 2), created by the first migration."""
    scheme = Scheme.objects.filter(is_template=True, organization__isnull=True).first()
    if scheme is None:
        scheme = build_default_template(Scheme, Item)
    return scheme


def build_default_template(scheme_model: Any, item_model: Any) -> Any:
    """Create the default template; also called from the data migration."""
    scheme = scheme_model.objects.create(is_template=True, name="积分细则模板（附件2）")
    order = 0
    items = []
    for name, label, maximum in defaults.BASE_ITEMS:
        order += 10
        items.append(
            item_model(
                scheme=scheme,
                code=f"base.{order // 10}",
                section="base",
                name=name,
                label=label,
                points_kind="fixed",
                points=maximum,
                declarable=False,
                order=order,
            )
        )
    low, high = defaults.DEDICATION_RANGE
    for category, name in defaults.DEDICATION_ITEMS:
        order += 10
        items.append(
            item_model(
                scheme=scheme,
                code=f"dedication.{category}",
                section="dedication",
                category=category,
                name=name,
                label=name,
                points_kind="range",
                points_min=low,
                points_max=high,
                order=order,
            )
        )
    for code, name, label, points in defaults.DEDUCTION_ITEMS:
        order += 10
        ranged = isinstance(points, tuple)
        items.append(
            item_model(
                scheme=scheme,
                code=f"deduction.{code}",
                section="deduction",
                name=name,
                label=label,
                points_kind="range" if ranged else "fixed",
                points=None if ranged else points,
                points_min=points[0] if ranged else None,
                points_max=points[1] if ranged else None,
                declarable=False,
                order=order,
            )
        )
    item_model.objects.bulk_create(items)
    return scheme


def template_for(branch: Organization) -> Scheme:
    """The committee's own template if it keeps one, otherwise the built-in default."""
    committee = branch.committee()
    own = Scheme.objects.filter(is_template=True, organization=committee).first()
    return own or default_template()


def _copy_items(source: Scheme, target: Scheme) -> None:
    Item.objects.bulk_create(
        Item(
            scheme=target,
            template_item=item if source.is_template else item.template_item,
            code=item.code,
            **{f: getattr(item, f) for f in EDITABLE_FIELDS},
        )
        for item in source.items.filter(is_retired=False)
    )


@transaction.atomic
def scheme_for_year(*, branch: Organization, year: int, actor: Any = None) -> Scheme:
    """The branch's scheme for the year, copied from its committee's template on first use."""
    if not branch.owns_members:
        raise DomainError(_("Only a branch or general branch has a points scheme."))
    scheme = Scheme.objects.filter(organization=branch, year=year, is_template=False).first()
    if scheme is not None:
        return scheme
    source = template_for(branch)
    try:
        with transaction.atomic():
            scheme = Scheme.objects.create(
                organization=branch,
                year=year,
                name=f"{branch.name}{year}年积分细则",
                copied_from=source,
                category_caps=dict(source.category_caps or {}),
            )
    except IntegrityError:  # created meanwhile by a concurrent request
        return Scheme.objects.get(organization=branch, year=year, is_template=False)
    _copy_items(source, scheme)
    audit_record(
        action="rules.scheme.created",
        actor=actor,
        obj=scheme,
        organization=branch,
        after={"copied_from": source.pk, "year": year},
    )
    return scheme


def _validate_item(item: Item) -> None:
    if item.section not in Section.values:
        raise DomainError(_("Choose a section."))
    if not item.name.strip() or not item.label.strip():
        raise DomainError(_("An item needs a name and the label of its row on the card."))
    if item.section == Section.DEDICATION and item.category not in Category.values:
        raise DomainError(_("A dedication item needs a category."))
    if item.section != Section.DEDICATION:
        item.category = ""
    if item.section == Section.BASE:
        if item.points is None or item.points <= 0:
            raise DomainError(_("A base item needs its maximum points."))
        item.points_kind = PointsKind.FIXED
        return
    if item.points_kind == PointsKind.FIXED:
        if item.points is None or item.points <= 0:
            raise DomainError(_("Give the points per occurrence (greater than zero)."))
    elif item.points_kind == PointsKind.RANGE:
        low, high = item.points_min, item.points_max
        if low is None or high is None or low <= 0 or high < low:
            raise DomainError(_("Give a range with 0 < minimum ≤ maximum."))
    elif item.points_kind == PointsKind.LEVELS:
        levels = item.levels or []
        if not levels:
            raise DomainError(_("Name at least one level with its points."))
        for level in levels:
            name = str(level.get("name", "")).strip() if isinstance(level, dict) else ""
            try:
                value = Decimal(str(level.get("points"))) if isinstance(level, dict) else None
            except ArithmeticError:
                value = None
            if not name or value is None or not value.is_finite() or value <= 0:
                raise DomainError(_("Each level needs a name and points greater than zero."))
    else:
        raise DomainError(_("Choose how the points are given."))
    for cap in (item.cap_month, item.cap_year):
        if cap is not None and cap < 0:
            raise DomainError(_("A cap cannot be negative."))


def _check_editable(scheme: Scheme) -> None:
    from ledger.models import PeriodLock

    if (
        not scheme.is_template
        and PeriodLock.objects.filter(
            branch_id=scheme.organization_id, year=scheme.year, half=2, reopened_at__isnull=True
        ).exists()
    ):
        raise DomainError(_("The year is closed; its scheme can no longer change."))


@transaction.atomic
def item_create(*, scheme: Scheme, actor: Any = None, **values: Any) -> Item:
    """Add a rule line to a scheme (the branch decides its own items and points)."""
    _check_editable(scheme)
    item = Item(scheme=scheme, **{k: v for k, v in values.items() if k in EDITABLE_FIELDS})
    _validate_item(item)
    item.save()
    audit_record(
        action="rules.item.created",
        actor=actor,
        obj=item,
        organization=scheme.organization_id,
        after=snapshot(item),
    )
    return item


@transaction.atomic
def item_update(*, item: Item, actor: Any = None, **values: Any) -> Item:
    """Change a rule line. Once points are recorded under it, its section stays put."""
    _check_editable(item.scheme)
    before = snapshot(item)
    has_entries = item.entries.exists()
    for field, value in values.items():
        if field in EDITABLE_FIELDS:
            setattr(item, field, value)
    if has_entries and (
        item.section != before["section"] or (item.category or "") != (before["category"] or "")
    ):
        raise DomainError(
            _("Points are recorded under this item; its section and category cannot change.")
        )
    _validate_item(item)
    item.save()
    audit_record(
        action="rules.item.updated",
        actor=actor,
        obj=item,
        organization=item.scheme.organization_id,
        before=before,
        after=snapshot(item),
    )
    return item


@transaction.atomic
def item_retire(*, item: Item, actor: Any = None) -> Item:
    """Retire an item: no new points under it; its past entries keep counting."""
    _check_editable(item.scheme)
    if item.is_retired:
        raise DomainError(_("The item is already retired."))
    item.is_retired = True
    item.save(update_fields=["is_retired"])
    audit_record(
        action="rules.item.retired",
        actor=actor,
        obj=item,
        organization=item.scheme.organization_id,
        after={"is_retired": True},
    )
    return item


@transaction.atomic
def item_restore(*, item: Item, actor: Any = None) -> Item:
    _check_editable(item.scheme)
    item.is_retired = False
    item.save(update_fields=["is_retired"])
    audit_record(
        action="rules.item.restored",
        actor=actor,
        obj=item,
        organization=item.scheme.organization_id,
        after={"is_retired": False},
    )
    return item


@transaction.atomic
def item_delete(*, item: Item, actor: Any = None) -> None:
    """Delete an item nobody has points under; otherwise it can only be retired."""
    _check_editable(item.scheme)
    if item.entries.exists():
        raise DomainError(_("Points are recorded under this item; retire it instead."))
    before = snapshot(item)
    audit_record(
        action="rules.item.deleted",
        actor=actor,
        obj=item,
        organization=item.scheme.organization_id,
        before=before,
    )
    item.delete()


@transaction.atomic
def scheme_set_category_caps(
    *, scheme: Scheme, caps: dict[str, Decimal | None], actor: Any = None
) -> Scheme:
    """Set the yearly cap of dedication categories; None removes a cap."""
    _check_editable(scheme)
    before = dict(scheme.category_caps or {})
    updated = dict(before)
    for category, cap in caps.items():
        if category not in Category.values:
            raise DomainError(_("Unknown category."))
        if cap is None:
            updated.pop(category, None)
        elif cap < 0:
            raise DomainError(_("A cap cannot be negative."))
        else:
            updated[category] = str(cap)
    scheme.category_caps = updated
    scheme.save(update_fields=["category_caps"])
    audit_record(
        action="rules.scheme.caps_changed",
        actor=actor,
        obj=scheme,
        organization=scheme.organization_id,
        before=before,
        after=updated,
    )
    return scheme
