"""The settings pages: a branch's (its secretary; the committee too, except the
commitments) and the committee's (its administrators). Anyone else: 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import DomainError

from .models import Role
from .permissions import get_branch_to_set, get_committee_to_set, scope_for
from .settings_forms import BranchSettingsForm, CommitteeSettingsForm
from .settings_selectors import branch_settings, committee_settings
from .settings_services import update_branch_settings, update_committee_settings


@login_required
def branch_settings_edit(request: HttpRequest, code: str) -> HttpResponse:
    branch = get_branch_to_set(request.user, code)
    scope = scope_for(request.user)
    values = branch_settings(branch)
    form = BranchSettingsForm(
        request.POST or None,
        values=values,
        may_change_commitments=scope.has_role(branch.pk, Role.SECRETARY),
    )
    if request.method == "POST" and form.is_valid():
        try:
            update_branch_settings(actor=request.user, branch=branch, **form.changes())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The settings have been saved."))
            return redirect("organizations:branch_settings", code=branch.code)
    return render(
        request,
        "organizations/settings.html",
        {"org": branch, "form": form, "values": values},
    )


@login_required
def committee_settings_edit(request: HttpRequest) -> HttpResponse:
    committee = get_committee_to_set(request.user)
    values = committee_settings(committee)
    form = CommitteeSettingsForm(request.POST or None, values=values)
    if request.method == "POST" and form.is_valid():
        try:
            update_committee_settings(actor=request.user, committee=committee, **form.changes())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The settings have been saved."))
            return redirect("organizations:committee_settings")
    return render(
        request,
        "organizations/settings.html",
        {"org": committee, "form": form, "values": values},
    )


# The pages each app had before the settings were one page per level: their addresses
# (and URL names) lead here, for those who may open the settings.


@login_required
def moved_to_branch_settings(request: HttpRequest, code: str) -> HttpResponse:
    branch = get_branch_to_set(request.user, code)
    return redirect("organizations:branch_settings", code=branch.code, permanent=True)


@login_required
def moved_to_committee_settings(request: HttpRequest) -> HttpResponse:
    get_committee_to_set(request.user)
    return redirect("organizations:committee_settings", permanent=True)
