"""Forms of the declaration pages: they parse input; the services decide."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from contributions.models import Platform
from core.forms import bootstrap
from core.ids import IdChoiceField, IdField
from core.periods import Month
from core.pinyin import name_order
from organizations.models import Member, Organization
from rules.models import Item
from rules.points import points_spec

from .deadlines import recent_months
from .models import Declaration
from .recognition import PARTLY, RECOGNISE, REJECT
from .services import MAX_LINES


def _item_option(pk: str, item: Item) -> tuple[str, str]:
    """One item's <option> as (opening without ">", rest): its rule for the reviewer's hints."""
    rule = points_spec(item)
    data = {
        "data-kind": item.points_kind,
        "data-rule": rule,
        "data-points": "" if item.points is None else str(item.points),
        "data-levels": " ".join(str(level.get("points", "")) for level in item.levels or []),
    }
    attrs = "".join(f' {name}="{escape(value)}"' for name, value in data.items())
    return (
        f'<option value="{escape(pk)}"',
        f"{attrs}>{escape(f'{item.name}（{rule}）')}</option>",
    )


_OPTIONS: dict[tuple, tuple[str, str]] = {}


def item_option(pk: str, item: Item) -> tuple[str, str]:
    """The option of an item, rendered once per process for as long as everything it shows
    stays the same: the key holds every field the option is made of, so an edited item
    simply gets a new entry."""
    key = (
        pk,
        item.name,
        item.points_kind,
        item.points,
        item.points_min,
        item.points_max,
        json.dumps(item.levels, sort_keys=True, default=str),
    )
    option = _OPTIONS.get(key)
    if option is None:
        if len(_OPTIONS) >= 2048:  # bounded: old schemes' items drop out
            _OPTIONS.clear()
        option = _OPTIONS[key] = _item_option(pk, item)
    return option


class ItemSelect(forms.Select):
    """The item drop-down, written directly instead of through a template per option: a
    scheme has dozens of items and a page shows several drop-downs, so Django's option
    templates were half of the edit page's time. The HTML is the same as forms.Select's
    (`selected` on the chosen option, no option groups); each option carries its item's
    rule for the reviewer's hints (declarations_review.js)."""

    items_by_pk: dict[str, Item]

    def render(self, name, value, attrs=None, renderer=None):  # type: ignore[no-untyped-def]
        chosen = self.format_value(value)
        selected = chosen[0] if chosen else None
        final = self.build_attrs(self.attrs, attrs)
        parts = [f'<select name="{escape(name)}"{flatatt(final)}>']
        items = getattr(self, "items_by_pk", {})
        for pk, label in self.choices:
            pk = "" if pk is None else str(pk)
            mark = " selected" if pk == selected else ""
            if mark:
                selected = None  # as forms.Select: only the first match is selected
            item = items.get(pk)
            if item is None:
                parts.append(f'  <option value="{escape(pk)}"{mark}>{escape(label)}</option>')
            else:
                opening, rest = item_option(pk, item)
                parts.append(f"  {opening}{mark}{rest}")
        parts.append("</select>")
        return mark_safe("\n".join(parts))  # noqa: S308 - every value above is escaped


class ItemField(forms.ChoiceField):
    """A choice among items already read (one query for the page, not one per line)."""

    widget = ItemSelect

    def __init__(self, *, empty_label: Any = "---------", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.empty_label = empty_label
        self.set_items([])

    def set_items(self, items: Iterable[Item]) -> None:
        self.items_by_pk = {str(item.pk): item for item in items}
        self.choices = [("", self.empty_label)] + [
            (pk, f"{item.name}（{points_spec(item)}）") for pk, item in self.items_by_pk.items()
        ]
        self.widget.items_by_pk = self.items_by_pk

    def __deepcopy__(self, memo: dict) -> Any:
        copy = super().__deepcopy__(memo)
        copy.set_items(self.items_by_pk.values())
        return copy

    def prepare_value(self, value: Any) -> Any:
        return str(value.pk) if isinstance(value, Item) else value

    def clean(self, value: Any) -> Item | None:
        value = super().clean(value)
        return self.items_by_pk.get(str(value)) if value else None


class HeaderForm(forms.Form):
    """Attachment 1's heading: prefilled from the profile, the member may correct it."""

    name = forms.CharField(label=_("Name"), max_length=50)
    birth_month = forms.CharField(
        label=_("Birth month"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "1985.05"}),
    )
    unit_and_position = forms.CharField(
        label=_("Work unit and position"), max_length=200, required=False
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)

    @classmethod
    def initial_of(cls, declaration: Declaration) -> dict[str, str]:
        return {name: getattr(declaration, name) for name in cls.base_fields}


class LineForm(forms.Form):
    id = IdField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(
        label=_("What I did"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("When, where, what you did and for whom."),
    )
    suggested_item = ItemField(
        label=_("Item (optional)"), required=False, empty_label=_("— let the group decide —")
    )
    platform = forms.ChoiceField(label=_("Platform (optional)"), required=False)

    def __init__(
        self,
        *args: Any,
        items: Iterable[Item] = (),
        platforms: Iterable[Platform] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(ItemField, self.fields["suggested_item"]).set_items(items)
        self.platforms = {str(p.pk): p for p in platforms}
        if self.platforms:
            cast(forms.ChoiceField, self.fields["platform"]).choices = [("", _("— none —"))] + [
                (pk, f"{p.name}（{p.get_business_line_display()}）")
                for pk, p in self.platforms.items()
            ]
        else:  # the member's department has no platform running this month
            del self.fields["platform"]
        bootstrap(self)

    def clean_platform(self) -> Platform | None:
        value = self.cleaned_data.get("platform")
        return self.platforms.get(str(value)) if value else None


LineFormSet = forms.formset_factory(
    LineForm, extra=0, can_delete=True, max_num=MAX_LINES, validate_max=True, absolute_max=100
)


def line_formset(data: Any = None, *, initial: list[dict], items: Any, platforms: Any = ()) -> Any:
    formset = LineFormSet(
        data,
        initial=initial,
        prefix="lines",
        form_kwargs={"items": items, "platforms": platforms},
    )
    return formset


class ReviewLineForm(forms.Form):
    """The group's decision on one line."""

    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (RECOGNISE, _("Recognise")),
            (PARTLY, _("Recognise in part")),
            (REJECT, _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    item = ItemField(label=_("Item"), required=False)
    points = forms.CharField(
        label=_("Points"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    confirm_reduced = forms.BooleanField(label=_("I confirm the reduced points"), required=False)

    def __init__(self, *args: Any, items: Iterable[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ItemField, self.fields["item"]).set_items(items)
        bootstrap(self)


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("What more information is needed"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(value: str) -> Month | None:
    """ "2026-03" as a Month, or None for anything else."""
    match = MONTH_RE.match((value or "").strip())
    if not match:
        return None
    try:
        return Month(int(match.group(1)), int(match.group(2)))
    except ValueError:
        return None


def month_choices(count: int = 12) -> list[tuple[str, str]]:
    return [(f"{m.year}-{m.month:02d}", str(m)) for m in recent_months(count)]


class LateForm(forms.Form):
    """The recorder opens a declaration after the deadline, for a member and a month."""

    member = IdChoiceField(label=_("Member"), queryset=Member.objects.none())
    month = forms.ChoiceField(label=_("Month"))
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args: Any, branch: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["member"]).queryset = Member.objects.filter(
            branch=branch, is_active=True
        ).order_by(*name_order(), "pk")
        cast(forms.ChoiceField, self.fields["month"]).choices = month_choices()
        bootstrap(self)

    def clean_month(self) -> Month:
        month = parse_month(self.cleaned_data["month"])
        if month is None:
            raise forms.ValidationError(_("Choose a month."))
        return month
