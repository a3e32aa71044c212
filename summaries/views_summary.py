"""The summary table (附件4) and closing periods: pages, downloads and the forms that
call `summary_confirm`, `period_close` and `period_reopen`.

A branch's officers and the committee see a branch's pages; the secretary closes and
confirms, the committee reopens (the services check it again). Anyone else: 404.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.confirm import Confirmation, confirm_page, confirmed
from core.downloads import XLSX, name_download
from core.errors import DomainError
from core.periods import HalfYear
from core.years import checked_year, current_year
from ledger.models import PeriodLock
from organizations.models import Organization, Role
from organizations.permissions import (
    check_committee,
    get_branch_for_user,
    officer_branches,
    scope_for,
    visible_branches,
)

from .blockers import Blocker, closing_blockers
from .closing import closing_status, period_close, period_close_check, period_reopen
from .permissions import get_closing_snapshot
from .summary_export import FORMATS, summary_csv, summary_json, summary_xlsx
from .summary_table import (
    TITLE,
    State,
    distribution,
    summary_confirm,
    summary_confirm_check,
    summary_table,
    summary_tables,
    unreviewed_declarations,
)
from .views import year_links


def _is_secretary(request: HttpRequest, branch: Organization) -> bool:
    return scope_for(request.user).has_role(branch.pk, Role.SECRETARY)


def _summary_url(branch: Organization, year: int) -> str:
    return reverse("summaries:summary", kwargs={"code": branch.code, "year": year})


def _closing_url(branch: Organization, year: int) -> str:
    return reverse("summaries:closing", kwargs={"code": branch.code, "year": year})


@login_required
@require_GET
def summary_home(request: HttpRequest) -> HttpResponse:
    """The menu's entry: the committee's overview, or the officer's branch this year."""
    scope = scope_for(request.user)
    year = current_year()
    if scope.is_committee:
        return redirect("summaries:summary_committee", year=year)
    branches = officer_branches(request.user)
    if len(branches) == 1:
        return redirect(_summary_url(branches[0], year))
    return render(
        request,
        "summaries/summary_choose.html",
        {"branches": branches, "year": year},
    )


@login_required
@require_GET
def summary(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    table = summary_table(branch, year)
    return render(
        request,
        "summaries/summary.html",
        {
            "table": table,
            "branch": branch,
            "year": year,
            "closing": closing_status(branch, year),
            "unreviewed": unreviewed_declarations(branch, year),
            "chart": distribution(table.rows),
            "may_confirm": _is_secretary(request, branch) and table.state != State.CONFIRMED,
            "formats": FORMATS,
            "year_links": year_links("summaries:summary", year, code=branch.code),
        },
    )


@login_required
@require_GET
def summary_print(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    return render(
        request,
        "summaries/summary_print.html",
        {"table": summary_table(branch, year), "title": TITLE, "back": _summary_url(branch, year)},
    )


@login_required
@require_GET
def summary_download(request: HttpRequest, code: str, year: int, fmt: str) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    table = summary_table(branch, year)
    filename = f"{TITLE}-{branch.name}-{year}.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(summary_xlsx(table), content_type=XLSX)
    elif fmt == "csv":
        # The byte-order mark lets Excel read the Chinese names as UTF-8.
        response = HttpResponse(
            "\ufeff" + summary_csv(table), content_type="text/csv; charset=utf-8"
        )
    else:
        text = json.dumps(summary_json(table), ensure_ascii=False, indent=1)
        response = HttpResponse(text, content_type="application/json; charset=utf-8")
    return name_download(response, filename)


def _report(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)


@login_required
@require_POST
def confirm(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    try:
        summary_confirm_check(branch=branch, year=year, confirmed_by=request.user)
    except DomainError as exc:
        _report(request, exc)
        return redirect(_summary_url(branch, year))
    if not confirmed(request):
        return confirm_page(
            request,
            Confirmation(
                title=_("Confirm the summary table of %(branch)s for %(year)d")
                % {"branch": branch.name, "year": year},
                happens=_(
                    "The table (attachment 4) is signed with your name and the time, and sent "
                    "to the party committee as the branch's result of %(year)d."
                )
                % {"year": year},
                affects=_(
                    "Every member of %(branch)s: their totals and ranks of %(year)d as the "
                    "table shows them now"
                )
                % {"branch": branch.name, "year": year},
                irreversible=_(
                    "The confirmation is kept with the rows confirmed. If the year is reopened "
                    "and changes, the table must be confirmed again; the first one stays on "
                    "record."
                ),
                button=_("Confirm and send"),
                back=_summary_url(branch, year),
                danger=False,
            ),
        )
    try:
        confirmation = summary_confirm(branch=branch, year=year, confirmed_by=request.user)
    except DomainError as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            _("The summary table of %(year)d is confirmed by %(name)s and sent to the committee.")
            % {"year": year, "name": confirmation.confirmed_by_name},
        )
    return redirect(_summary_url(branch, year))


@login_required
@require_GET
def committee(request: HttpRequest, year: int) -> HttpResponse:
    """Every branch's summary table of the year: confirmed or not, with links."""
    year = checked_year(year)
    check_committee(request.user)
    tables = summary_tables(year, visible_branches(request.user))
    counts = {state: 0 for state in State.LABELS}
    for table in tables:
        counts[table.state] += 1
    return render(
        request,
        "summaries/summary_committee.html",
        {
            "tables": tables,
            "counts": counts,
            "year": year,
            "year_links": year_links("summaries:summary_committee", year),
        },
    )


# Closing ----------------------------------------------------------------------


@login_required
@require_GET
def closing(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    status = closing_status(branch, year)
    return render(
        request,
        "summaries/closing.html",
        {
            "branch": branch,
            "year": year,
            "status": status,
            "halves": [
                (h, [] if h.is_closed else closing_blockers(branch, h.half)) for h in status.halves
            ],
            "may_close": _is_secretary(request, branch),
            "may_force": scope_for(request.user).is_committee,
            "may_reopen": scope_for(request.user).is_committee,
            "year_links": year_links("summaries:closing", year, code=branch.code),
        },
    )


@login_required
@require_POST
def close(request: HttpRequest, code: str, year: int, half: int) -> HttpResponse:
    """Close a half-year, after a page that says what closing does; the committee may close
    one that is not ready, with a reason."""
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    forced_reason = request.POST.get("forced_reason", "").strip()
    try:
        blockers = period_close_check(
            branch=branch, year=year, half=half, closed_by=request.user, forced_reason=forced_reason
        )
        if not confirmed(request):
            return confirm_page(
                request, _close_confirmation(branch, HalfYear(year, half), forced_reason, blockers)
            )
        period_close(
            branch=branch, year=year, half=half, closed_by=request.user, forced_reason=forced_reason
        )
    except DomainError as exc:
        _report(request, exc)
    else:
        text = (
            _("The first half of %(year)d is closed; its entries are locked.")
            if half == 1
            else _("The year %(year)d is closed; its entries are locked.")
        )
        messages.success(request, text % {"year": year})
    return redirect(_closing_url(branch, year))


def _close_confirmation(
    branch: Organization, half: HalfYear, forced_reason: str, blockers: list[Blocker]
) -> Confirmation:
    details = []
    if forced_reason:
        details = [
            _("Still open and left as they are: %(what)s") % {"what": b.text} for b in blockers
        ] + [_("Reason for closing regardless: %(reason)s") % {"reason": forced_reason}]
    return Confirmation(
        title=_("Close %(period)s of %(branch)s") % {"period": half, "branch": branch.name},
        happens=_(
            "The entries of %(period)s are locked: no points can be recorded, reversed or "
            "declared in its months any more. Every member's totals and ranks are kept as a "
            "snapshot."
        )
        % {"period": half},
        affects=_("Every member of %(branch)s") % {"branch": branch.name},
        irreversible=_(
            "Only the party committee can reopen a closed period, stating a reason; the "
            "closing stays in the record."
        ),
        button=_("Close the period"),
        back=_closing_url(branch, half.year),
        details=details,
    )


@login_required
@require_POST
def reopen(request: HttpRequest, code: str, year: int, half: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    lock = PeriodLock.objects.filter(
        branch=branch, year=year, half=half, reopened_at__isnull=True
    ).first()
    if lock is None:
        messages.error(request, _("This period is not closed."))
        return redirect(_closing_url(branch, year))
    try:
        period_reopen(lock=lock, reason=request.POST.get("reason", ""), reopened_by=request.user)
    except DomainError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("The period is reopened; the branch can record points again."))
    return redirect(_closing_url(branch, year))


@login_required
@require_GET
def closing_snapshot(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    """The totals and ranks as they stood when a period was closed."""
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    closing_ = get_closing_snapshot(branch, year, pk)
    rows: list[dict[str, Any]] = closing_.rows
    return render(
        request,
        "summaries/closing_snapshot.html",
        {
            "branch": branch,
            "year": year,
            "closing": closing_,
            "ranked": [r for r in rows if r.get("rank") is not None],
            "not_taking_part": [r for r in rows if r.get("rank") is None],
            "back": _closing_url(branch, year),
        },
    )
