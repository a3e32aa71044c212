"""Who takes part: a member's application, the branch's decision, the committee's filing,
the department head's decision on retirees, and the committee's list of who is out."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.files import stored_file_response
from core.pinyin import name_order
from core.years import checked_year, year_from_query
from organizations.models import Member, Role
from organizations.permissions import (
    get_branch_for_user,
    get_own_member,
    scope_for,
    visible_branches,
)
from rules.permissions import committee_for_user

from . import selectors, services
from .attachments import content_type_for
from .forms import ApplyForm, CommentForm, HeadForm, RetireeForm, first_error
from .models import DepartmentHead, Exemption, ExemptionStatus, RetireeDecision
from .permissions import (
    check_department_head,
    get_department_head,
    get_exemption_attachment_for_user,
    get_exemption_for_branch,
    get_exemption_for_committee,
    get_retiree_decision_for_committee,
    get_retiree_for_head,
    headed_department_ids,
    may_open_attachments,
)


def _years() -> list[int]:
    this_year = timezone.localdate().year
    return [this_year + 1, this_year, this_year - 1, this_year - 2]


def _branch_url(exemption: Exemption) -> str:
    return reverse(
        "participation:branch", kwargs={"code": exemption.branch.code, "year": exemption.year}
    )


def _committee_url(year: int) -> str:
    return f"{reverse('participation:committee')}?year={year}"


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Each role to its page: the committee, a branch, a department head, a member."""
    scope = scope_for(request.user)
    year = year_from_query(request)
    if scope.is_committee:
        return redirect(_committee_url(year))
    branches = list(visible_branches(request.user))
    if branches:
        return redirect("participation:branch", code=branches[0].code, year=year)
    if headed_department_ids(request.user):
        return redirect(f"{reverse('participation:retirees')}?year={year}")
    get_own_member(request.user)
    return redirect("participation:mine")


# The member -------------------------------------------------------------------------


def _posted_year(request: HttpRequest) -> int:
    raw = str(request.POST.get("year", ""))
    return int(raw) if raw.isdigit() and len(raw) == 4 else 0


def _render_mine(request: HttpRequest, form: ApplyForm | None = None, status: int = 200):
    member = get_own_member(request.user)
    this_year = timezone.localdate().year
    return render(
        request,
        "participation/mine.html",
        {
            "member": member,
            "form": form or ApplyForm(),
            "applications": list(selectors.exemptions(member=member).order_by("-year", "-pk")),
            "decisions": list(RetireeDecision.objects.filter(member=member).order_by("-year")),
            "year_choices": [this_year, this_year + 1],
            "year": _posted_year(request) or this_year,
            "may_open_attachments": True,  # their own
        },
        status=status,
    )


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return _render_mine(request)


@login_required
@require_POST
def apply(request: HttpRequest) -> HttpResponse:
    member = get_own_member(request.user)
    form = ApplyForm(request.POST, request.FILES)
    year = _posted_year(request)
    if form.is_valid():
        try:
            services.exemption_apply(
                member=member,
                year=year,
                ground=form.cleaned_data["ground"],
                reason=form.cleaned_data["reason"],
                attachment=form.cleaned_data["attachment"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Your application is sent to the branch. You will see its progress here."),
            )
            return redirect("participation:mine")
    return _render_mine(request, form, status=400)


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The application's attachment, for the applicant, the branch's secretary, the committee."""
    exemption = get_exemption_attachment_for_user(request.user, pk)
    return stored_file_response(
        exemption.attachment,
        name=exemption.attachment_name or _("attachment"),
        content_type=content_type_for(exemption.attachment_name),
    )


# The branch -------------------------------------------------------------------------


@login_required
@require_GET
def branch(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The branch's applications for the year and who of its members is not taking part."""
    org = get_branch_for_user(request.user, code)
    year = checked_year(year)
    scope = scope_for(request.user)
    applications = list(selectors.exemptions(branch=org, year=year).order_by("-applied_at", "-pk"))
    return render(
        request,
        "participation/branch.html",
        {
            "branch": org,
            "year": year,
            "applications": applications,
            "waiting": [a for a in applications if a.status == ExemptionStatus.SUBMITTED],
            "absent": selectors.not_taking_part(year, [org]),
            "can_decide": scope.has_role(org.pk, Role.SECRETARY),
            "may_open_attachments": may_open_attachments(request.user, org.pk),
            "me": request.user.pk,
            "years": _years(),
        },
    )


def _act(
    request: HttpRequest, exemption: Exemption, call: Any, done: str, back: str
) -> HttpResponse:
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back)
    try:
        call(exemption=exemption, comment=form.cleaned_data["comment"], actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done % {"name": exemption.member.name})
    return redirect(back)


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    exemption = get_exemption_for_branch(request.user, pk)
    return _act(
        request,
        exemption,
        services.exemption_approve,
        _("%(name)s's application is approved and goes to the party committee for filing."),
        _branch_url(exemption),
    )


@login_required
@require_POST
def refuse(request: HttpRequest, pk: int) -> HttpResponse:
    exemption = get_exemption_for_branch(request.user, pk)
    return _act(
        request,
        exemption,
        services.exemption_refuse,
        _("%(name)s's application is refused."),
        _branch_url(exemption),
    )


# The committee ----------------------------------------------------------------------


@login_required
@require_GET
def committee(request: HttpRequest) -> HttpResponse:
    """Applications to file, and everyone not taking part in the year, across all branches."""
    committee_for_user(request.user)
    year = year_from_query(request)
    return render(
        request,
        "participation/committee.html",
        {
            "may_open_attachments": True,
            "year": year,
            "years": _years(),
            "waiting": list(selectors.waiting_for_filing().order_by("applied_at", "pk")),
            "retirees_waiting": list(selectors.retirees_waiting_for_filing()),
            "absent": selectors.not_taking_part(year, visible_branches(request.user)),
            "recent": list(
                selectors.exemptions(
                    year=year,
                    status__in=[ExemptionStatus.FILED, ExemptionStatus.RETURNED],
                ).order_by("-committee_decided_at", "-pk")[:50]
            ),
        },
    )


@login_required
@require_POST
def file(request: HttpRequest, pk: int) -> HttpResponse:
    exemption = get_exemption_for_committee(request.user, pk)
    return _act(
        request,
        exemption,
        services.exemption_file,
        _("%(name)s's exemption is filed; the member does not take part this year."),
        _committee_url(exemption.year),
    )


@login_required
@require_POST
def return_(request: HttpRequest, pk: int) -> HttpResponse:
    exemption = get_exemption_for_committee(request.user, pk)
    return _act(
        request,
        exemption,
        services.exemption_return,
        _("%(name)s's application is returned to the branch."),
        _committee_url(exemption.year),
    )


@login_required
@require_POST
def retiree_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The committee files a department's decision that a retired member does not take part."""
    decision = get_retiree_decision_for_committee(request.user, pk)
    form = CommentForm(request.POST)
    back = f"{_committee_url(decision.year)}#retirees"
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back)
    try:
        services.retiree_file(
            decision=decision, comment=form.cleaned_data["comment"], actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The department's decision on %(name)s is filed.") % {"name": decision.member.name},
        )
    return redirect(back)


@login_required
@require_GET
def heads(request: HttpRequest) -> HttpResponse:
    committee_for_user(request.user)
    return _render_heads(request, HeadForm())


def _render_heads(request: HttpRequest, form: HeadForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "participation/heads.html",
        {
            "form": form,
            "heads": list(DepartmentHead.objects.select_related("user", "department")),
            "role_label": Role.DEPARTMENT_HEAD.label,
        },
        status=status,
    )


@login_required
@require_POST
def head_appoint(request: HttpRequest) -> HttpResponse:
    org = committee_for_user(request.user)
    form = HeadForm(request.POST)
    if form.is_valid():
        user = (
            get_user_model().objects.filter(username=form.cleaned_data["username"].strip()).first()
        )
        if user is None:
            form.add_error("username", _("No user has this user name."))
        else:
            try:
                services.department_head_appoint(
                    user=user,
                    department=form.cleaned_data["department"],
                    committee=org,
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The department head is appointed."))
                return redirect("participation:heads")
    return _render_heads(request, form, status=400)


@login_required
@require_POST
def head_remove(request: HttpRequest, pk: int) -> HttpResponse:
    org = committee_for_user(request.user)
    head = get_department_head(pk)
    services.department_head_remove(head=head, committee=org, actor=request.user)
    messages.success(request, _("The department head is removed."))
    return redirect("participation:heads")


# The department head ----------------------------------------------------------------


@login_required
@require_GET
def retirees(request: HttpRequest) -> HttpResponse:
    """The retired members of the user's departments and whether they take part this year."""
    departments = check_department_head(request.user)
    year = year_from_query(request)
    members = list(
        Member.objects.filter(department_id__in=departments, is_retired=True, is_active=True)
        .select_related("branch", "department")
        .order_by("department__order", "department__name", *name_order(), "pk")
    )
    decided = {
        d.member_id: d
        for d in RetireeDecision.objects.filter(member__in=members, year=year).select_related(
            "decided_by"
        )
    }
    filed = set(
        Exemption.objects.filter(
            member__in=members, year=year, status=ExemptionStatus.FILED
        ).values_list("member_id", flat=True)
    )
    this_year = timezone.localdate().year
    return render(
        request,
        "participation/retirees.html",
        {
            "year": year,
            "years": _years(),
            "editable": year in (this_year, this_year + 1),
            "rows": [(m, decided.get(m.pk), m.pk in filed) for m in members],
        },
    )


@login_required
@require_POST
def retiree_decide(request: HttpRequest, member_pk: int) -> HttpResponse:
    member = get_retiree_for_head(request.user, member_pk)
    year = year_from_query(request)
    back = f"{reverse('participation:retirees')}?year={year}#member-{member.pk}"
    form = RetireeForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back)
    try:
        services.retiree_decide(
            member=member,
            year=year,
            takes_part=form.cleaned_data["takes_part"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The decision for %(name)s is recorded.") % {"name": member.name}
        )
    return redirect(back)
