"""随机抽查: the committee draws samples and records findings; a branch's secretary
responds to the problems found in their branch."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.years import current_year
from rules.permissions import committee_for_user

from . import services
from .forms import CloseForm, DrawForm, FindingForm, ResponseForm, first_error
from .models import OPEN_PROBLEMS, Finding, SpotCheck, SpotCheckItem
from .permissions import (
    branches_of,
    check_secretary_anywhere,
    get_item_for_committee,
    get_item_for_secretary,
    get_spot_check_for_committee,
)


def _checks_page(request: HttpRequest, form: DrawForm, status: int = 200) -> HttpResponse:
    committee = committee_for_user(request.user)
    checks = list(
        SpotCheck.objects.filter(committee=committee)
        .annotate(
            checked=Count("items", filter=~Q(items__status=Finding.PENDING)),
            problems=Count("items", filter=Q(items__status__in=OPEN_PROBLEMS)),
        )
        .select_related("drawn_by")
        .prefetch_related("branches")[:100]
    )
    return render(request, "oversight/checks.html", {"form": form, "checks": checks}, status=status)


@login_required
@require_GET
def checks(request: HttpRequest) -> HttpResponse:
    committee = committee_for_user(request.user)
    form = DrawForm(branches=branches_of(committee), initial={"year": current_year(), "size": 10})
    return _checks_page(request, form)


@login_required
@require_POST
def check_draw(request: HttpRequest) -> HttpResponse:
    committee = committee_for_user(request.user)
    form = DrawForm(request.POST, branches=branches_of(committee))
    if form.is_valid():
        data = form.cleaned_data
        try:
            check = services.spot_check_draw(
                committee=committee,
                year=data["year"],
                size=data["size"],
                branches=list(data["branches"]),
                months=data["months"],
                seed=data["seed"],
                note=data["note"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(n)d entries drawn with seed %(seed)d.")
                % {"n": check.size, "seed": check.seed},
            )
            return redirect("oversight:check_detail", pk=check.pk)
    return _checks_page(request, form, status=400)


@login_required
@require_GET
def check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_spot_check_for_committee(request.user, pk)
    items = list(
        check.items.select_related(
            "branch", "entry", "entry__member", "entry__item", "entry__recorded_by"
        )
    )
    return render(
        request,
        "oversight/check_detail.html",
        {
            "check": check,
            "items": items,
            "branches": list(check.branches.all()),
            "finding_choices": FindingForm.base_fields["finding"].choices,  # type: ignore[attr-defined]
        },
    )


def _back_to_check(item: SpotCheckItem) -> HttpResponse:
    url = reverse("oversight:check_detail", kwargs={"pk": item.spot_check_id})
    return redirect(f"{url}#item-{item.pk}")


@login_required
@require_POST
def item_record(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_item_for_committee(request.user, pk)
    form = FindingForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _back_to_check(item)
    try:
        services.spot_check_item_record(
            item=item,
            finding=form.cleaned_data["finding"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The finding is recorded."))
    return _back_to_check(item)


@login_required
@require_POST
def item_close(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_item_for_committee(request.user, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _back_to_check(item)
    try:
        services.spot_check_item_close(
            item=item, note=form.cleaned_data["note"], actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The problem is closed."))
    return _back_to_check(item)


# The branch's side ------------------------------------------------------------------


@login_required
@require_GET
def responses(request: HttpRequest) -> HttpResponse:
    """The secretary's list: problems to answer first, then those answered or closed."""
    ids = check_secretary_anywhere(request.user)
    items = list(
        SpotCheckItem.objects.filter(branch_id__in=ids, status__in=[*OPEN_PROBLEMS, Finding.CLOSED])
        .select_related("spot_check", "branch", "entry", "entry__member", "entry__item")
        .order_by("-spot_check__drawn_at", "order")
    )
    items.sort(key=lambda i: (i.status != Finding.PROBLEM, i.status != Finding.RESPONDED))
    return render(request, "oversight/responses.html", {"items": items})


@login_required
@require_http_methods(["GET", "POST"])
def response(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_item_for_secretary(request.user, pk)
    form = ResponseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.spot_check_item_respond(
                    item=item, response=form.cleaned_data["response"], actor=request.user
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your response is sent to the party committee."))
                return redirect("oversight:responses")
        status = 400
    return render(request, "oversight/response.html", {"item": item, "form": form}, status=status)
