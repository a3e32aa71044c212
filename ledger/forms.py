"""Forms of the officers' ledger pages: they parse input; the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import bootstrap
from core.ids import IdChoiceField
from organizations.models import Member
from rules.models import Item, Scheme, Section

from .models import Veto

MONTH_CHOICES = [(m, str(m)) for m in range(1, 13)]


class ItemChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_section_display()} · {obj.name}"


class EntryForm(forms.Form):
    """A direct record by the assessment group: a member, a month, an item, points."""

    member = IdChoiceField(label=_("Member"), queryset=Member.objects.none())
    month = forms.TypedChoiceField(label=_("Month"), choices=MONTH_CHOICES, coerce=int)
    item = ItemChoiceField(label=_("Item"), queryset=Item.objects.none())
    points = forms.DecimalField(
        label=_("Points"),
        max_digits=6,
        decimal_places=1,
        help_text=_(
            "Dedication points and deductions are positive; a base score adjustment is "
            "negative (e.g. -2)."
        ),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Where the supporting material is kept, if any."),
    )

    def __init__(self, *args: Any, members: Any, year: int, scheme: Scheme, **kwargs: Any):
        super().__init__(*args, **kwargs)
        bootstrap(self)
        self.year = year
        cast(forms.ModelChoiceField, self.fields["member"]).queryset = members
        cast(forms.ModelChoiceField, self.fields["item"]).queryset = scheme.items.filter(
            is_retired=False
        ).order_by("order", "pk")
        today = timezone.localdate()
        if year == today.year:
            self.initial.setdefault("month", today.month)

    def clean_month(self) -> int:
        month = self.cleaned_data["month"]
        today = timezone.localdate()
        if (self.year, month) > (today.year, today.month):
            raise forms.ValidationError(_("Points cannot be recorded in a month still to come."))
        return month

    @property
    def source(self) -> str:
        item = self.cleaned_data["item"]
        return "adjustment" if item.section == Section.BASE else "direct"


class VetoForm(forms.Form):
    """The branch's 一票否决 decision, as recorded by its secretary."""

    member = IdChoiceField(label=_("Member"), queryset=Member.objects.none())
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    ground = forms.ChoiceField(label=_("Ground"), choices=Veto.Ground.choices)
    facts = forms.CharField(label=_("Facts"), widget=forms.Textarea(attrs={"rows": 3}))
    decided_on = forms.DateField(
        label=_("Decided on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    evidence = forms.CharField(
        label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        bootstrap(self)
        this_year = timezone.localdate().year
        cast(forms.ModelChoiceField, self.fields["member"]).queryset = members
        cast(forms.ChoiceField, self.fields["year"]).choices = [
            (y, y) for y in (this_year, this_year - 1)
        ]
        self.initial.setdefault("year", this_year)
        self.initial.setdefault("decided_on", timezone.localdate())

    def clean_decided_on(self) -> Any:
        decided_on = self.cleaned_data["decided_on"]
        if decided_on > timezone.localdate():
            raise forms.ValidationError(_("The decision cannot be dated in the future."))
        return decided_on
