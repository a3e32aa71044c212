"""Input shapes for commitments; the rules themselves live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Fulfilment, Topic
from .services import COMMENT_LIMIT, REPORT_LIMIT, TEXT_LIMIT


class CommitmentForm(forms.Form):
    topic = forms.ChoiceField(
        label=_("The commitment is about"),
        choices=Topic.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    text = forms.CharField(
        label=_("Commitment"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        help_text=_("One concrete promise: what you will do, for whom, by when."),
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Reason for returning"),
        max_length=COMMENT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=COMMENT_LIMIT,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class ReportForm(forms.Form):
    report = forms.CharField(
        label=_("How the commitment was kept"),
        max_length=REPORT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class AssessForm(forms.Form):
    fulfilment = forms.ChoiceField(
        label=_("Assessment"),
        choices=Fulfilment.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=COMMENT_LIMIT,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


def first_error(form: forms.Form) -> str:
    """One message for a form posted from a list (the page shows it at the top)."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return ""
