"""The assessment group's pages (desktop): the queue, reviewing one declaration, late
declarations and the branch's deadline."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.ids import parse_id
from core.periods import Month
from organizations.permissions import check_officer_anywhere, visible_branches
from rules.models import Section

from . import deadlines, recognition, selectors, services
from .forms import LateForm, ReturnForm, ReviewLineForm, month_choices, parse_month
from .models import Declaration
from .permissions import (
    REVIEW,
    get_branch_to_open_late,
    get_declaration_for_user,
    is_own,
    may,
)
from .views import _version

PAGE_SIZE = 50
STATUS_FILTERS = [("waiting", gettext_lazy("Waiting for review"))] + [
    (value, label) for value, label in Declaration.Status.choices if value != "draft"
]


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Declarations of the user's branches, filterable by month, status, member and branch."""
    scope = check_officer_anywhere(request.user)
    branches = list(visible_branches(request.user).order_by("order", "code"))
    branch_code = request.GET.get("branch", "")
    chosen = [b for b in branches if b.code == branch_code]
    branch_ids = [b.pk for b in chosen] if chosen else None
    month = parse_month(request.GET.get("month", ""))
    status = request.GET.get("status", "waiting")
    if status not in {value for value, _label in STATUS_FILTERS}:
        status = ""
    member_id = parse_id(request.GET.get("member", ""))
    rows = selectors.queue(
        request.user,
        branch_ids=branch_ids,
        year=month.year if month else None,
        month=month.month if month else None,
        status=status,
        member_id=member_id,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    member_branches = branch_ids if branch_ids is not None else [b.pk for b in branches]
    members = (
        list(selectors.line_filter_members(request.user, member_branches))
        if len(member_branches) <= 20
        else []
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "declarations/queue.html",
        {
            "page": page,
            "branches": branches,
            "branch_code": branch_code if chosen else "",
            "month_value": f"{month.year}-{month.month:02d}" if month else "",
            "months": month_choices(24),
            "status": status,
            "statuses": STATUS_FILTERS,
            "members": members,
            "member_id": member_id,
            "query": query.urlencode(),
            "late_branches": [b for b in branches if scope.has_role(b.pk, "recorder", "secretary")],
            "policy_branches": [b for b in branches if scope.may_edit_scheme(b.pk)],
            "user_id": request.user.pk,
        },
    )


def _line_forms(
    request: HttpRequest, declaration: Declaration, items: Any, errors: dict | None = None
) -> list[tuple[Any, ReviewLineForm]]:
    """(line, form) for every line; the form bound to the POST when there is one."""
    pairs = []
    by_pk = {item.pk: item for item in items}
    for line in declaration.line_list:  # type: ignore[attr-defined]
        suggested = by_pk.get(line.suggested_item_id)
        initial: dict[str, Any] = {}
        if suggested is not None:
            initial["item"] = suggested
            if suggested.points is not None:
                initial["points"] = suggested.points
        form = ReviewLineForm(
            request.POST if request.method == "POST" else None,
            prefix=f"l{line.pk}",
            items=items,
            initial=initial,
        )
        pairs.append((line, form))
    return pairs


def _decisions(pairs: list[tuple[Any, ReviewLineForm]]) -> list[recognition.LineDecision] | None:
    decisions = []
    for line, form in pairs:
        if not form.is_valid():
            return None
        data = form.cleaned_data
        decisions.append(
            recognition.LineDecision(
                line=line,
                action=data["action"],
                item=data.get("item"),
                points=data.get("points") or "",
                reason=data.get("reason") or "",
                confirm_reduced=bool(data.get("confirm_reduced")),
            )
        )
    return decisions


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """One declaration with its evidence; the decision on each line, or return it."""
    declaration = selectors.with_details(get_declaration_for_user(request.user, pk))
    own = is_own(request.user, declaration)
    reviewer = may(request.user, declaration, REVIEW)
    if request.method == "POST" and not reviewer:
        messages.error(
            request,
            _("Nobody reviews their own declaration.")
            if own
            else _("Only the branch's assessment group can review declarations."),
        )
        return redirect("declarations:detail", pk=declaration.pk)
    scheme = services.scheme_of(declaration)
    items = list(
        scheme.items.filter(section=Section.DEDICATION, is_retired=False).order_by("order", "pk")
    )
    pairs = _line_forms(request, declaration, items)
    line_errors: dict[int, str] = {}
    shortfalls: dict[int, Any] = {}
    error = ""
    if request.method == "POST":
        decisions = _decisions(pairs)
        if decisions is None:
            error = _("Choose a decision for every line.")
        else:
            try:
                recognition.declaration_decide(
                    declaration=declaration,
                    version=_version(request),
                    decisions=decisions,
                    reviewer=request.user,
                )
            except recognition.DecisionInvalid as exc:
                error, line_errors = exc.message, exc.errors
            except recognition.CapsNeedConfirmation as exc:
                error, shortfalls = exc.message, exc.shortfalls
            except services.StaleDeclaration as exc:
                messages.error(request, exc.message)
                return redirect("declarations:review", pk=declaration.pk)
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _("The declaration of %(name)s for %(month)s is %(status)s.")
                    % {
                        "name": declaration.name,
                        "month": Month(declaration.year, declaration.month),
                        "status": declaration.get_status_display(),
                    },
                )
                return redirect(reverse("declarations:queue"))
    month = Month(declaration.year, declaration.month)
    reuses = selectors.duplicates(declaration, request.user)
    for file in declaration.evidence_list:  # type: ignore[attr-defined]
        file.reuses = reuses.get(file.pk, [])
    return render(
        request,
        "declarations/review.html",
        {
            "declaration": declaration,
            "month": month,
            "rows": [
                (line, form, line_errors.get(line.pk), shortfalls.get(line.pk))
                for line, form in pairs
            ],
            "error": error,
            "caps_to_confirm": bool(shortfalls),
            "own": own,
            "reviewer": reviewer,
            "return_form": ReturnForm(),
            "items": items,
        },
    )


@login_required
@require_POST
def review_start(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = get_declaration_for_user(request.user, pk)
    try:
        recognition.declaration_review_start(
            declaration=declaration, version=_version(request), reviewer=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You have taken up this declaration for review."))
    return redirect("declarations:review", pk=declaration.pk)


@login_required
@require_POST
def review_return(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = get_declaration_for_user(request.user, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what more information is needed."))
        return redirect("declarations:review", pk=declaration.pk)
    try:
        recognition.declaration_return(
            declaration=declaration,
            version=_version(request),
            reason=form.cleaned_data["reason"],
            reviewer=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("declarations:review", pk=declaration.pk)
    messages.success(
        request,
        _("The declaration has been returned to %(name)s for more information.")
        % {"name": declaration.name},
    )
    return redirect("declarations:queue")


@login_required
def late_open(request: HttpRequest, code: str) -> HttpResponse:
    """After the deadline the recorder (or secretary) opens a declaration, saying why."""
    branch = get_branch_to_open_late(request.user, code)
    form = LateForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            declaration = services.declaration_open_late(
                member=data["member"],
                month=data["month"],
                reason=data["reason"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("A late declaration for %(month)s has been opened for %(name)s.")
                % {"month": data["month"], "name": declaration.member.name},
            )
            return redirect("declarations:late_open", code=branch.code)
    opened = (
        Declaration.objects.filter(branch=branch, late_opened_at__isnull=False)
        .select_related("member", "late_opened_by")
        .order_by("-late_opened_at")[:30]
    )
    return render(
        request,
        "declarations/late_open.html",
        {
            "branch": branch,
            "form": form,
            "opened": opened,
            "deadline_day": deadlines.deadline_day_of(branch),
        },
    )
