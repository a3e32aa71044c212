"""A member's message settings (channels and quiet hours), and the link pushed messages
carry: it opens the page the notification is about."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from core.actors import SignedInRequest

from .channels import push_channels
from .models import Delivery
from .permissions import get_notification_for_user
from .push import choice_of, push_preference_set

RECENT = 10


class PushPreferenceForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Push to"), required=False, widget=forms.CheckboxSelectMultiple
    )
    quiet_enabled = forms.BooleanField(label=gettext_lazy("Quiet hours"), required=False)
    quiet_start = forms.TimeField(
        label=gettext_lazy("Quiet from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label=gettext_lazy("Quiet until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
    )

    def __init__(self, *args: Any, offered: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["channels"]).choices = offered

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("quiet_enabled"):
            start, end = data.get("quiet_start"), data.get("quiet_end")
            if start is None or end is None:
                raise forms.ValidationError(_("Give both times of the quiet hours."))
            if start == end:
                raise forms.ValidationError(
                    _("The quiet hours must begin and end at different times.")
                )
        return data


@login_required
def push_settings(request: SignedInRequest) -> HttpResponse:
    channels = push_channels()
    offered = [(c.code, str(c.label)) for c in channels]
    choice = choice_of(request.user)
    if request.method == "POST":
        form = PushPreferenceForm(request.POST, offered=offered)
        if form.is_valid():
            data = form.cleaned_data
            push_preference_set(
                user=request.user,
                channels=data["channels"],
                quiet_enabled=data["quiet_enabled"],
                quiet_start=data["quiet_start"] if data["quiet_enabled"] else None,
                quiet_end=data["quiet_end"] if data["quiet_enabled"] else None,
            )
            messages.success(request, _("Your message settings are saved."))
            return redirect("notifications:settings")
    else:
        form = PushPreferenceForm(
            offered=offered,
            initial={
                "channels": list(choice.channels),
                "quiet_enabled": choice.quiet is not None,
                "quiet_start": choice.quiet.start if choice.quiet else None,
                "quiet_end": choice.quiet.end if choice.quiet else None,
            },
        )
    user_id = request.user.pk
    addresses = {c.code: c.addresses([user_id]).get(user_id, "") for c in channels}
    labels = {code: str(label) for code, label in offered}
    recent = [
        (delivery, labels.get(delivery.channel, delivery.channel))
        for delivery in Delivery.objects.filter(user=request.user)
        .select_related("notification")
        .order_by("-pk")[:RECENT]
    ]
    return render(
        request,
        "notifications/settings.html",
        {
            "form": form,
            "channels": [(c, addresses[c.code]) for c in channels],
            "recent": recent,
        },
    )


@require_safe
@login_required
def go(request: SignedInRequest, pk: int) -> HttpResponse:
    """Where a pushed message leads: the notification's page (only a page of this site)."""
    notification = get_notification_for_user(request.user, pk)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")
