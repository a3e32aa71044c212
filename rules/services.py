"""Writes to schemes and items: copying the template, editing, retiring."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from core.errors import DomainError
from core.locks import ROW_LOCK
from core.numbers import NotOnePlace, one_place
from organizations.models import Organization

from . import defaults
from .models import Category, Item, PointsKind, Scheme, Section


class ItemInvalid(DomainError):
    """A rule line the plan's scheme cannot hold; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


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
                points_min=points[0] if isinstance(points, tuple) else None,
                points_max=points[1] if isinstance(points, tuple) else None,
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


def _copy_items(source: Scheme, target: Scheme, *, with_retired: bool = False) -> None:
    items = source.items.all() if with_retired else source.items.filter(is_retired=False)
    Item.objects.bulk_create(
        Item(
            scheme=target,
            template_item=item if source.is_template else item.template_item,
            code=item.code,
            is_retired=item.is_retired,
            **{f: getattr(item, f) for f in EDITABLE_FIELDS},
        )
        for item in items
    )


def committee_template(committee: Organization) -> Scheme | None:
    """The committee's own template, if it has made one."""
    return Scheme.objects.filter(is_template=True, organization=committee).first()


@transaction.atomic
def template_for_committee_edit(*, committee: Organization, actor: Any = None) -> Scheme:
    """The committee's own template, copied from the built-in default on its first edit.

    Branches copy it for each new year (plan 一(一): the committee receives each
    branch's rules; the template is where it proposes them).
    """
    if not committee.is_committee:
        raise DomainError(_("Only a party committee keeps a template scheme."))
    # Serialise first edits so that two administrators do not make two templates.
    Organization.objects.select_for_update(**ROW_LOCK).filter(pk=committee.pk).first()
    own = committee_template(committee)
    if own is not None:
        return own
    source = default_template()
    own = Scheme.objects.create(
        organization=committee,
        is_template=True,
        name=f"{committee.name}积分细则模板",
        copied_from=source,
        category_caps=dict(source.category_caps or {}),
    )
    _copy_items(source, own, with_retired=True)
    audit_record(
        action="rules.template.created",
        actor=actor,
        obj=own,
        organization=committee,
        after={"copied_from": source.pk},
    )
    return own


def template_item_for_edit(*, item: Item, committee: Organization, actor: Any = None) -> Item:
    """The item to change when a committee edits `item` of its template.

    An item of the built-in default stands for its copy in the committee's own
    template, which is made on this first edit.
    """
    if not item.scheme.is_template:
        return item
    if item.scheme.organization_id is not None:
        return item
    own = template_for_committee_edit(committee=committee, actor=actor)
    copy = own.items.filter(template_item=item).first()
    if copy is None:
        raise DomainError(_("The committee's template no longer has this item."))
    return copy


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


_LABEL_NOISE = re.compile(r"[\s“”\"]+")


def normalized_label(label: str) -> str:
    """A label as card import compares it: without white space or quote marks."""
    return _LABEL_NOISE.sub("", label or "")


POINTS_FIELDS = ("points", "points_min", "points_max", "cap_month", "cap_year")


def _one_place(value: Any, field: str) -> Decimal | None:
    """A points value as stored: a Decimal with one decimal place, below 100000."""
    if value is None or value == "":
        return None
    try:
        return one_place(value)
    except NotOnePlace as refused:
        if refused.reason == "number":
            raise ItemInvalid(_("Enter a number."), field) from None
        raise ItemInvalid(
            _("Points have at most one decimal place and stay below 100000."), field
        ) from None


def _validate_levels(levels: Any) -> list[dict[str, str]]:
    if not isinstance(levels, list) or not levels:
        raise ItemInvalid(_("Name at least one level with its points."), "levels")
    cleaned, names = [], set()
    for level in levels:
        name = str(level.get("name", "")).strip() if isinstance(level, dict) else ""
        try:
            value = one_place(level.get("points")) if isinstance(level, dict) else None
        except NotOnePlace as refused:
            if refused.reason != "number":
                raise ItemInvalid(
                    _("Points have at most one decimal place and stay below 100000."), "levels"
                ) from None
            value = None
        if not name or value is None or value <= 0:
            raise ItemInvalid(_("Each level needs a name and points greater than zero."), "levels")
        if name in names:
            raise ItemInvalid(_("The level “%(name)s” is named twice.") % {"name": name}, "levels")
        names.add(name)
        cleaned.append({"name": name, "points": str(value)})
    return cleaned


def _validate_points(item: Item) -> None:
    """Check the points of a dedication or deduction item; clear what its kind does not use."""
    if item.points_kind == PointsKind.FIXED:
        if item.points is None or item.points <= 0:
            raise ItemInvalid(_("Give the points per occurrence (greater than zero)."), "points")
        item.points_min = item.points_max = None
        item.levels = []
    elif item.points_kind == PointsKind.RANGE:
        low, high = item.points_min, item.points_max
        if low is None or low <= 0:
            raise ItemInvalid(_("Give a minimum greater than zero."), "points_min")
        if high is None or high < low:
            raise ItemInvalid(_("Give a maximum no smaller than the minimum."), "points_max")
        item.points = None
        item.levels = []
    elif item.points_kind == PointsKind.LEVELS:
        item.levels = _validate_levels(item.levels)
        item.points = item.points_min = item.points_max = None
    else:
        raise ItemInvalid(_("Choose how the points are given."), "points_kind")


def _validate_item(item: Item) -> None:
    if item.section not in Section.values:
        raise ItemInvalid(_("Choose a section."), "section")
    item.name = (item.name or "").strip()
    item.label = (item.label or "").strip()
    if not item.name:
        raise ItemInvalid(_("Give the item a name."), "name")
    if not item.label:
        raise ItemInvalid(_("Give the text of the item's row on the points card."), "label")
    if item.section == Section.DEDICATION:
        if item.category not in Category.values:
            raise ItemInvalid(_("A dedication item needs a category."), "category")
    else:
        item.category = ""
    for field in POINTS_FIELDS:
        setattr(item, field, _one_place(getattr(item, field), field))
    for field in ("cap_month", "cap_year"):
        cap = getattr(item, field)
        if cap is not None and cap < 0:
            raise ItemInvalid(_("A cap cannot be negative."), field)
    if item.section == Section.BASE:
        # A base item is held at its maximum and only adjusted downwards by the group.
        if item.points is None or item.points <= 0:
            raise ItemInvalid(_("A base item needs its maximum points."), "points")
        item.points_kind = PointsKind.FIXED
        item.points_min = item.points_max = None
        item.levels = []
        item.cap_month = item.cap_year = None
        item.declarable = False
    else:
        _validate_points(item)
    # Card import finds an item by its label, so two rows may not read alike.
    wanted = normalized_label(item.label)
    others = Item.objects.filter(scheme_id=item.scheme_id).exclude(pk=item.pk)
    if any(normalized_label(label) == wanted for label in others.values_list("label", flat=True)):
        raise ItemInvalid(
            _("Another item of this scheme already has the label “%(label)s”.")
            % {"label": item.label},
            "label",
        )


# Whether a branch's year is closed is the ledger's to say (its PeriodLock), and the ledger
# stands on rules: it registers the question here when it starts (ledger/apps.py).
_CLOSED_YEAR: dict[str, Callable[[int, int], bool]] = {}


def closed_year_register(lookup: Callable[[int, int], bool]) -> None:
    """`lookup(branch_id, year)` says whether the branch's year is closed."""
    _CLOSED_YEAR["lookup"] = lookup


def year_is_closed(scheme: Scheme) -> bool:
    """A closed year's scheme can no longer change (the template never closes)."""
    lookup = _CLOSED_YEAR.get("lookup")
    if scheme.is_template or scheme.organization_id is None or lookup is None:
        return False
    return lookup(scheme.organization_id, scheme.year or 0)


def _check_editable(scheme: Scheme) -> None:
    if year_is_closed(scheme):
        raise DomainError(_("The year is closed; its scheme can no longer change."))


@transaction.atomic
def item_create(*, scheme: Scheme, actor: Any = None, **values: Any) -> Item:
    """Add a rule line to a scheme (the branch decides its own items and points)."""
    _check_editable(scheme)
    item = Item(scheme=scheme, **{k: v for k, v in values.items() if k in EDITABLE_FIELDS})
    if values.get("order") is None:
        last = (
            scheme.items.filter(section=item.section).order_by("-order").values_list("order")
        ).first()
        item.order = last[0] + 1 if last else 0
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
        if field in EDITABLE_FIELDS and not (field == "order" and value is None):
            setattr(item, field, value)
    if has_entries and (
        item.section != before["section"] or (item.category or "") != (before["category"] or "")
    ):
        raise ItemInvalid(
            _("Points are recorded under this item; its section and category cannot change."),
            "section" if item.section != before["section"] else "category",
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


def _set_retired(item: Item, *, retired: bool, actor: Any) -> Item:
    _check_editable(item.scheme)
    if item.is_retired == retired:
        raise DomainError(
            _("The item is already retired.") if retired else _("The item is not retired.")
        )
    item.is_retired = retired
    item.save(update_fields=["is_retired"])
    audit_record(
        action="rules.item.retired" if retired else "rules.item.restored",
        actor=actor,
        obj=item,
        organization=item.scheme.organization_id,
        after={"is_retired": retired},
    )
    return item


@transaction.atomic
def item_retire(*, item: Item, actor: Any = None) -> Item:
    """Retire an item: no new points under it; its past entries keep counting."""
    return _set_retired(item, retired=True, actor=actor)


@transaction.atomic
def item_restore(*, item: Item, actor: Any = None) -> Item:
    """Bring a retired item back into use."""
    return _set_retired(item, retired=False, actor=actor)


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
        value = _one_place(cap, f"cap_{category}")
        if value is None:
            updated.pop(category, None)
        elif value < 0:
            raise ItemInvalid(_("A cap cannot be negative."), f"cap_{category}")
        else:
            updated[category] = str(value)
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
