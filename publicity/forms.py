"""Forms of 公示 and the lobby screens: they parse input; the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import bootstrap
from core.ids import IdChoiceField
from ledger.models import Entry
from organizations.models import Organization

from .models import Publication, PublicationRow
from .quarters import Quarter, recent_quarters
from .services import MAX_ANSWER, MAX_REASON, MAX_TOP, MIN_TOP, correction_candidates
from .workdays import DEFAULT_WORKDAYS, MAX_WORKDAYS


class PublishForm(forms.Form):
    """A quarter's publication: which quarter, the window, whom to contact."""

    period = forms.ChoiceField(label=_("Quarter"))
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        required=False,
        help_text=_("Leave empty for the usual title of the notice."),
    )
    window_start = forms.DateField(
        label=_("Objections from"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("A holiday or weekend moves the start to the next working day."),
    )
    workdays = forms.IntegerField(
        label=_("Working days for objections"),
        min_value=1,
        max_value=MAX_WORKDAYS,
        initial=DEFAULT_WORKDAYS,
    )
    contact_name = forms.CharField(label=_("Contact for objections"), max_length=50)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)

    def __init__(self, *args: Any, published: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
        today = timezone.localdate()
        choices = []
        for quarter in recent_quarters(today):
            label = str(quarter)
            if quarter.key in published:
                label = _("%(quarter)s (published)") % {"quarter": label}
            choices.append((quarter.key, label))
        cast(forms.ChoiceField, self.fields["period"]).choices = choices
        self.initial.setdefault("period", choices[0][0])
        self.initial.setdefault("window_start", today)

    def clean_period(self) -> Quarter:
        try:
            return Quarter.parse(self.cleaned_data["period"])
        except ValueError:
            raise forms.ValidationError(_("Choose a quarter.")) from None


class RowChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.position}. {obj.name} · {obj.total}"


class ObjectionForm(forms.Form):
    row = RowChoiceField(
        label=_("About the line of"),
        queryset=PublicationRow.objects.none(),
        required=False,
        empty_label=_("— the publication in general —"),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say what you think is wrong and why; mention any evidence."),
    )

    def __init__(self, *args: Any, publication: Publication, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
        cast(forms.ModelChoiceField, self.fields["row"]).queryset = publication.rows.order_by(
            "position"
        )


class EntryChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        what = obj.item.name if obj.item is not None else obj.get_kind_display()
        day = timezone.localtime(obj.recorded_at).date().isoformat()
        return f"{obj.member.name} · {what} · {obj.points:+} · {day}"


UPHELD_CHOICES = [("yes", _("Upheld")), ("no", _("Not upheld"))]


class AnswerForm(forms.Form):
    upheld = forms.ChoiceField(
        label=_("Decision"), choices=UPHELD_CHOICES, widget=forms.RadioSelect
    )
    answer = forms.CharField(
        label=_("Written answer"),
        max_length=MAX_ANSWER,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    correction = EntryChoiceField(
        label=_("Correcting entry"),
        queryset=Entry.objects.none(),
        required=False,
        empty_label=_("— none —"),
        help_text=_(
            "Record the correction on the ledger page first; then choose its entry here. The "
            "publication keeps its figures and shows a note of the correction."
        ),
    )

    def __init__(self, *args: Any, publication: Publication, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
        cast(forms.ModelChoiceField, self.fields["correction"]).queryset = (
            correction_candidates(publication)
            .select_related("member", "item")
            .order_by("-recorded_at", "-pk")
        )

    def clean_upheld(self) -> bool:
        return self.cleaned_data["upheld"] == "yes"


class ScreenForm(forms.Form):
    name = forms.CharField(
        label=_("Screen name"),
        max_length=100,
        help_text=_("Where the screen hangs, e.g. “Lobby of the office building”."),
    )
    branch = IdChoiceField(
        label=_("Shows"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Every branch"),
    )
    top = forms.IntegerField(
        label=_("Members shown per branch"), min_value=MIN_TOP, max_value=MAX_TOP, initial=10
    )

    def __init__(
        self,
        *args: Any,
        branches: QuerySet[Organization],
        every_branch: bool = True,
        **kwargs: Any,
    ) -> None:
        """`branches`: those the user may set a screen up for (publicity.permissions);
        `every_branch`: whether "every branch" is theirs to offer (the committee's)."""
        super().__init__(*args, **kwargs)
        bootstrap(self)
        field = cast(forms.ModelChoiceField, self.fields["branch"])
        field.queryset = branches
        if not every_branch:
            field.required = True
            field.empty_label = None
