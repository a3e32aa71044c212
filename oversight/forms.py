"""Input shapes for oversight; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.ids import IdChoiceField, IdMultipleChoiceField
from core.years import EARLIEST, LATEST
from organizations.models import Department, Organization

from .cases import CITATION_LIMIT, CONSENT_NOTE_LIMIT, TEXT_LIMIT, TITLE_LIMIT
from .models import Finding, UnitKind
from .services import MAX_SAMPLE, NOTE_LIMIT, REASON_LIMIT, RESPONSE_LIMIT

MONTH_CHOICES = [(m, str(m)) for m in range(1, 13)]
TEXT = {"class": "form-control"}
SMALL = {"class": "form-control form-control-sm"}


def first_error(form: forms.Form) -> str:
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return ""


class DrawForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"), min_value=EARLIEST, max_value=LATEST, widget=forms.NumberInput(attrs=TEXT)
    )
    size = forms.IntegerField(
        label=_("Sample size"),
        min_value=1,
        max_value=MAX_SAMPLE,
        initial=10,
        widget=forms.NumberInput(attrs=TEXT),
    )
    branches = IdMultipleChoiceField(
        label=_("Branches"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("None chosen: every branch."),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    months = forms.TypedMultipleChoiceField(
        label=_("Months"),
        choices=MONTH_CHOICES,
        coerce=int,
        required=False,
        help_text=_("None chosen: every month."),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=2**63 - 1,
        required=False,
        help_text=_("Leave empty for a new random draw; enter an earlier seed to repeat it."),
        widget=forms.NumberInput(attrs=TEXT),
    )
    note = forms.CharField(
        label=_("Note"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT)
    )

    def __init__(self, *args: Any, branches: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["branches"]
        field.queryset = Organization.objects.filter(pk__in=[b.pk for b in branches])  # type: ignore[attr-defined]


class FindingForm(forms.Form):
    finding = forms.ChoiceField(
        label=_("Finding"),
        choices=[(Finding.CONFIRMED, _("Confirmed")), (Finding.PROBLEM, _("Problem"))],
    )
    note = forms.CharField(label=_("Note"), max_length=NOTE_LIMIT, required=False)


class ResponseForm(forms.Form):
    response = forms.CharField(
        label=_("The branch's response"),
        max_length=RESPONSE_LIMIT,
        widget=forms.Textarea(attrs={**TEXT, "rows": 4}),
    )


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Closing note"), max_length=NOTE_LIMIT, required=False)


class CaseForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=TITLE_LIMIT, widget=forms.TextInput(attrs=TEXT)
    )
    text = forms.CharField(
        label=_("Text"), max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={**TEXT, "rows": 6})
    )
    photos = forms.TypedMultipleChoiceField(
        label=_("Photos"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    consent = forms.BooleanField(
        label=_("The member has agreed to this contribution being publicised."),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    consent_note = forms.CharField(
        label=_("How consent was given"),
        max_length=CONSENT_NOTE_LIMIT,
        required=False,
        help_text=_("For example: signed consent form of 12 May, kept by the branch."),
        widget=forms.TextInput(attrs=TEXT),
    )

    def __init__(self, *args: Any, photo_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].choices = photo_choices  # type: ignore[attr-defined]


class ConsentForm(forms.Form):
    note = forms.CharField(
        label=_("How consent was given"), max_length=CONSENT_NOTE_LIMIT, required=False
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_LIMIT)


class ModelUnitForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"), min_value=EARLIEST, max_value=LATEST, widget=forms.NumberInput(attrs=TEXT)
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=UnitKind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    department = IdChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    branch = IdChoiceField(
        label=_("Branch"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=50,
        required=False,
        help_text=_("Empty: 模范科室 for a department, 模范党支部 for a branch."),
        widget=forms.TextInput(attrs=TEXT),
    )
    citation = forms.CharField(
        label=_("Citation"),
        max_length=CITATION_LIMIT,
        widget=forms.Textarea(attrs={**TEXT, "rows": 4}),
    )

    def __init__(self, *args: Any, branches: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["branch"]
        field.queryset = Organization.objects.filter(pk__in=[b.pk for b in branches])  # type: ignore[attr-defined]
