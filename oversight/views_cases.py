"""典型案例 and 模范科室: exemplary contributions and model units, publicised on a page
that every signed-in user under the committee reads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.files import stored_file_response
from core.pinyin import name_order
from core.years import current_year, year_choices, year_from_query
from declarations.models import DeclarationLine, EvidenceFile
from organizations.permissions import scope_for
from rules.permissions import committee_for_user

from . import cases as services
from . import selectors
from .forms import CaseForm, ConsentForm, ModelUnitForm, WithdrawForm
from .models import CaseStatus, ExemplaryCase, ModelUnit
from .permissions import (
    branches_of,
    get_case_for_user,
    get_case_photo,
    get_case_to_manage,
    get_line_to_feature,
    get_managed_branches,
    get_model_unit_for_committee,
    get_own_committee,
    managed_branches,
    may_manage_case,
)

CANDIDATE_LIMIT = 100


def _cases_page(
    request: HttpRequest, unit_form: ModelUnitForm | None = None, status: int = 200
) -> HttpResponse:
    committee = get_own_committee(request.user)
    is_committee = scope_for(request.user).is_committee
    managed = managed_branches(request.user, committee)
    published = selectors.published_cases(committee=committee, limit=200)
    mine = list(
        ExemplaryCase.objects.filter(committee=committee, branch_id__in=[b.pk for b in managed])
        .exclude(status=CaseStatus.PUBLISHED)
        .select_related("branch", "member")
        .order_by("status", "-created_at")[:50]
    )
    units = ModelUnit.objects.filter(committee=committee).select_related("department", "branch")
    if not is_committee:
        units = units.filter(is_withdrawn=False)
    if unit_form is None and is_committee:
        unit_form = ModelUnitForm(branches=managed, initial={"year": current_year()})
    return render(
        request,
        "oversight/cases.html",
        {
            "published": published,
            "mine": mine,
            "units": list(units),
            "may_feature": bool(managed),
            "is_committee": is_committee,
            "unit_form": unit_form,
        },
        status=status,
    )


@login_required
@require_GET
def cases(request: HttpRequest) -> HttpResponse:
    return _cases_page(request)


@login_required
@require_GET
def case_candidates(request: HttpRequest) -> HttpResponse:
    """Recognised contributions of the user's branches, to choose one to feature."""
    committee, managed = get_managed_branches(request.user)
    year = year_from_query(request)
    code = request.GET.get("branch", "")
    shown = [b for b in managed if b.code == code] or managed
    lines = list(
        DeclarationLine.objects.filter(
            declaration__branch__in=shown,
            declaration__year=year,
            outcome__in=services.RECOGNISED_OUTCOMES,
            entry__isnull=False,
        )
        .select_related("declaration", "declaration__member", "declaration__branch", "item")
        .order_by(
            "-declaration__month",
            *name_order("declaration__member__"),
            "order",
            "pk",
        )[:CANDIDATE_LIMIT]
    )
    featured = set(
        ExemplaryCase.objects.filter(line__in=lines)
        .exclude(status=CaseStatus.WITHDRAWN)
        .values_list("line_id", flat=True)
    )
    return render(
        request,
        "oversight/case_candidates.html",
        {
            "lines": lines,
            "featured": featured,
            "year": year,
            "years": year_choices(year),
            "branches": managed,
            "branch_code": code if len(shown) == 1 and len(managed) > 1 else "",
            "limit": CANDIDATE_LIMIT,
        },
    )


def _photo_choices(line: DeclarationLine) -> list[EvidenceFile]:
    files = EvidenceFile.objects.filter(declaration_id=line.declaration_id).order_by("pk")
    return [f for f in files if f.is_image]


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest, line_pk: int) -> HttpResponse:
    line = get_line_to_feature(request.user, line_pk)
    photos = _photo_choices(line)
    choices = [(f.pk, f.original_name) for f in photos]
    declaration = line.declaration
    if request.method == "POST":
        form = CaseForm(request.POST, photo_choices=choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_create(
                    committee=get_own_committee(request.user),
                    line=line,
                    title=data["title"],
                    text=data["text"],
                    photo_ids=data["photos"],
                    consent=data["consent"],
                    consent_note=data["consent_note"],
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The case is saved as a draft."))
                return redirect("oversight:case_detail", pk=case.pk)
        status = 400
    else:
        form = CaseForm(
            photo_choices=choices,
            initial={
                "text": line.description,
                "photos": [f.pk for f in photos if f.line_id == line.pk],
            },
        )
        status = 200
    return render(
        request,
        "oversight/case_new.html",
        {"form": form, "line": line, "declaration": declaration, "photos": photos},
        status=status,
    )


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    return render(
        request,
        "oversight/case_detail.html",
        {
            "case": case,
            "photos": list(case.photos.all()),
            "may_manage": may_manage_case(request.user, case.branch_id),
        },
    )


@login_required
@require_GET
def case_photo(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    """A chosen photo, for whoever may read the case; never a public URL."""
    case = get_case_for_user(request.user, pk)
    file = get_case_photo(case, file_pk)
    return stored_file_response(
        file.file, name=file.original_name, content_type=file.content_type, inline=True
    )


def _case_action(request: HttpRequest, pk: int, call, done: str) -> HttpResponse:
    case = get_case_to_manage(request.user, pk)
    try:
        call(case)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("oversight:case_detail", pk=case.pk)


@login_required
@require_POST
def case_consent(request: HttpRequest, pk: int) -> HttpResponse:
    form = ConsentForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _case_action(
        request,
        pk,
        lambda case: services.case_record_consent(case=case, note=note, actor=request.user),
        _("The member's consent is recorded."),
    )


@login_required
@require_POST
def case_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        lambda case: services.case_publish(case=case, actor=request.user),
        _("The case is published."),
    )


@login_required
@require_POST
def case_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _case_action(
        request,
        pk,
        lambda case: services.case_withdraw(case=case, reason=reason, actor=request.user),
        _("The case is withdrawn."),
    )


# Model units ------------------------------------------------------------------------


@login_required
@require_POST
def unit_create(request: HttpRequest) -> HttpResponse:
    committee = committee_for_user(request.user)
    form = ModelUnitForm(request.POST, branches=branches_of(committee))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.model_unit_create(
                committee=committee,
                year=data["year"],
                kind=data["kind"],
                department=data["department"],
                branch=data["branch"],
                title=data["title"],
                citation=data["citation"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The model unit is published."))
            return redirect("oversight:cases")
    return _cases_page(request, unit_form=form, status=400)


@login_required
@require_POST
def unit_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_model_unit_for_committee(request.user, pk)
    form = WithdrawForm(request.POST)
    try:
        services.model_unit_withdraw(
            unit=unit,
            reason=form.cleaned_data["reason"] if form.is_valid() else "",
            actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The title is withdrawn."))
    return redirect("oversight:cases")
