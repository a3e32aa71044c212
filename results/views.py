"""Pages of 结果运用: a branch's results of the year, the award list to print, the help
talk form, proposals for handling and the committee's decisions.

A branch's officers see their branch, the committee every branch; members and other
branches get 404. The services check again who may act.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from commitments.models import VanguardPost, VanguardStatus
from core.downloads import name_download
from core.errors import DomainError
from core.years import checked_year, current_year
from organizations.models import Member, Organization, Role
from organizations.permissions import (
    OFFICER_ROLES,
    get_branch_for_user,
    scope_for,
    visible_branches,
)
from participation.attachments import content_type_for
from summaries.views import year_links

from . import services
from .forms import ConsentForm, DecisionForm, HelpTalkForm, ProposalForm
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
    """A proposal and its decision; the committee decides here, then records the higher
    organisations' consent that makes the case final."""
    case = _case_for_user(request.user, pk)
    committee = scope_for(request.user).is_committee
    form = DecisionForm(request.POST or None) if committee and case.is_pending else None
    consent = (
        ConsentForm(request.POST or None, request.FILES or None)
        if committee and case.status == HandlingCase.Status.APPROVED
        else None
    )
    if request.method == "POST":
        if form is None and consent is None:
            messages.error(request, _("This proposal cannot be decided here."))
            return redirect("results:case", pk=case.pk)
        if form is not None and form.is_valid():
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
        if consent is not None and consent.is_valid():
            try:
                services.handling_consent_record(
                    case=case,
                    consented_on=consent.cleaned_data["consented_on"],
                    document=consent.cleaned_data["document"],
                    scan=consent.cleaned_data["scan"],
                    recorded_by=request.user,
                )
            except DomainError as exc:
                consent.add_error(None, exc.message)
            else:
                messages.success(request, _("The consent is recorded; the handling is final."))
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
            "consent": consent,
            "may_see_scan": _may_see_scan(request.user, case),
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
            "vanguard_waiting": VanguardPost.objects.filter(status=VanguardStatus.PROPOSED).count(),
            "year_links": year_links("results:committee", year),
        },
    )


def _may_see_scan(user: Any, case: HandlingCase) -> bool:
    """The consent concerns a member's standing in the party: the committee and the branch
    secretary open its scan, nobody else."""
    scope = scope_for(user)
    return scope.is_committee or scope.has_role(case.branch_id, Role.SECRETARY)


@login_required
@require_GET
def consent_scan(request: HttpRequest, pk: int) -> HttpResponseBase:
    case = _case_for_user(request.user, pk)
    if not _may_see_scan(request.user, case) or not case.consent_scan:
        raise Http404
    try:
        handle = case.consent_scan.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type_for(case.consent_scan_name))
    name_download(response, case.consent_scan_name or _("consent"))
    response["X-Content-Type-Options"] = "nosniff"
    return response
