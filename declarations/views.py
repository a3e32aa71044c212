"""The member's pages (phone first): my declarations, declare, edit, submit, withdraw;
the evidence files and attachment 1 for everyone who may see the declaration."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.downloads import xlsx_response
from core.errors import DomainError
from core.files import stored_file_response
from core.ids import parse_ids
from core.periods import Month
from ledger.services import period_is_closed
from organizations.permissions import get_own_member

from . import deadlines, selectors, services
from .evidence import ACCEPT, MAX_BYTES, MAX_FILES, CheckedFile, check_upload
from .exports import TITLE as FORM1_TITLE
from .exports import form1_rows, form1_workbook
from .forms import HeaderForm, line_formset, parse_month
from .models import Declaration
from .permissions import (
    EDIT,
    REVIEW,
    get_declaration_for_user,
    get_evidence_for_user,
    is_own,
    may,
)


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1  # matches no row: reported as a change made meanwhile


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """A member's declarations with status and reasons, and the months still open."""
    member = get_own_member(request.user)
    declarations = selectors.declarations_of(member)
    day = deadlines.deadline_day_of(member.branch_id)
    taken = {(d.year, d.month) for d in declarations}
    open_months = [
        (m, deadlines.deadline(m, day))
        for m in deadlines.open_months(day)
        if (m.year, m.month) not in taken
    ]
    return render(
        request,
        "declarations/mine.html",
        {"member": member, "declarations": declarations, "open_months": open_months},
    )


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    member = get_own_member(request.user)
    month = parse_month(request.POST.get("month", ""))
    if month is None:
        messages.error(request, _("Choose a month."))
        return redirect("declarations:mine")
    existing = Declaration.objects.filter(member=member, year=month.year, month=month.month).first()
    if existing is not None:
        messages.info(request, _("A declaration for %(month)s already exists.") % {"month": month})
        return redirect("declarations:detail", pk=existing.pk)
    try:
        declaration = services.declaration_create(member=member, month=month, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("declarations:mine")
    return redirect("declarations:edit", pk=declaration.pk)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = selectors.with_details(get_declaration_for_user(request.user, pk))
    own = is_own(request.user, declaration)
    month = Month(declaration.year, declaration.month)
    # The page speaks of the deadline only on a draft not opened late (one query saved on
    # every other declaration, such as the one just submitted).
    on_time_draft = (
        declaration.status == Declaration.Status.DRAFT and declaration.late_opened_at is None
    )
    day = deadlines.deadline_day_of(declaration.branch_id) if on_time_draft else None
    # A declaration left open in a month that has since been closed can no longer change.
    stranded = declaration.is_editable and period_is_closed(
        branch_id=declaration.branch_id, year=declaration.year, month=declaration.month
    )
    return render(
        request,
        "declarations/detail.html",
        {
            "declaration": declaration,
            "own": own,
            "may_review": may(request.user, declaration, REVIEW),
            "month": month,
            "stranded": stranded,
            "deadline": deadlines.deadline(month, day) if day else None,
            "past_deadline": day is not None and deadlines.is_past_deadline(month, day),
            "total": sum(
                (line.points or Decimal(0) for line in declaration.line_list),  # type: ignore[attr-defined]
                Decimal(0),
            ),
        },
    )


def _line_initial(declaration: Declaration) -> list[dict]:
    return [
        {
            "id": line.pk,
            "description": line.description,
            "suggested_item": line.suggested_item,
            "platform": str(line.platform_id or ""),
        }
        for line in declaration.line_list  # type: ignore[attr-defined]
    ] or [{}]


def _platforms(declaration: Declaration) -> list[Any]:
    """The platforms a line may name, and any a line already names that has since closed."""
    offered = services.declarable_platforms(declaration)
    known = {p.pk for p in offered}
    kept = [
        line.platform
        for line in declaration.line_list  # type: ignore[attr-defined]
        if line.platform is not None and line.platform_id not in known
    ]
    return offered + list({p.pk: p for p in kept}.values())


def _checked(files: list[Any], errors: list[str]) -> list[CheckedFile]:
    checked = []
    for upload in files:
        try:
            checked.append(check_upload(upload))
        except DomainError as exc:
            errors.append(exc.message)
    return checked


def _parse_edit(
    request: HttpRequest, declaration: Declaration, items: Any, platforms: Any
) -> tuple:
    """The edit form's input as the service takes it, with every problem found."""
    header = HeaderForm(request.POST)
    formset = line_formset(
        request.POST, initial=_line_initial(declaration), items=items, platforms=platforms
    )
    errors: list[str] = []
    lines: list[services.LineInput] = []
    if header.is_valid() and formset.is_valid():
        for index, form in enumerate(formset.forms):
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            files = _checked(request.FILES.getlist(f"lines-{index}-evidence"), errors)
            lines.append(
                services.LineInput(
                    pk=data.get("id"),
                    description=data.get("description") or "",
                    suggested_item=data.get("suggested_item"),
                    files=tuple(files),
                    platform=data.get("platform"),
                )
            )
    elif formset.non_form_errors():
        errors.extend(formset.non_form_errors())
    general = _checked(request.FILES.getlist("evidence"), errors)
    remove = parse_ids(request.POST.getlist("remove_evidence"))
    return header, formset, lines, general, remove, errors


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Attachment 1 on a phone: the heading, what I did line by line, photos and documents."""
    declaration = selectors.with_details(get_declaration_for_user(request.user, pk, EDIT))
    if not declaration.is_editable:
        messages.info(
            request,
            _("A declaration that is %(status)s can no longer be changed.")
            % {"status": declaration.get_status_display()},
        )
        return redirect("declarations:detail", pk=declaration.pk)
    items = services.declarable_item_list(declaration)
    platforms = _platforms(declaration)
    header = HeaderForm(initial=HeaderForm.initial_of(declaration))
    formset = line_formset(initial=_line_initial(declaration), items=items, platforms=platforms)
    errors: list[str] = []
    if request.method == "POST":
        header, formset, lines, general, remove, errors = _parse_edit(
            request, declaration, items, platforms
        )
        if not errors and header.is_valid() and formset.is_valid():
            try:
                services.declaration_update(
                    declaration=declaration,
                    version=_version(request),
                    header=header.cleaned_data,
                    lines=lines,
                    files=general,
                    remove_evidence=remove,
                    actor=request.user,
                )
                if request.POST.get("then") == "submit":
                    services.declaration_submit(
                        declaration=declaration, version=declaration.version, actor=request.user
                    )
            except DomainError as exc:
                errors.append(exc.message)
                if isinstance(exc, services.StaleDeclaration):
                    messages.error(request, exc.message)
                    return redirect("declarations:detail", pk=declaration.pk)
                if declaration.version != _version(request):  # saved, then submit refused
                    messages.error(request, exc.message)
                    return redirect("declarations:edit", pk=declaration.pk)
            else:
                if declaration.status == Declaration.Status.SUBMITTED:
                    messages.success(
                        request, _("Your declaration has been submitted to the assessment group.")
                    )
                else:
                    messages.success(request, _("Your declaration has been saved as a draft."))
                return redirect("declarations:detail", pk=declaration.pk)
    files_of = [line.files for line in declaration.line_list]  # type: ignore[attr-defined]
    return render(
        request,
        "declarations/edit.html",
        {
            "declaration": declaration,
            "header": header,
            "formset": formset,
            "line_rows": [
                (index, form, files_of[index] if index < len(files_of) else [])
                for index, form in enumerate(formset.forms)
            ],
            "errors": errors,
            "accept": ACCEPT,
            "max_mb": MAX_BYTES // (1024 * 1024),
            "max_files": MAX_FILES,
            "month": Month(declaration.year, declaration.month),
            "platforms": [p for p in platforms if p.runs_in(declaration.month)],
        },
    )


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = get_declaration_for_user(request.user, pk, EDIT)
    try:
        services.declaration_submit(
            declaration=declaration, version=_version(request), actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your declaration has been submitted to the assessment group."))
    return redirect("declarations:detail", pk=declaration.pk)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = get_declaration_for_user(request.user, pk, EDIT)
    try:
        services.declaration_withdraw(
            declaration=declaration, version=_version(request), actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your declaration has been withdrawn; it is a draft again."))
    return redirect("declarations:detail", pk=declaration.pk)


@login_required
def evidence(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    """The file itself, only for those who may see the declaration; never a public URL."""
    file = get_evidence_for_user(request.user, pk, file_pk)
    return stored_file_response(
        file.file, name=file.original_name, content_type=file.content_type, inline=file.is_image
    )


@login_required
def form1(request: HttpRequest, pk: int) -> HttpResponse:
    """Attachment 1 (月度党员奉献量化积分申报表) as an A4 page to print."""
    declaration = selectors.with_details(get_declaration_for_user(request.user, pk))
    return render(
        request,
        "declarations/form1_print.html",
        {"declaration": declaration, "form": form1_rows(declaration)},
    )


@login_required
def form1_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = selectors.with_details(get_declaration_for_user(request.user, pk))
    name = f"{FORM1_TITLE}-{declaration.member.name}-{declaration.year}年{declaration.month}月.xlsx"
    return xlsx_response(form1_workbook(declaration), name)
