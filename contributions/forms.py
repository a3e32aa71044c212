"""Input shapes for platforms; the rules live in the services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ALL_MONTHS, BUSINESS_LINE_CHOICES
from .selectors import ItemGroup
from .services import DESCRIPTION_LIMIT, NAME_LIMIT


class PlatformForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the platform"),
        max_length=NAME_LIMIT,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    business_line = forms.ChoiceField(
        label=_("Business line"),
        choices=BUSINESS_LINE_CHOICES,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    description = forms.CharField(
        label=_("What members do on it"),
        max_length=DESCRIPTION_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    months = forms.TypedMultipleChoiceField(
        label=_("Active months"),
        coerce=int,
        choices=[(m, str(m)) for m in ALL_MONTHS],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    items = forms.MultipleChoiceField(
        label=_("Scheme items it earns"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, groups: list[ItemGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups = groups
        self.by_pk = {str(item.pk): item for group in groups for item in group.items}
        cast(forms.ChoiceField, self.fields["items"]).choices = [
            (pk, item.name) for pk, item in self.by_pk.items()
        ]

    def chosen_items(self) -> list[Any]:
        return [self.by_pk[pk] for pk in self.cleaned_data.get("items", []) if pk in self.by_pk]

    def item_groups(self) -> list[tuple[ItemGroup, list[tuple[str, str, bool]]]]:
        """Each branch's items as (value, name, checked) for the template's check boxes."""
        chosen = {str(v) for v in (self["items"].value() or [])}
        return [
            (group, [(str(i.pk), i.name, str(i.pk) in chosen) for i in group.items])
            for group in self.groups
        ]

    def chosen_months(self) -> set[int]:
        values = self["months"].value() or []
        return {int(v) for v in values if str(v).isdigit()}


def first_error(form: forms.Form) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return ""
