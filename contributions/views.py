"""做贡献 pages: a department's platforms of a year (its head keeps them, its members and
the committee look), the platform form, and the committee's list of every department's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.years import checked_year, year_choices, year_from_query
from organizations.models import Department
from organizations.permissions import check_committee, scope_for
from participation.models import DepartmentHead
from participation.permissions import headed_department_ids

from . import selectors, services
from .forms import PlatformForm
from .models import ALL_MONTHS, Platform
from .permissions import (
    get_department_for_user,
    get_department_to_keep,
    get_own_department_id,
    get_platform_to_keep,
    may_keep,
)


def _department_url(department_id: int, year: int) -> str:
    return reverse(
        "contributions:department", kwargs={"department_pk": department_id, "year": year}
    )


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The committee to every department's platforms, a head to their department's, a
    member to their own department's."""
    year = year_from_query(request)
    scope = scope_for(request.user)
    if scope.is_committee:
        return redirect("contributions:committee", year=year)
    headed = headed_department_ids(request.user)
    if headed:
        first = Department.objects.filter(pk__in=headed).order_by("order", "name").first()
        if first is not None:
            return redirect(_department_url(first.pk, year))
    return redirect(_department_url(get_own_department_id(request.user), year))


@login_required
@require_GET
def department(request: HttpRequest, department_pk: int, year: int) -> HttpResponse:
    department = get_department_for_user(request.user, department_pk)
    year = checked_year(year)
    this_year = timezone.localdate().year
    keeps = may_keep(request.user, department.pk)
    headed = (
        list(Department.objects.filter(pk__in=headed_department_ids(request.user))) if keeps else []
    )
    return render(
        request,
        "contributions/department.html",
        {
            "department": department,
            "year": year,
            "years": year_choices(year),
            "platforms": selectors.platforms_of(department, year),
            "may_keep": keeps,
            "may_add": keeps and year in (this_year, this_year + 1),
            "headed": [d for d in headed if d.pk != department.pk],
            "all_months": ALL_MONTHS,
        },
    )


def _form_page(
    request: HttpRequest,
    department: Department,
    year: int,
    platform: Platform | None,
) -> HttpResponse:
    groups = selectors.earnable_items(department, year)
    if request.method == "POST":
        form = PlatformForm(request.POST, groups=groups)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.platform_save(
                    department=department,
                    year=year,
                    name=data["name"],
                    business_line=data["business_line"],
                    description=data["description"],
                    months=data["months"],
                    items=form.chosen_items(),
                    platform=platform,
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("The platform “%(name)s” is saved.") % {"name": saved.name}
                )
                return redirect(f"{_department_url(department.pk, year)}#platform-{saved.pk}")
    elif platform is not None:
        form = PlatformForm(
            initial={
                "name": platform.name,
                "business_line": platform.business_line,
                "description": platform.description,
                "months": platform.month_list,
                "items": [str(pk) for pk in platform.items.values_list("pk", flat=True)],
            },
            groups=groups,
        )
    else:
        form = PlatformForm(
            initial={"business_line": department.business_line, "months": ALL_MONTHS},
            groups=groups,
        )
    return render(
        request,
        "contributions/form.html",
        {
            "form": form,
            "department": department,
            "year": year,
            "platform": platform,
            "back": _department_url(department.pk, year),
            "all_months": ALL_MONTHS,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, department_pk: int, year: int) -> HttpResponse:
    department = get_department_to_keep(request.user, department_pk)
    return _form_page(request, department, checked_year(year), None)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    platform = get_platform_to_keep(request.user, pk)
    return _form_page(request, platform.department, platform.year, platform)


@login_required
@require_POST
def set_open(request: HttpRequest, pk: int) -> HttpResponse:
    platform = get_platform_to_keep(request.user, pk)
    is_open = request.POST.get("open") == "1"
    try:
        services.platform_set_open(platform=platform, is_open=is_open, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            (
                _("The platform “%(name)s” is open again.")
                if is_open
                else _("The platform “%(name)s” is closed; members no longer name it.")
            )
            % {"name": platform.name},
        )
    return redirect(f"{_department_url(platform.department_id, platform.year)}#platform-{pk}")


@login_required
@require_GET
def committee(request: HttpRequest, year: int) -> HttpResponse:
    """Every department's platforms of the year, with who heads the department."""
    check_committee(request.user)
    year = checked_year(year)
    platforms = list(
        Platform.objects.filter(year=year)
        .select_related("department")
        .prefetch_related("items")
        .order_by("department__order", "department__name", "business_line", "name", "pk")
    )
    heads: dict[int, list[str]] = {}
    for head in DepartmentHead.objects.select_related("user").order_by("pk"):
        heads.setdefault(head.department_id, []).append(head.user.get_username())
    departments = list(Department.objects.order_by("order", "name"))
    rows: list[dict[str, Any]] = [
        {
            "department": d,
            "heads": heads.get(d.pk, []),
            "platforms": [p for p in platforms if p.department_id == d.pk],
        }
        for d in departments
    ]
    return render(
        request,
        "contributions/committee.html",
        {"rows": rows, "year": year, "years": year_choices(year), "all_months": ALL_MONTHS},
    )
