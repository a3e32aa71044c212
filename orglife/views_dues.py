"""The party dues record (党费): a month grid per branch, edited cell by cell with htmx."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.periods import Month
from core.years import checked_month, checked_year, current_year, year_choices
from organizations.models import Organization
from organizations.permissions import get_branch_for_user

from . import dues, selectors
from .forms import DuesForm
from .models import DuesRecord
from .permissions import branch_to_keep, get_dues_branches, get_member_to_keep, may_keep
from .views import is_htmx


def _grid_url(branch: Organization, year: int) -> str:
    return reverse("orglife:dues:grid", kwargs={"code": branch.code, "year": year})


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The branches whose dues the user may see; straight to the grid when there is one."""
    branches = get_dues_branches(request.user)
    if len(branches) == 1:
        return redirect(_grid_url(branches[0], current_year()))
    return render(
        request, "orglife/dues_index.html", {"branches": branches, "year": current_year()}
    )


@login_required
def grid(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Members × months for one branch and year; the recorder edits a cell in the panel."""
    branch = get_branch_for_user(request.user, code)
    year = checked_year(year)
    today = timezone.localdate()
    return render(
        request,
        "orglife/dues_grid.html",
        {
            "grid": selectors.dues_grid(branch, year, today),
            "branch": branch,
            "year": year,
            "keep": may_keep(request.user, branch.pk),
            "this_month": today.month if today.year == year else None,
            "year_links": [
                (y, reverse("orglife:dues:grid", kwargs={"code": branch.code, "year": y}))
                for y in year_choices(year)
            ],
            "statuses": DuesRecord.Status,
        },
    )


def _editor_context(cell: selectors.DuesCell, form: DuesForm) -> dict:
    return {"cell": cell, "form": form, "month_label": str(Month(cell.year, cell.month))}


@login_required
def cell(request: HttpRequest, member_pk: int, year: int, month: int) -> HttpResponse:
    """GET: the editor for one member's month. POST: record it; htmx gets the cleared editor
    and, out of band, the cell, the member's row total and the month's count."""
    member = get_member_to_keep(request.user, member_pk)
    year, month = checked_year(year), checked_month(month)
    current = selectors.dues_cell(member, year, month)
    record = current.record
    initial = {
        "status": record.status if record else DuesRecord.Status.ON_TIME,
        "amount": record.amount if record else None,
        "note": record.note if record else "",
    }
    form = DuesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = dues.dues_set(
                member=member,
                year=year,
                month=month,
                status=data["status"],
                amount=data["amount"],
                note=data["note"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            notice = _("%(name)s, %(month)s: %(status)s.") % {
                "name": member.name,
                "month": str(Month(year, month)),
                "status": saved.get_status_display(),
            }
            if not is_htmx(request):
                messages.success(request, notice)
                return redirect(_grid_url(member.branch, year))
            grid = selectors.dues_grid(member.branch, year)
            row = next((r for r in grid.rows if r.member.pk == member.pk), None)
            return render(
                request,
                "orglife/_dues_saved.html",
                {
                    "notice": notice,
                    "row": row,
                    "cell": row.cells[month - 1] if row else None,
                    "column": grid.columns[month - 1],
                    "keep": True,
                },
            )
    template = "orglife/_dues_editor.html" if is_htmx(request) else "orglife/dues_edit.html"
    return render(request, template, {**_editor_context(current, form), "keep": True})


@login_required
@require_POST
def month_paid(request: HttpRequest, code: str, year: int, month: int) -> HttpResponse:
    """Bulk: everyone without a record for the month paid on time and in full."""
    branch = branch_to_keep(request.user, code)
    return _mark_month_paid(request, branch, checked_year(year), checked_month(month))


@login_required
@require_POST
def chosen_month_paid(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The same for the month chosen in the grid's heading (any open month, not only
    this one: a month left unrecorded is caught up in one step)."""
    branch = branch_to_keep(request.user, code)
    year = checked_year(year)
    chosen = request.POST.get("month", "")
    if not chosen.isdigit() or not 1 <= int(chosen) <= 12:
        messages.error(request, _("Choose a month from 1 to 12."))
        return redirect(_grid_url(branch, year))
    return _mark_month_paid(request, branch, year, int(chosen))


def _mark_month_paid(
    request: HttpRequest, branch: Organization, year: int, month: int
) -> HttpResponse:
    try:
        marked = dues.dues_mark_month_paid(
            branch=branch, year=year, month=month, actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(count)d member(s) recorded as paid on time and in full for %(month)s.")
            % {"count": marked, "month": str(Month(year, month))},
        )
    return redirect(_grid_url(branch, year))
