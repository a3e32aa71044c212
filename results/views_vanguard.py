"""党员先锋岗 pages: the branch's candidates and proposals of a year, the proposal form, and
the committee's confirmations (a confirmation page first: a confirmed post is announced
on the member's card, public page and the lobby screen, and is not taken back here).

The branch's officers see their branch, its secretary proposes; the committee decides.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commitments.models import VanguardPost
from core.confirm import Confirmation, confirm_page, confirmed
from core.errors import DomainError
from core.years import checked_year
from organizations.models import Organization, Role
from organizations.permissions import (
    check_committee,
    get_branch_for_user,
    get_branch_member,
    scope_for,
    visible_branches,
)
from summaries.views import year_links

from . import services
from .forms import VanguardDecisionForm, VanguardProposalForm
from .permissions import get_post_for_committee
from .selectors import vanguard_board, vanguard_waiting


def _board_url(branch: Organization, year: int) -> str:
    return reverse("results:vanguard", kwargs={"code": branch.code, "year": year})


@login_required
@require_GET
def vanguard(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    board = vanguard_board(branch, year)
    return render(
        request,
        "results/vanguard.html",
        {
            "branch": branch,
            "year": year,
            "board": board,
            "may_propose": scope_for(request.user).has_role(branch.pk, Role.SECRETARY),
            "me": request.user.pk,
            "year_links": year_links("results:vanguard", year, code=branch.code),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def vanguard_propose(request: HttpRequest, code: str, year: int, member_pk: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    member = get_branch_member(branch, member_pk)
    form = VanguardProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.vanguard_propose(
                member=member,
                year=year,
                title=form.cleaned_data["title"],
                reasons=form.cleaned_data["reasons"],
                proposed_by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The proposal for %(name)s is sent to the party committee.")
                % {"name": member.name},
            )
            return redirect(_board_url(branch, year) + "#proposals")
    board = vanguard_board(branch, year)
    return render(
        request,
        "results/vanguard_propose.html",
        {
            "branch": branch,
            "year": year,
            "member": member,
            "row": board.row_of(member.pk),
            "board": board,
            "form": form,
            "back": _board_url(branch, year),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_GET
def vanguard_committee(request: HttpRequest, year: int) -> HttpResponse:
    """The proposals waiting for the committee, and every branch's posts of the year."""
    year = checked_year(year)
    check_committee(request.user)
    branches = list(visible_branches(request.user))
    decided = list(
        VanguardPost.objects.filter(branch__in=branches, year=year)
        .exclude(status="proposed")
        .select_related("branch", "member", "decided_by")
        .order_by("branch__order", "branch__code", "-decided_at", "-pk")
    )
    return render(
        request,
        "results/vanguard_committee.html",
        {
            "year": year,
            "waiting": vanguard_waiting([b.pk for b in branches]),
            "decided": decided,
            "form": VanguardDecisionForm(),
            "me": request.user.pk,
            "year_links": year_links("results:vanguard_committee", year),
        },
    )


def _confirmation(post: VanguardPost, back: str) -> Confirmation:
    name, branch = post.member.name, post.branch.name
    return Confirmation(
        title=_("Confirm %(name)s's post as a vanguard post for %(year)d")
        % {"name": name, "year": post.year},
        happens=_(
            "The designation is recorded with its year; %(name)s's 共产党员岗 card, public post "
            "page and the lobby screen show it, and %(branch)s and the member are told."
        )
        % {"name": name, "branch": branch},
        affects=_("%(name)s of %(branch)s") % {"name": name, "branch": branch},
        irreversible=_(
            "A confirmed vanguard post is announced and stays on the record; it cannot be "
            "withdrawn here."
        ),
        button=_("Confirm the vanguard post"),
        back=back,
        details=[
            _(
                "Rank %(rank)s of %(ranked)s, %(total)s points; "
                "%(kept)s of %(made)s commitments kept."
            )
            % {
                "rank": post.rank or "—",
                "ranked": post.ranked or "—",
                "total": post.total if post.total is not None else "—",
                "kept": post.commitments_kept,
                "made": post.commitments_made,
            },
            _("The branch's reasons: %(reasons)s") % {"reasons": post.reasons},
        ],
        danger=False,
    )


@login_required
@require_POST
def vanguard_decide(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_post_for_committee(request.user, pk)
    back = reverse("results:vanguard_committee", kwargs={"year": post.year})
    form = VanguardDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to confirm the post."))
        return redirect(f"{back}#post-{post.pk}")
    confirm = form.cleaned_data["decision"] == "confirm"
    if confirm and not confirmed(request):
        return confirm_page(request, _confirmation(post, f"{back}#post-{post.pk}"))
    try:
        services.vanguard_decide(
            post=post, confirm=confirm, note=form.cleaned_data["note"], decided_by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            (
                _("%(name)s's post is confirmed as a vanguard post.")
                if confirm
                else _("%(name)s's post is not confirmed; the branch is told why.")
            )
            % {"name": post.member.name},
        )
    return redirect(f"{back}#post-{post.pk}")
