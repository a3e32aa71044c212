"""Forms of the organisations area: they parse and check input, nothing more."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .imports import MAX_BYTES


class MemberImportForm(forms.Form):
    branch = forms.ChoiceField(
        label=_("Branch"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "class": "form-control",
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        ),
    )
    create_departments = forms.BooleanField(
        label=_("Create the departments that do not exist yet"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, branches: list[Any], branch_required: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["branch"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = (
            [] if branch_required else [("", _("— as given in the 支部代码 column —"))]
        ) + [(b.code, b.name) for b in branches]
        field.required = branch_required
        if not branch_required:
            field.help_text = _("Rows without a branch code are added to this branch.")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Choose an Excel workbook (.xlsx)."))
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload
