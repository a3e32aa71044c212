"""The officers' ledger pages: record points directly, reverse an entry, record a veto."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.confirm import Confirmation, confirm_page, confirmed
from core.errors import DomainError
from core.years import current_year, year_choices, year_from_query
from organizations.models import Organization, Role
from organizations.permissions import (
    is_own_member,
    may_act_on_points,
    members_to_act_on,
    scope_for,
)
from rules.services import scheme_for_year

from . import services
from .forms import EntryForm, VetoForm
from .models import Entry, Veto
from .permissions import get_branch_for_recording, get_branch_for_veto, get_entry_to_reverse

RECENT = 30


def _entries_url(branch: Organization, year: int) -> str:
    return f"{reverse('ledger:entry_new', kwargs={'code': branch.code})}?year={year}"


@login_required
def entry_new(request: HttpRequest, code: str) -> HttpResponse:
    """Plan §3.2: the group can also record points it knows of directly."""
    branch = get_branch_for_recording(request.user, code)
    year = min(year_from_query(request), current_year())
    scheme = scheme_for_year(branch=branch, year=year, actor=request.user)
    members = members_to_act_on(request.user, branch)
    form = EntryForm(request.POST or None, members=members, year=year, scheme=scheme)
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
    recent = list(
        Entry.objects.filter(branch=branch, year=year)
        .select_related("member", "item", "recorded_by", "reversed_by")
        .order_by("-pk")[:RECENT]
    )
    actable = set(members.values_list("pk", flat=True))
    for entry in recent:
        entry.may_reverse = entry.member_id in actable  # type: ignore[attr-defined]
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
            "stand_in": not scope_for(request.user).may_record_points(branch.pk),
        },
    )


@login_required
@require_POST
def entry_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    """A correction is a reversing entry with a reason; the original stays."""
    entry = get_entry_to_reverse(request.user, pk)
    try:
        if not is_own_member(request.user, entry.member) and not may_act_on_points(
            request.user, entry.member
        ):
            raise DomainError(
                _(
                    "%(branch)s has officers of its own who can correct %(name)s's points; "
                    "the party committee only steps in where there is none."
                )
                % {"branch": entry.branch.name, "name": entry.member.name}
            )
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
    branch = get_branch_for_veto(request.user, code)
    form = VetoForm(request.POST or None, members=members_to_act_on(request.user, branch))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not confirmed(request):
            return confirm_page(request, _veto_confirmation(branch, data))
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


def _veto_confirmation(branch: Organization, data: dict[str, Any]) -> Confirmation:
    member = data["member"]
    return Confirmation(
        title=_("Record a veto against %(name)s for %(year)d")
        % {"name": member.name, "year": data["year"]},
        happens=_(
            "The branch's decision is recorded: %(ground)s. %(name)s ranks after every member "
            "not vetoed in %(year)d, is not eligible for any award and is due a help talk."
        )
        % {
            "ground": Veto.Ground(data["ground"]).label,
            "name": member.name,
            "year": data["year"],
        },
        affects=_("%(name)s, %(branch)s; the branch's ranking and award list of %(year)d")
        % {"name": member.name, "branch": branch.name, "year": data["year"]},
        irreversible=_(
            "The veto stays in the record. Only a revocation with a reason, by the branch "
            "or the committee, takes it out of the ranking; both are in the audit log."
        ),
        button=_("Record the veto"),
        back=reverse("ledger:veto_new", kwargs={"code": branch.code}),
        details=[_("Facts: %(facts)s") % {"facts": data["facts"]}],
    )
