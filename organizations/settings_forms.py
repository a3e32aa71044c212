"""The settings pages' forms: one per level, their fields grouped by topic."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import bootstrap

from .settings_models import (
    COMMITMENTS_PER_MEMBER_LIMIT,
    DECLARATION_DEADLINE_DAYS,
    OVERDUE_DAYS,
    SIGNIN_WINDOW_MINUTES,
    BranchSettings,
    CommitteeSettings,
)
from .settings_services import COMMITMENT_FIELDS


def _choices(last: int) -> list[tuple[int, str]]:
    return [(n, str(n)) for n in range(1, last + 1)]


class BranchSettingsForm(forms.Form):
    # (legend, fields): the page shows one fieldset per topic.
    FIELDSETS = (
        (pgettext_lazy("settings", "Declaration deadline"), ("declaration_deadline_day",)),
        (pgettext_lazy("settings", "Organisational life"), ("signin_window",)),
        (pgettext_lazy("settings", "Commitments"), COMMITMENT_FIELDS),
    )

    declaration_deadline_day = forms.IntegerField(
        label=_("Declarations of a month close on this day of the next month"),
        min_value=DECLARATION_DEADLINE_DAYS[0],
        max_value=DECLARATION_DEADLINE_DAYS[1],
        help_text=_("Later declarations need the recorder."),
    )
    signin_window = forms.IntegerField(
        label=_("sign-in window (minutes)"),
        min_value=SIGNIN_WINDOW_MINUTES[0],
        max_value=SIGNIN_WINDOW_MINUTES[1],
        help_text=_("Members may sign in by QR code this many minutes before and after the start."),
    )
    commitments_per_member = forms.TypedChoiceField(
        label=_("Commitments per member and year"),
        coerce=int,
        choices=_choices(COMMITMENTS_PER_MEMBER_LIMIT),
    )
    commitment_deadline_month = forms.TypedChoiceField(
        label=_("Deadline: month"),
        coerce=int,
        choices=_choices(12),
        help_text=_("By this day of the year each member has made at least one commitment."),
    )
    commitment_deadline_day = forms.TypedChoiceField(
        label=_("Deadline: day"), coerce=int, choices=_choices(31)
    )

    def __init__(
        self, *args: Any, values: BranchSettings, may_change_commitments: bool, **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {name: getattr(values, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        if not may_change_commitments:
            # The commitments are the secretary's to decide: shown, never taken from the post.
            for name in COMMITMENT_FIELDS:
                self.fields[name].disabled = True
        bootstrap(self)

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(str(legend), [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def changes(self) -> dict[str, int]:
        """The values the user may set (the disabled ones stay as they are)."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if not self.fields[name].disabled
        }


class CommitteeSettingsForm(forms.Form):
    FIELDSETS = ((pgettext_lazy("settings", "Oversight"), ("overdue_days",)),)

    overdue_days = forms.IntegerField(
        label=_("Days before a review is overdue"),
        min_value=OVERDUE_DAYS[0],
        max_value=OVERDUE_DAYS[1],
        help_text=_(
            "The dashboard shows a review waiting longer as overdue, and a period's rhythm as "
            "missed this many days after the period's end."
        ),
    )

    def __init__(self, *args: Any, values: CommitteeSettings, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {name: getattr(values, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(str(legend), [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def changes(self) -> dict[str, int]:
        return dict(self.cleaned_data)
