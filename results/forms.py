"""Forms of 结果运用: they parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import bootstrap


class HelpTalkForm(forms.Form):
    held_on = forms.DateField(
        label=_("Date of the talk"), widget=forms.DateInput(attrs={"type": "date"})
    )
    talked_by = forms.CharField(
        label=_("Talk held by"),
        max_length=200,
        help_text=_("Names and posts of those who held the talk."),
    )
    content = forms.CharField(
        label=_("Content of the talk"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    response = forms.CharField(
        label=_("Member's response"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class ProposalForm(forms.Form):
    reasons = forms.CharField(
        label=_("The branch's reasons"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "The branch's findings after the help talk: why the member has shown no clear "
            "improvement."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision on the proposal"),
        choices=[("approve", _("Approve")), ("reject", _("Do not approve"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("The committee's note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class ConsentForm(forms.Form):
    """上一级党组织和市直机关工委同意: the date, the document number and a scan."""

    consented_on = forms.DateField(
        label=_("Date of the consent"), widget=forms.DateInput(attrs={"type": "date"})
    )
    document = forms.CharField(label=_("Document number"), max_length=100)
    scan = forms.FileField(
        label=_("Scan of the consent"),
        help_text=_("A PDF, JPG or PNG file of at most 5 MB."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class VanguardProposalForm(forms.Form):
    title = forms.CharField(
        label=_("Name of the post (optional)"),
        max_length=60,
        required=False,
        help_text=_("For example the post's duty: 地质遗迹巡查先锋岗."),
    )
    reasons = forms.CharField(
        label=_("The branch's reasons"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What the member did at the post this year, and how the commitments were kept."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class VanguardDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm")), ("decline", _("Do not confirm"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("The committee's note"),
        max_length=500,
        required=False,
        widget=forms.TextInput(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
