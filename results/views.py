"""Pages of 结果运用: a branch's results of the year, the award list to print, the help
talk form, proposals for handling and the committee's decisions.

A branch's officers see their branch, the committee every branch; members and other
branches get 404. The services check again who may act.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from commitments.models import VanguardPost, VanguardStatus
from core.errors import DomainError
from core.files import stored_file_response
from core.years import checked_year, current_year
from organizations.models import Member, Organization, Role
from organizations.permissions import (
    OFFICER_ROLES,
    check_committee,
    get_branch_for_user,
    get_branch_member,
    officer_branches,
    scope_for,
    visible_branches,
)
from participation.attachments import content_type_for
from summaries.views import year_links

from . import services
from .forms import ConsentForm, DecisionForm, HelpTalkForm, ProposalForm
from .models import HandlingCase
from .permissions import get_case_for_user, get_case_with_scan_for_user, may_see_consent_scan
from .selectors import branch_results, pending_cases, results_for


def _branch_url(branch: Organization, year: int) -> str:
    return reverse("results:branch", kwargs={"code": branch.code, "year": year})


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The menu's entry: the committee's overview, or the officer's branch this year."""
    year = current_year()
    if scope_for(request.user).is_committee:
        return redirect("results:committee", year=year)
    branches = officer_branches(request.user)
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
    member = get_branch_member(branch, member_pk)
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
    member = get_branch_member(branch, member_pk)
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


@login_required
def case(request: HttpRequest, pk: int) -> HttpResponse:
    """A proposal and its decision; the committee decides here, then records the higher
    organisations' consent that makes the case final."""
    case = get_case_for_user(request.user, pk)
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
            "may_see_scan": may_see_consent_scan(request.user, case),
            "back": _branch_url(case.branch, case.year),
        },
    )


@login_required
@require_GET
def committee(request: HttpRequest, year: int) -> HttpResponse:
    """Every branch's results of the year, and the proposals awaiting a decision."""
    year = checked_year(year)
    check_committee(request.user)
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


@login_required
@require_GET
def consent_scan(request: HttpRequest, pk: int) -> HttpResponseBase:
    case = get_case_with_scan_for_user(request.user, pk)
    return stored_file_response(
        case.consent_scan,
        name=case.consent_scan_name or _("consent"),
        content_type=content_type_for(case.consent_scan_name),
    )
