"""The committee's pages of the organisation tree and the departments, and the members'
roll kept by each branch (new members, their particulars)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.confirm import Confirmation, confirm_page, confirmed
from core.downloads import name_download
from core.errors import DomainError
from core.spreadsheets import cell_value

from . import services, tree
from .forms import DepartmentForm, MemberForm, OrganizationEditForm, OrganizationForm, ReasonForm
from .imports import members_workbook
from .models import Department, Member, Organization
from .permissions import (
    get_branch_to_keep,
    get_department_for_user,
    get_member_to_edit,
    get_org_for_user,
    get_org_to_edit,
    get_tree_committee,
    kept_branches,
    scope_for,
)


def _parents(committee: Organization) -> Any:
    return Organization.objects.filter(
        Q(pk=committee.pk) | Q(kind=Organization.Kind.GENERAL_BRANCH, closed_on__isnull=True)
    ).order_by("order", "code")


@login_required
@require_GET
def org_tree(request: HttpRequest) -> HttpResponse:
    """The committee, its general branches and branches (closed ones too), departments."""
    committee = get_tree_committee(request.user)
    orgs = list(
        Organization.objects.annotate(
            active=Count("members", filter=Q(members__is_active=True))
        ).order_by("order", "code")
    )
    children: dict[int | None, list[Organization]] = {}
    for org in orgs:
        children.setdefault(org.parent_id, []).append(org)
    rows: list[tuple[int, Organization]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for org in children.get(parent_id, []):
            rows.append((depth, org))
            walk(org.pk, depth + 1)

    walk(None, 0)
    departments = Department.objects.annotate(
        active=Count("members", filter=Q(members__is_active=True))
    ).order_by("closed_on", "order", "name")
    return render(
        request,
        "organizations/tree.html",
        {
            "committee": committee,
            "rows": rows,
            "departments": departments,
            "form": OrganizationForm(
                parents=_parents(committee), initial={"parent": committee, "kind": "branch"}
            ),
            "department_form": DepartmentForm(),
        },
    )


@login_required
@require_POST
def org_create(request: HttpRequest) -> HttpResponse:
    committee = get_tree_committee(request.user)
    form = OrganizationForm(request.POST, parents=_parents(committee))
    if form.is_valid():
        data = form.cleaned_data
        try:
            org = tree.organization_create(
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                parent=data["parent"],
                actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(org)s has been created.") % {"org": org.name})
            return redirect("organizations:org_detail", code=org.code)
    else:
        messages.error(request, _("Check the new organisation's code, name and place."))
    return redirect("organizations:org_tree")


@login_required
def org_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Rename an organisation or put it under another general branch."""
    committee = get_tree_committee(request.user)
    org = get_org_to_edit(request.user, code)
    parents = _parents(committee).exclude(pk=org.pk)
    form = OrganizationEditForm(
        request.POST or None, parents=parents, initial={"name": org.name, "parent": org.parent}
    )
    if request.method == "POST" and form.is_valid():
        try:
            tree.organization_rename(org=org, name=form.cleaned_data["name"], actor=request.user)
            if form.cleaned_data["parent"].pk != org.parent_id:
                tree.organization_move(
                    org=org, parent=form.cleaned_data["parent"], actor=request.user
                )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(org)s has been saved.") % {"org": org.code})
            return redirect("organizations:org_tree")
    return render(request, "organizations/org_edit.html", {"org": org, "form": form})


@login_required
@require_POST
def org_close(request: HttpRequest, code: str) -> HttpResponse:
    get_tree_committee(request.user)
    org = get_org_for_user(request.user, code)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for closing."))
        return redirect("organizations:org_tree")
    if not confirmed(request):
        return confirm_page(
            request,
            Confirmation(
                title=_("Close %(org)s") % {"org": org.name},
                happens=_(
                    "%(org)s takes no new members, schemes or points; its roles end. Its "
                    "history — members' past years, points, tables — stays readable."
                )
                % {"org": org.name},
                affects=_("%(org)s and the officers holding roles in it") % {"org": org.name},
                irreversible=_("A closed organisation is not reopened; create a new one instead."),
                button=_("Close the organisation"),
                back=reverse("organizations:org_tree"),
                details=[_("Reason: %(reason)s") % {"reason": form.cleaned_data["reason"]}],
            ),
        )
    try:
        tree.organization_close(org=org, reason=form.cleaned_data["reason"], actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(org)s is closed.") % {"org": org.name})
    return redirect("organizations:org_tree")


@login_required
@require_GET
def org_export(request: HttpRequest) -> HttpResponse:
    """The tree as `load_orgs` reads it: code,name,kind,parent — the open organisations."""
    get_tree_committee(request.user)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["code", "name", "kind", "parent"])
    for org in Organization.objects.filter(closed_on__isnull=True).select_related("parent"):
        parent = org.parent.code if org.parent is not None else ""
        writer.writerow([cell_value(org.code), cell_value(org.name), org.kind, parent])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    return name_download(response, _("organisations") + ".csv")


@login_required
@require_POST
def department_create(request: HttpRequest) -> HttpResponse:
    get_tree_committee(request.user)
    form = DepartmentForm(request.POST)
    if form.is_valid():
        try:
            department = services.department_create(
                name=form.cleaned_data["name"],
                business_line=form.cleaned_data["business_line"],
                actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": department.name})
    else:
        messages.error(request, _("Give the department's name."))
    return redirect(reverse("organizations:org_tree") + "#departments")


@login_required
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_department_for_user(request.user, pk)
    form = DepartmentForm(
        request.POST or None,
        initial={"name": department.name, "business_line": department.business_line},
    )
    if request.method == "POST" and form.is_valid():
        try:
            tree.department_rename(
                department=department,
                name=form.cleaned_data["name"],
                business_line=form.cleaned_data["business_line"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The department has been saved."))
            return redirect(reverse("organizations:org_tree") + "#departments")
    return render(
        request, "organizations/department_edit.html", {"department": department, "form": form}
    )


@login_required
@require_POST
def department_close(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_department_for_user(request.user, pk)
    try:
        tree.department_close(department=department, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s is closed.") % {"name": department.name})
    return redirect(reverse("organizations:org_tree") + "#departments")


# Members ----------------------------------------------------------------------------


@login_required
def member_new(request: HttpRequest, code: str) -> HttpResponse:
    """A new member on the branch's roll (the secretary of the branch, the committee)."""
    branch = get_branch_to_keep(request.user, code)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_create(branch=branch, actor=request.user, **form.values())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": member.name})
            return redirect("organizations:member_detail", pk=member.pk)
    return render(
        request, "organizations/member_form.html", {"form": form, "branch": branch, "member": None}
    )


@login_required
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_to_edit(request.user, pk)
    initial = {field: getattr(member, field) for field in services.MEMBER_FIELDS}
    form = MemberForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(member=member, actor=request.user, **form.values())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("The particulars of %(name)s are saved.") % {"name": member}
            )
            return redirect("organizations:member_detail", pk=member.pk)
    return render(
        request,
        "organizations/member_form.html",
        {"form": form, "branch": member.branch, "member": member},
    )


@login_required
@require_GET
def members_export(request: HttpRequest) -> HttpResponse:
    """The roll of the branches the user keeps, in the import's own columns (a round trip:
    importing it back changes nothing)."""
    scope = scope_for(request.user)
    branches = kept_branches(request.user)
    members = (
        Member.objects.filter(branch__in=branches, is_active=True)
        .select_related("branch", "department")
        .order_by("branch__order", "branch__code", "name_key", "pk")
    )
    content = members_workbook(list(members), branch_column=scope.is_committee or len(branches) > 1)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    today = timezone.localdate().isoformat()
    return name_download(response, _("roll of party members") + f"-{today}.xlsx")
