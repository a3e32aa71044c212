"""An organisation's own page: who holds which role from when (the assessment group, the
recorder, the points leading group and its responsible person — plan §1.3, §3.1), its
trainings and its public representatives."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.confirm import Confirmation, confirm_page, confirmed
from core.errors import DomainError
from core.pinyin import name_order

from . import branch as branch_services
from .forms import RepresentativeForm, RoleEndForm, RoleGrantForm, TrainingForm
from .models import Member, Organization, PublicRepresentative, Role, RoleAssignment, Training
from .permissions import (
    COMMITTEE_APPOINTS,
    administered_committee,
    get_assignment_to_end,
    get_branch_representative,
    get_branch_to_keep,
    get_org_for_user,
    get_org_to_grant,
    grantable_roles,
    may_manage_members,
    may_manage_roles,
    scope_for,
)
from .roles import role_end, role_grant


def _members_of(org: Organization) -> Any:
    return Member.objects.filter(branch=org, is_active=True).order_by(*name_order(), "pk")


def _settings_url(user: Any, org: Organization) -> str:
    """The organisation's settings page, where the user may change them."""
    if org.is_committee:
        committee = administered_committee(user)
        mine = committee is not None and committee.pk == org.pk
        return reverse("organizations:committee_settings") if mine else ""
    if scope_for(user).may_edit_scheme(org.pk):
        return reverse("organizations:branch_settings", kwargs={"code": org.code})
    return ""


@login_required
def org_detail(request: HttpRequest, code: str) -> HttpResponse:
    org = get_org_for_user(request.user, code)
    assignments = list(
        RoleAssignment.objects.filter(organization=org)
        .select_related("member", "user", "granted_by", "ended_by")
        .order_by("role", "-starts_on", "pk")
    )
    today = timezone.localdate()
    current = [
        a
        for a in assignments
        if (a.starts_on is None or a.starts_on <= today)
        and (a.ends_on is None or a.ends_on > today)
    ]
    ended = [a for a in assignments if a not in current]
    roles = grantable_roles(request.user, org)
    members = _members_of(org) if org.owns_members else Member.objects.none()
    users = (
        get_user_model().objects.filter(is_active=True).order_by("username")
        if org.is_committee
        else None
    )
    context = {
        "org": org,
        "current": current,
        "ended": ended,
        "leading_group": [a for a in current if a.role in (Role.LEADING_GROUP, Role.RESPONSIBLE)],
        "trainings": Training.objects.filter(branch=org).prefetch_related("attendees")[:20],
        "representatives": PublicRepresentative.objects.filter(branch=org).order_by(
            "-is_active", "name_key", "pk"
        ),
        "grant_form": RoleGrantForm(
            roles=roles,
            members=members,
            users=users,
            initial={"starts_on": today},
        )
        if roles
        else None,
        "may_keep": org.owns_members and may_manage_members(request.user, org),
        "training_form": TrainingForm(members=members, initial={"held_on": today}),
        "representative_form": RepresentativeForm(),
        "member_count": members.count(),
        "may_end": {a.pk for a in current if may_manage_roles(request.user, org, a.role)},
        "committee_appoints": COMMITTEE_APPOINTS,
        "settings_url": _settings_url(request.user, org),
    }
    return render(request, "organizations/org_detail.html", context)


@login_required
@require_POST
def role_grant_view(request: HttpRequest, code: str) -> HttpResponse:
    org, roles = get_org_to_grant(request.user, code)
    members = _members_of(org) if org.owns_members else Member.objects.none()
    users = get_user_model().objects.filter(is_active=True) if org.is_committee else None
    form = RoleGrantForm(request.POST, roles=roles, members=members, users=users)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect("organizations:org_detail", code=org.code)
    data = form.cleaned_data
    try:
        assignment = role_grant(
            organization=org,
            role=data["role"],
            member=data.get("member"),
            user=data.get("user"),
            starts_on=data["starts_on"],
            reason=data["reason"],
            actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s is appointed %(role)s.")
            % {"name": assignment.holder_name, "role": assignment.get_role_display()},
        )
    return redirect("organizations:org_detail", code=org.code)


@login_required
@require_POST
def role_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_to_end(request.user, pk)
    org = assignment.organization
    form = RoleEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the day the role ends and the reason."))
        return redirect("organizations:org_detail", code=org.code)
    if not confirmed(request):
        return confirm_page(
            request,
            Confirmation(
                title=_("End the role of %(name)s as %(role)s")
                % {"name": assignment.holder_name, "role": assignment.get_role_display()},
                happens=_(
                    "From %(day)s %(name)s no longer acts as %(role)s of %(org)s; what the "
                    "role allowed stops that day."
                )
                % {
                    "day": form.cleaned_data["ends_on"].isoformat(),
                    "name": assignment.holder_name,
                    "role": assignment.get_role_display(),
                    "org": org.name,
                },
                affects=_("%(name)s, %(org)s") % {"name": assignment.holder_name, "org": org.name},
                irreversible=_(
                    "The ended role stays in the record with its reason; appointing the person "
                    "again makes a new entry."
                ),
                button=_("End the role"),
                back=reverse("organizations:org_detail", kwargs={"code": org.code}),
                details=[_("Reason: %(reason)s") % {"reason": form.cleaned_data["reason"]}],
            ),
        )
    try:
        role_end(
            assignment=assignment,
            ends_on=form.cleaned_data["ends_on"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The role has ended."))
    return redirect("organizations:org_detail", code=org.code)


@login_required
@require_POST
def training_new(request: HttpRequest, code: str) -> HttpResponse:
    org = get_branch_to_keep(request.user, code)
    form = TrainingForm(request.POST, members=_members_of(org))
    if form.is_valid():
        data = form.cleaned_data
        try:
            branch_services.training_record(
                branch=org,
                held_on=data["held_on"],
                topic=data["topic"],
                notes=data["notes"],
                attendees=data["attendees"],
                actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The training is recorded."))
    else:
        messages.error(request, _("Give the date and topic of the training."))
    return redirect(reverse("organizations:org_detail", kwargs={"code": org.code}) + "#trainings")


@login_required
def representative_edit(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    """Add a 群众代表 (pk None) or correct one; the branch's secretary or the committee."""
    org = get_branch_to_keep(request.user, code)
    rep = None
    if pk is not None:
        rep = get_branch_representative(org, pk)
    initial = {"name": rep.name, "affiliation": rep.affiliation, "phone": rep.phone} if rep else {}
    form = RepresentativeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            branch_services.representative_save(
                branch=org, representative=rep, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The public representative is saved."))
            return redirect(
                reverse("organizations:org_detail", kwargs={"code": org.code}) + "#representatives"
            )
    return render(
        request,
        "organizations/representative_form.html",
        {"org": org, "form": form, "representative": rep},
    )


@login_required
@require_POST
def representative_retire(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    org = get_branch_to_keep(request.user, code)
    rep = get_branch_representative(org, pk)
    try:
        branch_services.representative_retire(representative=rep, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s no longer takes part.") % {"name": rep.name})
    return redirect(
        reverse("organizations:org_detail", kwargs={"code": org.code}) + "#representatives"
    )
