"""Importing a roll of party members from Excel: template, upload, preview, confirm.

Open to branch secretaries and recorders for their own branches and to the
committee for every branch; for anyone else the pages do not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.downloads import xlsx_response
from core.errors import DomainError

from . import imports
from .forms import MemberImportForm
from .models import Department, Organization
from .permissions import get_import_branches, scope_for
from .services import members_import


def _branches_or_404(request: HttpRequest) -> tuple[list[Organization], Organization | None]:
    """The user's branches and the one asked for in ?branch= (404 if not theirs)."""
    code = request.POST.get("branch") or request.GET.get("branch") or ""
    return get_import_branches(request.user, code)


@login_required
def member_import(request: HttpRequest) -> HttpResponse:
    branches, chosen = _branches_or_404(request)
    branch_required = not scope_for(request.user).is_committee
    context: dict[str, Any] = {"branch": chosen, "branch_column": not branch_required}
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, branches, chosen)
    form = MemberImportForm(
        request.POST or None,
        request.FILES or None,
        branches=branches,
        branch_required=branch_required,
        initial={"branch": chosen.code if chosen else ""},
    )
    if request.method == "POST" and form.is_valid():
        create = form.cleaned_data["create_departments"]
        result = imports.read_workbook(
            form.cleaned_data["file"],
            branches={b.code: b for b in branches},
            default_branch=next(
                (b for b in branches if b.code == form.cleaned_data["branch"]), None
            ),
            create_departments=create,
        )
        context["result"] = result
        if not result.errors:
            context["token"] = imports.rows_to_token(
                result.rows, user=request.user, create_departments=create
            )
            context["created"] = sum(1 for r in result.rows if not r.existing)
            context["updated"] = len(result.rows) - context["created"]
            return render(request, "organizations/import_preview.html", context)
    context["form"] = form
    return render(request, "organizations/import.html", context)


def _confirm(
    request: HttpRequest, branches: list[Organization], chosen: Organization | None
) -> HttpResponse:
    back = reverse("organizations:member_import") + (f"?branch={chosen.code}" if chosen else "")
    try:
        rows, create = imports.rows_from_token(request.POST["token"], user=request.user)
        allowed = {b.pk for b in branches}
        if any(row.branch_id not in allowed for row in rows):
            raise DomainError(_("You may no longer import into one of the branches."))
        counts = members_import(rows=rows, create_departments=create, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(
        request,
        _(
            "Import complete: %(created)d members added, %(updated)d updated, "
            "%(unchanged)d unchanged."
        )
        % counts,
    )
    return redirect(back)


@login_required
@require_GET
def member_import_template(request: HttpRequest) -> HttpResponse:
    branches, chosen = _branches_or_404(request)
    committee = scope_for(request.user).is_committee
    department = Department.objects.order_by("order", "name").values_list("name", flat=True).first()
    content = imports.template_workbook(
        branch_column=committee,
        example_branch=(chosen or branches[0]).code,
        example_department=department or "",
    )
    return xlsx_response(content, "党员信息导入模板.xlsx")
