from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StyledForm
from core.ids import IdChoiceField
from organizations.models import Organization, Role

from .models import ApiToken


class TokenForm(StyledForm):
    name = forms.CharField(
        label=_("Token name"), max_length=100, help_text=_("What the token is for.")
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiToken.Scope.choices)
    expires_days = forms.IntegerField(
        label=_("Expires after (days)"), min_value=1, max_value=3650, required=False, initial=90
    )


class ServiceAccountForm(StyledForm):
    username = forms.CharField(label=_("Username"), max_length=30)
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    organization = IdChoiceField(
        label=_("Organisation"), queryset=Organization.objects.order_by("order", "code")
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (r.value, r.label)
            for r in (Role.COMMITTEE_ADMIN, Role.SECRETARY, Role.RECORDER, Role.GROUP_MEMBER)
        ],
    )
