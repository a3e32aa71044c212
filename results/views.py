"""Pages of 结果运用: a branch's results of the year, the award list to print, the help
talk form, proposals for handling and the committee's decisions.

A branch's officers see their branch, the committee every branch; members and other
branches get 404. The services check again who may act.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.errors import DomainError
from organizations.models import Member, Organization, Role
from organizations.permissions import (
    OFFICER_ROLES,
    get_branch_for_user,
    scope_for,
    visible_branches,
)
from summaries.views import year_links
from summaries.years import checked_year, current_year

from . import services
from .forms import DecisionForm, HelpTalkForm, ProposalForm
from .models import HandlingCase
from .selectors import branch_results, pending_cases, results_for


def _branch_url(branch: Organization, year: int) -> str:
    return reverse("results:branch", kwargs={"code": branch.code, "year": year})


def _member_of(branch: Organization, member_pk: int) -> Member:
    member = Member.objects.filter(branch=branch, pk=member_pk).select_related("branch").first()
    if member is None:
        raise Http404
    return member


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The menu's entry: the committee's overview, or the officer's branch this year."""
    year = current_year()
    if scope_for(request.user).is_committee:
        return redirect("results:committee", year=year)
    branches = list(visible_branches(request.user))
    if not branches:
        raise Http404
    if len(branches) == 1:
        return redirect(_branch_url(branches[0], year))
    return render(request, "results/choose.html", {"branches": branches, "year": year})


@login_required
@require_GET
def branch(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    scope = scope_for(request.user)
    return render(
        request,
        "results/branch.html",
        {
            "branch": branch,
            "year": year,
            "results": branch_results(branch, year),
            "may_record": scope.has_role(branch.pk, *OFFICER_ROLES),
            "may_propose": scope.has_role(branch.pk, Role.SECRETARY),
            "year_links": year_links("results:branch", year, code=branch.code),
        },
    )


@login_required
@require_GET
def awards_print(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    return render(
        request,
        "results/awards_print.html",
        {
            "branch": branch,
            "year": year,
            "results": branch_results(branch, year),
            "back": _branch_url(branch, year),
        },
    )


def _standing_of(branch: Organization, year: int, member: Member) -> Any:
    results = branch_results(branch, year)
    return next((r for r in results.by.ranked if r.member.pk == member.pk), None), results


@login_required
def talk_new(request: HttpRequest, code: str, year: int, member_pk: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    member = _member_of(branch, member_pk)
    form = HelpTalkForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.help_talk_record(
                member=member, year=year, recorded_by=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("The help talk with %(name)s is recorded.") % {"name": member.name}
            )
            return redirect(_branch_url(branch, year) + "#talks")
    result, results = _standing_of(branch, year, member)
    return render(
        request,
        "results/talk_form.html",
        {
            "branch": branch,
            "year": year,
            "member": member,
            "result": result,
            "talks": [
                t for due in results.talks_due if due.member.pk == member.pk for t in due.talks
            ],
            "form": form,
            "back": _branch_url(branch, year),
        },
    )


@login_required
def propose(request: HttpRequest, code: str, year: int, member_pk: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    member = _member_of(branch, member_pk)
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.handling_propose(
                member=member,
                year=year,
                reasons=form.cleaned_data["reasons"],
                proposed_by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The proposal for %(name)s is sent to the party committee.")
                % {"name": member.name},
            )
            return redirect("results:case", pk=case.pk)
    results = branch_results(branch, year)
    candidate = next(
        (c for c in results.candidates + results.awaiting_talk if c.member.pk == member.pk), None
    )
    return render(
        request,
        "results/propose.html",
        {
            "branch": branch,
            "year": year,
            "member": member,
            "candidate": candidate,
            "year_closed": results.year_closed,
            "form": form,
            "back": _branch_url(branch, year),
        },
    )


def _case_for_user(user: Any, pk: int) -> HandlingCase:
    case = (
        HandlingCase.objects.filter(pk=pk)
        .select_related("branch", "member", "proposed_by", "decided_by")
        .first()
    )
    if case is None or not scope_for(user).is_officer(case.branch_id):
        raise Http404
    return case


@login_required
def case(request: HttpRequest, pk: int) -> HttpResponse:
    """A proposal and its decision; the committee decides here."""
    case = _case_for_user(request.user, pk)
    may_decide = scope_for(request.user).is_committee and case.is_pending
    form = DecisionForm(request.POST or None) if may_decide else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This proposal cannot be decided here."))
            return redirect("results:case", pk=case.pk)
        if form.is_valid():
            try:
                services.handling_decide(
                    case=case,
                    approve=form.cleaned_data["decision"] == "approve",
                    note=form.cleaned_data["note"],
                    decided_by=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The committee's decision is recorded."))
                return redirect("results:case", pk=case.pk)
    results = branch_results(case.branch, case.year)
    candidate = next(
        (c for c in results.candidates + results.awaiting_talk if c.member.pk == case.member_id),
        None,
    )
    return render(
        request,
        "results/case.html",
        {
            "case": case,
            "year": case.year,
            "candidate": candidate,
            "form": form,
            "back": _branch_url(case.branch, case.year),
        },
    )


@login_required
@require_GET
def committee(request: HttpRequest, year: int) -> HttpResponse:
    """Every branch's results of the year, and the proposals awaiting a decision."""
    year = checked_year(year)
    if not scope_for(request.user).is_committee:
        raise Http404
    branches = list(visible_branches(request.user))
    results = results_for(year, branches)
    return render(
        request,
        "results/committee.html",
        {
            "year": year,
            "rows": [results[b.pk] for b in branches],
            "pending": pending_cases(),
            "year_links": year_links("results:committee", year),
        },
    )
