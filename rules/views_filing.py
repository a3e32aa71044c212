"""备案 pages: the branch submits its scheme; the committee compares it with the template
and files or returns it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.years import checked_year, year_from_query
from organizations.permissions import scope_for, visible_branches

from . import filing, services
from .models import FilingStatus, Scheme, SchemeFiling, Section
from .permissions import (
    committee_for_user,
    filed_branch,
    get_branch_to_submit,
    get_filing_for_user,
)


def _scheme_url(scheme: Scheme) -> str:
    return reverse("rules:scheme", kwargs={"code": filed_branch(scheme).code, "year": scheme.year})


def _filing_url(item: SchemeFiling) -> str:
    return reverse("rules:filing_detail", kwargs={"pk": item.pk})


@login_required
@require_POST
def submit(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The branch secretary submits the year's scheme to the committee."""
    year = checked_year(year)
    branch = get_branch_to_submit(request.user, code)
    scheme = services.scheme_for_year(branch=branch, year=year, actor=request.user)
    scheme.organization = branch
    try:
        filing.scheme_filing_submit(scheme=scheme, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The scheme is submitted to the party committee for filing."))
    return redirect(_scheme_url(scheme))


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Every branch's scheme for the year and where its filing stands."""
    committee_for_user(request.user)
    year = year_from_query(request)
    branches = list(visible_branches(request.user))
    schemes = {
        s.organization_id: s
        for s in Scheme.objects.filter(organization__in=branches, year=year, is_template=False)
    }
    states = filing.filing_states(list(schemes.values()))
    rows: list[dict[str, Any]] = []
    for branch in branches:
        scheme = schemes.get(branch.pk)
        rows.append(
            {
                "branch": branch,
                "scheme": scheme,
                "state": states.get(scheme.pk) if scheme is not None else None,
            }
        )
    this_year = timezone.localdate().year
    return render(
        request,
        "rules/filing_index.html",
        {
            "year": year,
            "rows": rows,
            "years": list(range(this_year + 1, this_year - 4, -1)),
            "waiting": sum(1 for r in rows if r["state"] is not None and r["state"].is_waiting),
        },
    )


def _sections(diff: filing.SchemeDiff) -> list[dict]:
    return [
        {"value": value, "label": label, "rows": [r for r in diff.rows if r.section == value]}
        for value, label in Section.choices
    ]


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The scheme as submitted beside the committee's template, differences marked."""
    item = get_filing_for_user(request.user, pk)
    scheme = item.scheme
    branch = filed_branch(scheme)
    template = services.template_for(branch)
    diff = filing.compare(filing.contents_of(template), item.contents)
    state = filing.filing_state(scheme)
    scope = scope_for(request.user)
    return render(
        request,
        "rules/filing_detail.html",
        {
            "filing": item,
            "scheme": scheme,
            "branch": branch,
            "template": template,
            "diff": diff,
            "sections": _sections(diff),
            "state": state,
            "is_current": state.latest is not None and state.latest.pk == item.pk,
            "history": list(
                scheme.filings.select_related("submitted_by", "decided_by").order_by(
                    "-submitted_at", "-pk"
                )
            ),
            "can_decide": scope.is_committee and item.status == FilingStatus.SUBMITTED,
            "scheme_url": _scheme_url(scheme),
        },
    )


def _decide(request: HttpRequest, pk: int, call, done: str) -> HttpResponse:
    committee_for_user(request.user)
    item = get_filing_for_user(request.user, pk)
    comment = request.POST.get("comment", "")
    try:
        call(filing=item, comment=comment, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_filing_url(item))
    messages.success(request, done % {"branch": filed_branch(item.scheme).name})
    return redirect(f"{reverse('rules:filing_index')}?year={item.scheme.year}")


@login_required
@require_POST
def file(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, filing.scheme_filing_file, _("The scheme of %(branch)s is filed."))


@login_required
@require_POST
def return_(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        filing.scheme_filing_return,
        _("The scheme of %(branch)s is returned with your comments."),
    )
