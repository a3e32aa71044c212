"""Forms of the organisations area: they parse and check input, nothing more."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StyledForm
from core.ids import IdChoiceField, IdMultipleChoiceField

from .imports import MAX_BYTES
from .models import BusinessLine, Department, LeftReason, Member, Organization

BUSINESS_LINES = list(BusinessLine.choices)


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


# The organisation tree, members and roles -------------------------------------------


class OrgLabelChoice(IdChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class OrganizationForm(StyledForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("Letters, digits, “-” or “_”, e.g. zb7; it cannot be changed later."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (Organization.Kind.BRANCH, Organization.Kind.BRANCH.label),
            (Organization.Kind.GENERAL_BRANCH, Organization.Kind.GENERAL_BRANCH.label),
        ],
    )
    parent = OrgLabelChoice(label=_("Under"), queryset=Organization.objects.none())

    def __init__(self, *args: Any, parents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["parent"]).queryset = parents


class OrganizationEditForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = OrgLabelChoice(label=_("Under"), queryset=Organization.objects.none())

    def __init__(self, *args: Any, parents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["parent"]).queryset = parents


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class DepartmentForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    business_line = forms.ChoiceField(
        label=_("Business line"), required=False, choices=[("", "—"), *BUSINESS_LINES]
    )


class MemberForm(StyledForm):
    """A member's particulars, as the branch keeps its roll."""

    name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, choices=[("", "—"), *Member.Gender.choices]
    )
    birth_month = forms.DateField(
        label=_("Birth month"),
        required=False,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    department = IdChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.none()
    )
    position = forms.CharField(label=_("Position"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False)
    joined_on = forms.DateField(
        label=_("Date joined the party"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    standing = forms.ChoiceField(label=_("Standing"), choices=Member.Standing.choices)
    is_retired = forms.BooleanField(label=_("Retired"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["department"]
        ).queryset = Department.objects.filter(closed_on__isnull=True).order_by("order", "name")

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["gender"] = data.get("gender") or ""
        return data


class MoveForm(StyledForm):
    to_branch = OrgLabelChoice(label=_("To the branch"), queryset=Organization.objects.none())
    moved_on = forms.DateField(
        label=_("Moved on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=200, help_text=_("E.g. a new post in another department.")
    )

    def __init__(self, *args: Any, branches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["to_branch"]).queryset = branches


class LeaveForm(StyledForm):
    reason = forms.ChoiceField(label=_("Why the member left"), choices=LeftReason.choices)
    on = forms.DateField(
        label=_("On"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class LoginForm(StyledForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=30,
        help_text=_(
            "3–30 Latin letters, digits, “.”, “_” or “-”, beginning with a letter; the member "
            "types it when signing in."
        ),
    )


class RoleGrantForm(StyledForm):
    role = forms.ChoiceField(label=_("Role"))
    member = IdChoiceField(label=_("Member"), queryset=Member.objects.none(), required=False)
    user = IdChoiceField(label=_("Login"), queryset=None, required=False)
    starts_on = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("E.g. elected at the branch meeting of 1 March, or the committee's decision."),
    )

    def __init__(self, *args: Any, roles: list[Any], members: Any, users: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = roles
        cast(forms.ModelChoiceField, self.fields["member"]).queryset = members
        if users is None:
            del self.fields["user"]
        else:
            cast(forms.ModelChoiceField, self.fields["user"]).queryset = users

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("member") and not data.get("user"):
            raise forms.ValidationError(_("Choose whom to appoint."))
        return data


class RoleEndForm(StyledForm):
    ends_on = forms.DateField(
        label=_("Ends on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The first day the role is no longer held."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class TrainingForm(StyledForm):
    held_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    topic = forms.CharField(label=_("Topic"), max_length=200)
    notes = forms.CharField(
        label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    attendees = IdMultipleChoiceField(
        label=_("Who attended"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["attendees"]).queryset = members


class RepresentativeForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    affiliation = forms.CharField(label=_("Work unit"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
