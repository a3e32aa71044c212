"""The audit log's filters (the log's pages: portal/views_audit.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import display
from audit.models import AuditEvent
from core.ids import IdChoiceField
from organizations.models import Organization


class AuditFilterForm(forms.Form):
    field_order = ["organization", "person", "action", "object_type", "date_from", "date_to"]

    action = forms.ChoiceField(label=_("Action"), required=False)
    person = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=150,
        help_text=_("Name or user name of who acted or whom it concerns"),
    )
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    organization = IdChoiceField(
        label=_("Organisation"),
        queryset=Organization.objects.order_by("order", "code"),
        required=False,
        empty_label=_("All"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["action"]).choices = display.action_choices()
        cast(forms.ChoiceField, self.fields["object_type"]).choices = display.object_type_choices()
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        data = self.cleaned_data
        action = data.get("action")
        if action:
            # "area." is every action of that area; anything else one action.
            if action.endswith("."):
                events = events.filter(action__startswith=action)
            else:
                events = events.filter(action=action)
        person = (data.get("person") or "").strip()
        if person:
            events = events.filter(
                Q(actor_name__icontains=person)
                | Q(actor__first_name__icontains=person)
                | Q(object_repr__icontains=person)
            )
        if data.get("object_type"):
            events = events.filter(object_type=data["object_type"])
        if data.get("date_from"):
            events = events.filter(at__gte=_start_of(data["date_from"]))
        if data.get("date_to"):
            events = events.filter(at__lt=_start_of(data["date_to"] + dt.timedelta(days=1)))
        org = data.get("organization")
        if org is not None:
            # An organisation's events include those of the branches under it.
            events = events.filter(
                Q(organization_id=org.pk)
                | Q(organization_id__in=Organization.objects.filter(parent=org).values("pk"))
            )
        return events


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
