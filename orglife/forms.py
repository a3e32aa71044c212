"""Forms of organisational life: parsing only; the rules live in `services`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import bootstrap
from core.ids import IdMultipleChoiceField
from core.pinyin import name_order
from core.years import EARLIEST, LATEST
from organizations.models import Member, Organization

from .models import DuesRecord, Meeting, MeetingKind


class MemberChoiceField(IdMultipleChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return obj.name


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    day = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, meeting: Meeting | None = None, **kwargs: Any) -> None:
        data = args[0] if args else kwargs.get("data")
        if meeting is not None and data is None:
            local = timezone.localtime(meeting.starts_at)
            kwargs["initial"] = {
                "kind": meeting.kind,
                "topic": meeting.topic,
                "day": local.date(),
                "time": local.time().replace(second=0, microsecond=0),
                "place": meeting.place,
                "notes": meeting.notes,
            }
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def clean_day(self) -> Any:
        day = self.cleaned_data["day"]
        if not EARLIEST <= day.year <= LATEST:
            raise forms.ValidationError(
                _("Enter a date between %(low)d and %(high)d.") % {"low": EARLIEST, "high": LATEST}
            )
        return day

    @property
    def starts_at(self) -> datetime:
        data = self.cleaned_data
        return timezone.make_aware(datetime.combine(data["day"], data["time"]))


class MeetingCreateForm(MeetingForm):
    members = MemberChoiceField(
        label=_("Members expected to attend"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose the members expected to attend.")},
    )

    def __init__(self, *args: Any, branch: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = Member.objects.filter(branch=branch, is_active=True).order_by(
            *name_order(), "pk"
        )
        members = cast(MemberChoiceField, self.fields["members"])
        members.queryset = queryset
        if not self.is_bound:
            members.initial = list(queryset.values_list("pk", flat=True))


class AddMembersForm(forms.Form):
    members = MemberChoiceField(
        label=_("Members"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one member.")},
    )

    def __init__(self, *args: Any, queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(MemberChoiceField, self.fields["members"]).queryset = queryset


class DuesForm(forms.Form):
    status = forms.ChoiceField(label=_("Dues"), choices=DuesRecord.Status.choices)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
