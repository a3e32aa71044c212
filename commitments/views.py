"""亮承诺 pages: a member's commitments (on a phone), the branch's review, the notice board."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.years import checked_year, year_from_query
from organizations.models import Organization
from organizations.permissions import get_own_member, scope_for, visible_branches
from organizations.settings_selectors import branch_settings

from . import selectors, services
from .forms import (
    ApproveForm,
    AssessForm,
    CommitmentForm,
    ReportForm,
    ReturnForm,
    first_error,
)
from .models import Commitment, Fulfilment, Status
from .permissions import (
    get_branch_to_review,
    get_commitment_to_decide,
    get_own_commitment,
    may_change_rule,
    may_decide,
    own_member,
)


def _mine_url(year: int) -> str:
    return f"{reverse('commitments:mine')}?year={year}"


def _review_url(commitment: Commitment) -> str:
    url = reverse(
        "commitments:review", kwargs={"code": commitment.branch.code, "year": commitment.year}
    )
    return f"{url}#member-{commitment.member_id}"


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Officers go to their branch's commitments; members to their own."""
    scope = scope_for(request.user)
    year = year_from_query(request)
    branches = list(visible_branches(request.user))
    if scope.is_committee or len(branches) > 1:
        return render(
            request,
            "commitments/index.html",
            {"rows": _branch_counts(branches, year), "year": year},
        )
    if branches:
        return redirect("commitments:review", code=branches[0].code, year=year)
    get_own_member(request.user)
    return redirect(_mine_url(year))


def _branch_counts(branches: list[Organization], year: int) -> list[dict[str, Any]]:
    counts = {
        row["branch_id"]: row
        for row in Commitment.objects.filter(branch__in=branches, year=year)
        .values("branch_id")
        .annotate(
            approved=Count("pk", filter=Q(status=Status.APPROVED)),
            waiting=Count("pk", filter=Q(status=Status.SUBMITTED)),
            members=Count("member_id", distinct=True, filter=Q(status=Status.APPROVED)),
        )
    }
    return [{"branch": b, **counts.get(b.pk, {})} for b in branches]


# The member's own page --------------------------------------------------------------


def _render_mine(
    request: HttpRequest, year: int, *, form: CommitmentForm | None = None, status: int = 200
) -> HttpResponse:
    member = own_member(request.user)
    commitments = list(Commitment.objects.filter(member=member, year=year).order_by("pk"))
    allowed = selectors.max_commitments(member.branch)
    this_year = timezone.localdate().year
    return render(
        request,
        "commitments/mine.html",
        {
            "member": member,
            "year": year,
            "commitments": commitments,
            "allowed": allowed,
            "can_add": len(commitments) < allowed and year in (this_year, this_year + 1),
            "form": form or CommitmentForm(),
            "year_links": [this_year + 1, this_year, this_year - 1],
        },
        status=status,
    )


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return _render_mine(request, year_from_query(request))


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    member = own_member(request.user)
    year = year_from_query(request)
    form = CommitmentForm(request.POST)
    if form.is_valid():
        try:
            services.commitment_create(
                member=member,
                year=year,
                topic=form.cleaned_data["topic"],
                text=form.cleaned_data["text"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("The commitment is saved as a draft. Submit it when ready.")
            )
            return redirect(_mine_url(year))
    return _render_mine(request, year, form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_own_commitment(request.user, pk)
    if request.method == "POST":
        form = CommitmentForm(request.POST)
        if form.is_valid():
            try:
                services.commitment_update(
                    commitment=commitment,
                    topic=form.cleaned_data["topic"],
                    text=form.cleaned_data["text"],
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The commitment is saved."))
                return redirect(_mine_url(commitment.year))
    else:
        if not commitment.is_editable:
            messages.error(
                request,
                _("An approved commitment is published and can no longer be changed.")
                if commitment.status == Status.APPROVED
                else _("The commitment is waiting for the branch's decision."),
            )
            return redirect(_mine_url(commitment.year))
        form = CommitmentForm(initial={"topic": commitment.topic, "text": commitment.text})
    return render(
        request,
        "commitments/edit.html",
        {"form": form, "commitment": commitment},
        status=400 if form.is_bound else 200,
    )


def _own_action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    commitment = get_own_commitment(request.user, pk)
    try:
        action(commitment=commitment, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(_mine_url(commitment.year))


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _own_action(
        request,
        pk,
        services.commitment_submit,
        _("The commitment is submitted to the branch for approval."),
    )


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _own_action(request, pk, services.commitment_delete, _("The commitment is deleted."))


@login_required
@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_own_commitment(request.user, pk)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(_mine_url(commitment.year))
    try:
        services.commitment_report(
            commitment=commitment, report=form.cleaned_data["report"], actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your report is saved."))
    return redirect(_mine_url(commitment.year))


# The branch's review ----------------------------------------------------------------


@login_required
@require_GET
def review(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Every member of the branch with their commitments: approve, return, assess."""
    branch = get_branch_to_review(request.user, code)
    year = checked_year(year)
    rows = selectors.branch_rows(branch, year)
    commitments = [c for row in rows for c in row.commitments]
    today = timezone.localdate()
    this_year = today.year
    values = branch_settings(branch)
    deadline = selectors.deadline_date(
        year, values.commitment_deadline_month, values.commitment_deadline_day
    )
    without = list(selectors.members_without_commitment([branch.pk], year))
    return render(
        request,
        "commitments/review.html",
        {
            "branch": branch,
            "year": year,
            "rows": rows,
            "waiting": sum(1 for c in commitments if c.status == Status.SUBMITTED),
            "approved": sum(1 for c in commitments if c.status == Status.APPROVED),
            "without": without,
            "deadline": deadline,
            "past_deadline": today > deadline,
            "can_decide": may_decide(request.user, branch.pk),
            "can_change_rule": may_change_rule(request.user, branch.pk),
            "allowed": values.commitments_per_member,
            "fulfilments": Fulfilment.choices,
            "me": request.user.pk,
            "has_own": scope_for(request.user).member is not None,
            "year_links": list(range(this_year + 1, this_year - 3, -1)),
        },
    )


def _decide(request: HttpRequest, pk: int, form_class: Any, call: Any, done: str) -> HttpResponse:
    commitment = get_commitment_to_decide(request.user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(_review_url(commitment))
    try:
        call(commitment, form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done % {"name": commitment.member.name})
    return redirect(_review_url(commitment))


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        ApproveForm,
        lambda c, data: services.commitment_approve(
            commitment=c, comment=data["comment"], actor=request.user
        ),
        _("%(name)s's commitment is approved and published."),
    )


@login_required
@require_POST
def return_(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        ReturnForm,
        lambda c, data: services.commitment_return(
            commitment=c, comment=data["comment"], actor=request.user
        ),
        _("%(name)s's commitment is returned with your comment."),
    )


@login_required
@require_POST
def assess(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        AssessForm,
        lambda c, data: services.commitment_assess(
            commitment=c, fulfilment=data["fulfilment"], note=data["note"], actor=request.user
        ),
        _("The assessment of %(name)s's commitment is saved."),
    )


@login_required
@require_GET
def board(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The notice-board print-out (党务公开栏): the branch's approved commitments, A4."""
    branch = get_branch_to_review(request.user, code)
    year = checked_year(year)
    return render(
        request,
        "commitments/board.html",
        {
            "branch": branch,
            "year": year,
            "commitments": selectors.approved_commitments(branch, year),
            "printed_on": timezone.localdate(),
        },
    )
