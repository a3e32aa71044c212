"""Forms of the scheme editor. They parse input; the rules live in rules/services.py."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.numbers import NotOnePlace, one_place

from .models import Category, Item, PointsKind, Scheme, Section

# "name=points"; the full-width sign is what a Chinese input method types.
LEVEL_LINE = re.compile(r"^\s*(?P<name>[^=＝]+?)\s*[=＝]\s*(?P<points>\S+)\s*$")


def points_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0"),
        max_digits=6,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0"}),
        **kwargs,
    )


def levels_as_text(levels: list[dict[str, str]] | None) -> str:
    return "\n".join(f"{level['name']}={level['points']}" for level in levels or [])


def parse_levels(text: str) -> list[dict[str, str]]:
    """Lines "name=points" (一般=1) into the item's levels; a bad line is a ValidationError."""
    levels: list[dict[str, str]] = []
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = LEVEL_LINE.match(line)
        value: Decimal | None = None
        if match:
            try:
                value = one_place(match["points"])
            except NotOnePlace:
                value = None
        if match is None or value is None or value <= 0:
            errors.append(
                str(
                    _(
                        "Line %(number)d “%(line)s” is not “name=points” with points "
                        "greater than zero and at most one decimal place."
                    )
                )
                % {"number": number, "line": line.strip()}
            )
            continue
        levels.append({"name": match["name"], "points": str(value)})
    if errors:
        raise ValidationError(errors)
    return levels


class MarksInvalid:
    """Gives a field with an error Bootstrap's is-invalid class, whoever found the error."""

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        names = [field] if field else []
        if isinstance(error, dict):
            names = list(error)
        for name in names:
            widget = self.fields[name].widget if name in self.fields else None  # type: ignore[attr-defined]
            if widget is not None:
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class ItemForm(MarksInvalid, forms.Form):
    """One rule line. Fields the chosen section or points kind does not use are ignored."""

    section = forms.ChoiceField(label=_("Section"), choices=Section.choices)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", "—")] + list(Category.choices),
        required=False,
        help_text=_("Dedication items only: the row of the points card they count in."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    label = forms.CharField(
        label=_("Form label"),
        max_length=200,
        help_text=_("The exact text of the row on the points card (attachment 2)."),
    )
    points_kind = forms.ChoiceField(
        label=_("Points are given as"), choices=PointsKind.choices, initial=PointsKind.FIXED
    )
    points = points_field(_("Points"), help_text=_("Per occurrence; for a base item, its maximum."))
    points_min = points_field(_("Minimum points"))
    points_max = points_field(_("Maximum points"))
    levels = forms.CharField(
        label=_("Levels"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "一般=1\n突出=2\n特别突出=3"}),
        help_text=_("One level a line: name=points."),
    )
    cap_month = points_field(_("Monthly cap"), help_text=_("Empty means no cap."))
    cap_year = points_field(_("Yearly cap"), help_text=_("Empty means no cap."))
    evidence_required = forms.BooleanField(label=_("Evidence required"), required=False)
    declarable = forms.BooleanField(label=_("Declarable by members"), required=False)
    order = forms.IntegerField(
        label=_("Order"),
        required=False,
        min_value=0,
        max_value=100000,
        help_text=_("Position within its section; empty puts a new item last."),
    )

    def __init__(self, *args: Any, item: Item | None = None, **kwargs: Any) -> None:
        if item is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_for(item)
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                widget.attrs.setdefault("class", "form-control form-control-sm")
            widget.attrs["data-field"] = name

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        # Levels are read only when the item uses them: lines left in a hidden
        # textarea after switching to fixed points must not block saving.
        raw = data.get("levels") or ""
        data["levels"] = []
        if data.get("points_kind") == PointsKind.LEVELS and data.get("section") != Section.BASE:
            try:
                data["levels"] = parse_levels(raw)
            except ValidationError as error:
                self.add_error("levels", error)
        return data

    def values(self) -> dict[str, Any]:
        """What the services take: every field, levels already parsed."""
        data = dict(self.cleaned_data)
        data["category"] = data.get("category") or ""
        return data


def initial_for(item: Item) -> dict[str, Any]:
    return {
        "section": item.section,
        "category": item.category,
        "name": item.name,
        "label": item.label,
        "points_kind": item.points_kind,
        "points": item.points,
        "points_min": item.points_min,
        "points_max": item.points_max,
        "levels": levels_as_text(item.levels),
        "cap_month": item.cap_month,
        "cap_year": item.cap_year,
        "evidence_required": item.evidence_required,
        "declarable": item.declarable,
        "order": item.order,
    }


class CategoryCapsForm(MarksInvalid, forms.Form):
    """A yearly cap per dedication category; empty means no cap."""

    def __init__(self, *args: Any, scheme: Scheme, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {f"cap_{c}": scheme.category_cap(c) for c in Category.values},
        )
        super().__init__(*args, **kwargs)
        for value, label in Category.choices:
            field = points_field(label)
            field.widget.attrs["class"] = "form-control form-control-sm"
            self.fields[f"cap_{value}"] = field

    def caps(self) -> dict[str, Decimal | None]:
        return {c: self.cleaned_data.get(f"cap_{c}") for c in Category.values}


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
