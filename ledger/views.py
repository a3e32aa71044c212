"""The officers' ledger pages: record points directly, reverse an entry, record a veto."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from organizations.models import Organization, Role
from organizations.permissions import get_branch_for_user, scope_for
from rules.services import scheme_for_year
from summaries.years import current_year, year_choices, year_from_query

from . import services
from .forms import EntryForm, VetoForm
from .models import Entry, Veto

RECENT = 30


def _branch_for_recording(user: Any, code: str) -> Organization:
    """The branch if the user is on its assessment group, its recorder or secretary; else 404."""
    branch = get_branch_for_user(user, code)
    if not scope_for(user).may_record_points(branch.pk):
        raise Http404
    return branch


def _entries_url(branch: Organization, year: int) -> str:
    return f"{reverse('ledger:entry_new', kwargs={'code': branch.code})}?year={year}"


@login_required
def entry_new(request: HttpRequest, code: str) -> HttpResponse:
    """Plan §3.2: the group can also record points it knows of directly."""
    branch = _branch_for_recording(request.user, code)
    year = min(year_from_query(request), current_year())
    scheme = scheme_for_year(branch=branch, year=year, actor=request.user)
    form = EntryForm(request.POST or None, branch=branch, year=year, scheme=scheme)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.entry_post(
                member=data["member"],
                year=year,
                month=data["month"],
                item=data["item"],
                points=data["points"],
                source=form.source,
                reason=data["reason"],
                evidence=data["evidence"],
                recorded_by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Recorded %(points)s points for %(name)s (%(item)s, month %(month)d).")
                % {
                    "points": entry.points,
                    "name": entry.member.name,
                    "item": entry.item.name if entry.item else "",
                    "month": entry.month,
                },
            )
            return redirect(_entries_url(branch, year))
    recent = (
        Entry.objects.filter(branch=branch, year=year)
        .select_related("member", "item", "recorded_by", "reversed_by")
        .order_by("-pk")[:RECENT]
    )
    return render(
        request,
        "ledger/entry_new.html",
        {
            "branch": branch,
            "year": year,
            "years": year_choices(year),
            "form": form,
            "recent": recent,
            "this_url": _entries_url(branch, year),
            "may_veto": scope_for(request.user).has_role(branch.pk, Role.SECRETARY),
        },
    )


@login_required
@require_POST
def entry_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    """A correction is a reversing entry with a reason; the original stays."""
    entry = Entry.objects.filter(pk=pk).select_related("branch").first()
    if entry is None or not scope_for(request.user).may_record_points(entry.branch_id):
        raise Http404
    try:
        services.entry_reverse(
            entry=entry, reason=request.POST.get("reason", ""), recorded_by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The entry has been reversed."))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect(_entries_url(entry.branch, entry.year))


@login_required
def veto_new(request: HttpRequest, code: str) -> HttpResponse:
    """Plan §1.1: the branch decides a 一票否决; its secretary records it."""
    branch = get_branch_for_user(request.user, code)
    if not scope_for(request.user).has_role(branch.pk, Role.SECRETARY):
        raise Http404
    form = VetoForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            veto = services.veto_record(
                member=data["member"],
                year=data["year"],
                ground=data["ground"],
                facts=data["facts"],
                decided_on=data["decided_on"],
                evidence=data["evidence"],
                recorded_by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The veto of %(name)s for %(year)d has been recorded.")
                % {"name": veto.member.name, "year": veto.year},
            )
            return redirect("ledger:veto_new", code=branch.code)
    vetoes = (
        Veto.objects.filter(branch=branch)
        .select_related("member", "recorded_by")
        .order_by("-year", "-decided_on", "-pk")[:RECENT]
    )
    return render(
        request,
        "ledger/veto_new.html",
        {
            "branch": branch,
            "form": form,
            "vetoes": vetoes,
            "entries_url": _entries_url(branch, current_year()),
        },
    )
