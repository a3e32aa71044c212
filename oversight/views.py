"""The committee's dashboard and a branch's drill-down; the branch's annual report.

The dashboard is the committee's alone (anyone else: 404). The report is for the
branch's secretary and the committee.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from commitments.selectors import commitments_by_branch
from core.downloads import xlsx_response
from core.years import checked_year, year_choices, year_from_query
from organizations.models import Organization
from organizations.permissions import scope_for
from rules.permissions import committee_for_user

from . import selectors
from .exports import report_workbook
from .permissions import (
    branches_of,
    get_branch_for_report,
    get_committee_branch,
    get_first_secretary_branch,
    secretary_branch_ids,
)
from .platforms import contributions
from .report import branch_report


def _dashboard_url(year: int) -> str:
    return f"{reverse('oversight:dashboard')}?year={year}"


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """机关党委: every branch's year in one table, red where the rhythm is missed."""
    committee = committee_for_user(request.user)
    year = year_from_query(request)
    grace = selectors.overdue_days(committee)
    branches = list(branches_of(committee))
    board = selectors.dashboard(year=year, branches=branches, grace=grace)
    return render(
        request,
        "oversight/dashboard.html",
        {
            "board": board,
            "year": year,
            "years": year_choices(year),
            "months": selectors.MONTHS,
            "quarters": selectors.QUARTERS,
            "contributions": contributions(year, [b.pk for b in branches]),
            "commitments": commitments_by_branch(branches, year, timezone.localdate()),
        },
    )


@login_required
@require_GET
def branch(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """One branch's year month by month."""
    year = checked_year(year)
    committee, org = get_committee_branch(request.user, code)
    grace = selectors.overdue_days(committee)
    detail = selectors.branch_detail(branch=org, year=year, grace=grace)
    return render(
        request,
        "oversight/branch.html",
        {
            "detail": detail,
            "row": detail.row,
            "branch": org,
            "year": year,
            "grace": grace,
            "years": year_choices(year),
            "today": timezone.localdate(),
        },
    )


# The annual report ------------------------------------------------------------------


@login_required
@require_GET
def report_index(request: HttpRequest) -> HttpResponse:
    """A secretary goes to their branch's report; the committee chooses on the dashboard."""
    year = year_from_query(request)
    if scope_for(request.user).is_committee:
        return redirect(_dashboard_url(year))
    org = get_first_secretary_branch(request.user)
    return redirect("oversight:report", code=org.code, year=year)


def _report_context(request: HttpRequest, code: str, year: int) -> dict:
    year = checked_year(year)
    org = get_branch_for_report(request.user, code)
    report = branch_report(org, year)
    secretaries = secretary_branch_ids(request.user)
    own = Organization.objects.filter(pk__in=secretaries).order_by("order", "code")
    return {
        "report": report,
        "branch": org,
        "year": year,
        "years": year_choices(year),
        "other_branches": [b for b in own if b.pk != org.pk],
        "is_committee": scope_for(request.user).is_committee,
        "now": timezone.localtime(),
    }


@login_required
@require_GET
def report(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """述职评议: the branch's year in one report."""
    return render(request, "oversight/report.html", _report_context(request, code, year))


@login_required
@require_GET
def report_print(request: HttpRequest, code: str, year: int) -> HttpResponse:
    return render(request, "oversight/report_print.html", _report_context(request, code, year))


@login_required
@require_GET
def report_xlsx(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    org = get_branch_for_report(request.user, code)
    content = report_workbook(branch_report(org, year))
    filename = f"{org.name}-{year}年度党员奉献量化积分工作情况.xlsx"
    return xlsx_response(content, filename)
