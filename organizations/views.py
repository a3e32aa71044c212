"""Members: a searchable list for officers and the committee, and a profile page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from core.pinyin import name_order
from core.years import current_year, year_choices

from .models import RoleAssignment
from .permissions import (
    check_officer_anywhere,
    get_member_for_user,
    may_manage_account,
    may_manage_members,
    scope_for,
    visible_branches,
    visible_members,
)

PAGE_SIZE = 50


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    """Search by name, department or position; htmx asks for the results part only."""
    check_officer_anywhere(request.user)
    members = visible_members(request.user).select_related("branch", "department")
    query = request.GET.get("q", "").strip()[:50]
    if query:
        members = members.filter(
            Q(name__icontains=query)
            | Q(department__name__icontains=query)
            | Q(position__icontains=query)
        )
    branches = list(visible_branches(request.user))
    branch_code = request.GET.get("branch", "")
    branch = next((b for b in branches if b.code == branch_code), None)
    if branch is not None:
        members = members.filter(branch=branch)
    page = Paginator(
        members.order_by("branch__order", "branch__code", *name_order(), "pk"), PAGE_SIZE
    )
    context = {
        "page": page.get_page(request.GET.get("page")),
        "query": query,
        "branches": branches if len(branches) > 1 else [],
        "branch": branch,
    }
    partial = request.headers.get("HX-Request") and not (
        request.headers.get("HX-Boosted") or request.headers.get("HX-History-Restore-Request")
    )
    template = "organizations/_member_results.html" if partial else "organizations/member_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk)
    held = Q(member=member) | (Q(user_id=member.user_id) if member.user_id else Q(pk__in=[]))
    roles = list(RoleAssignment.objects.current().filter(held).select_related("organization"))
    return render(
        request,
        "organizations/member_detail.html",
        {
            "member": member,
            "roles": roles,
            "year": current_year(),
            "card_years": year_choices(current_year()),
            "manages_account": may_manage_account(request.user, member),
            "keeps_roll": may_manage_members(request.user, member.branch),
            "may_move": scope_for(request.user).is_committee,
            "moves": member.moves.select_related("from_branch", "to_branch").order_by("moved_on"),
        },
    )
