"""Input shapes for participation; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.ids import IdChoiceField
from organizations.models import Department

from .models import Ground
from .services import COMMENT_LIMIT, NOTE_LIMIT, REASON_LIMIT


class ApplyForm(forms.Form):
    ground = forms.ChoiceField(
        label=_("Ground for exemption"),
        choices=Ground.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )
    attachment = forms.FileField(
        label=_("Attachment (optional)"),
        required=False,
        help_text=_("A certificate or supporting document: PDF, JPG or PNG, at most 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".pdf,.jpg,.jpeg,.png"}
        ),
    )


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=COMMENT_LIMIT, required=False)


class RetireeForm(forms.Form):
    takes_part = forms.TypedChoiceField(
        label=_("Takes part"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Takes part")), ("no", _("Does not take part"))],
    )
    note = forms.CharField(label=_("Note"), max_length=NOTE_LIMIT, required=False)


class HeadForm(forms.Form):
    department = IdChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


def first_error(form: forms.Form) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return ""
