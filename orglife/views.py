"""Pages of organisational life: the meetings, their attendance and QR sign-in.

The recorder (or the group, or the secretary) keeps the record; the branch's other
officers and the committee read it; a member signs in on a phone and sees their own.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.qr import qr_svg
from core.years import year_choices, year_from_query
from organizations.permissions import (
    check_officer_anywhere,
    get_own_member,
    scope_for,
    visible_branches,
)

from . import selectors, services
from .forms import AddMembersForm, MeetingCreateForm, MeetingForm
from .models import Attendance, Meeting, MeetingKind
from .permissions import (
    branch_to_keep,
    get_attendance_to_keep,
    get_meeting_for_user,
    may_keep,
)

PER_PAGE = 50


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _detail(meeting: Meeting) -> str:
    return reverse("orglife:meeting_detail", kwargs={"pk": meeting.pk})


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    """The meetings of the branches the user serves as an officer, newest first."""
    scope = check_officer_anywhere(request.user)
    year = year_from_query(request)
    branches = list(visible_branches(request.user).order_by("order", "code"))
    chosen = next((b for b in branches if b.code == request.GET.get("branch")), None)
    shown = [chosen] if chosen else branches
    page = Paginator(selectors.meetings_of([b.pk for b in shown], year), PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = f"year={year}" + (f"&branch={chosen.code}" if chosen else "")
    return render(
        request,
        "orglife/meeting_list.html",
        {
            "year": year,
            "year_links": [
                (y, f"?year={y}" + (f"&branch={chosen.code}" if chosen else ""))
                for y in year_choices(year)
            ],
            "branches": branches,
            "chosen": chosen,
            "page": page,
            "query": query,
            "keep_branches": [b for b in branches if may_keep(request.user, b.pk)],
            "may_set_policy": [b for b in branches if scope.may_edit_scheme(b.pk)],
            "member": scope.member,
        },
    )


@login_required
def meeting_create(request: HttpRequest, code: str) -> HttpResponse:
    branch = branch_to_keep(request.user, code)
    kind = request.GET.get("kind")
    initial = {"kind": kind} if kind in MeetingKind.values else {}
    form = MeetingCreateForm(request.POST or None, branch=branch, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_create(
                branch=branch,
                kind=data["kind"],
                topic=data["topic"],
                starts_at=form.starts_at,
                place=data["place"],
                notes=data["notes"],
                members=list(data["members"]),
                created_by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The meeting has been recorded."))
            return redirect(_detail(meeting))
    return render(request, "orglife/meeting_form.html", {"form": form, "branch": branch})


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk, keep=True)
    form = MeetingForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                meeting=meeting,
                kind=data["kind"],
                topic=data["topic"],
                starts_at=form.starts_at,
                place=data["place"],
                notes=data["notes"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The meeting has been updated."))
            return redirect(_detail(meeting))
    return render(
        request,
        "orglife/meeting_form.html",
        {"form": form, "branch": meeting.branch, "meeting": meeting},
    )


def _sign_in_url(request: HttpRequest, meeting: Meeting) -> str:
    return request.build_absolute_uri(
        reverse("orglife:sign_in", kwargs={"token": meeting.signin_token})
    )


def _window(meeting: Meeting) -> dict[str, Any]:
    minutes = selectors.signin_window_of(meeting.branch_id)
    opens, closes = selectors.window_of(meeting, minutes)
    now = timezone.now()
    state = "early" if now < opens else "late" if now > closes else "open"
    return {"minutes": minutes, "opens": opens, "closes": closes, "state": state}


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting with everyone expected at it; the recorder records and corrects here."""
    meeting = get_meeting_for_user(request.user, pk)
    keep = may_keep(request.user, meeting.branch_id)
    rows = selectors.attendance_rows(meeting)
    context: dict[str, Any] = {
        "meeting": meeting,
        "rows": rows,
        "counts": selectors.counts_of(rows),
        "keep": keep,
        "window": _window(meeting),
        "started": timezone.now() >= meeting.starts_at,
        "year": timezone.localtime(meeting.starts_at).year,
    }
    if keep:
        url = _sign_in_url(request, meeting)
        context["sign_in_url"] = url
        context["qr"] = qr_svg(url, title=_("Sign in to the meeting"))
        context["add_form"] = AddMembersForm(queryset=selectors.members_to_add(meeting))
    return render(request, "orglife/meeting_detail.html", context)


@login_required
def meeting_screen(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR code large, to show on the meeting room's screen or to print and put up."""
    meeting = get_meeting_for_user(request.user, pk, keep=True)
    url = _sign_in_url(request, meeting)
    rows = selectors.attendance_rows(meeting)
    return render(
        request,
        "orglife/meeting_screen.html",
        {
            "meeting": meeting,
            "qr": qr_svg(url, title=_("Sign in to the meeting")),
            "sign_in_url": url,
            "window": _window(meeting),
            "counts": selectors.counts_of(rows),
            "expected": len(rows),
        },
    )


@login_required
def meeting_counts(request: HttpRequest, pk: int) -> HttpResponse:
    """The live sign-in count on the screen page, polled by htmx."""
    meeting = get_meeting_for_user(request.user, pk, keep=True)
    rows = selectors.attendance_rows(meeting)
    return render(
        request,
        "orglife/_screen_count.html",
        {"meeting": meeting, "counts": selectors.counts_of(rows), "expected": len(rows)},
    )


@login_required
@require_POST
def meeting_new_code(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk, keep=True)
    services.meeting_rotate_token(meeting=meeting, actor=request.user)
    messages.success(request, _("A new sign-in code has been made; the old one no longer works."))
    return redirect(_detail(meeting))


@login_required
@require_POST
def meeting_mark_rest(request: HttpRequest, pk: int) -> HttpResponse:
    """Everyone not yet recorded is marked present or absent in one go."""
    meeting = get_meeting_for_user(request.user, pk, keep=True)
    status = request.POST.get("status", "")
    try:
        changed = services.attendance_mark_rest(meeting=meeting, status=status, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(count)d member(s) recorded as %(status)s.")
            % {"count": changed, "status": Attendance.Status(status).label},
        )
    return redirect(_detail(meeting))


@login_required
@require_POST
def attendance_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk, keep=True)
    form = AddMembersForm(request.POST, queryset=selectors.members_to_add(meeting))
    if not form.is_valid():
        messages.error(request, _("Choose at least one member to add."))
        return redirect(_detail(meeting))
    try:
        added = services.attendance_add(
            meeting=meeting, members=list(form.cleaned_data["members"]), actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(count)d member(s) added.") % {"count": added})
    return redirect(_detail(meeting))


@login_required
@require_POST
def attendance_set(request: HttpRequest, pk: int) -> HttpResponse:
    """Record one member's attendance; with htmx, answer with the row (and the new counts)."""
    row = get_attendance_to_keep(request.user, pk)
    error = ""
    try:
        services.attendance_set(
            attendance=row,
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
            actor=request.user,
        )
    except DomainError as exc:
        error = exc.message
    meeting = row.meeting
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(f"{_detail(meeting)}#att-{row.pk}")
    rows = selectors.attendance_rows(meeting)
    current = next(r for r in rows if r.pk == row.pk)
    return render(
        request,
        "orglife/_attendance_update.html",
        {
            "meeting": meeting,
            "row": current,
            "row_error": error,
            "typed_reason": request.POST.get("reason", "") if error else "",
            "counts": selectors.counts_of(rows),
            "keep": True,
            "started": timezone.now() >= meeting.starts_at,
            "year": timezone.localtime(meeting.starts_at).year,
        },
    )


@login_required
def sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """Where a member's phone lands after scanning the meeting's QR code."""
    meeting = Meeting.objects.select_related("branch").filter(signin_token=token).first()
    if meeting is None:
        return render(request, "orglife/sign_in.html", {"problem": "unknown"}, status=404)
    member = scope_for(request.user).member
    if member is None or member.branch_id != meeting.branch_id:
        # Nothing about another branch's meeting is shown.
        return render(request, "orglife/sign_in.html", {"problem": "other_branch"}, status=403)
    error = ""
    if request.method == "POST":
        try:
            services.attendance_sign_in(meeting=meeting, member=member, actor=request.user)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("You are signed in. Thank you."))
            return redirect("orglife:sign_in", token=token)
    attendance = Attendance.objects.filter(meeting=meeting, member=member).first()
    return render(
        request,
        "orglife/sign_in.html",
        {
            "meeting": meeting,
            "member": member,
            "attendance": attendance,
            "window": _window(meeting),
            "error": error,
        },
    )


@login_required
def my_attendance(request: HttpRequest) -> HttpResponse:
    """A member's own meetings of the year: attendance, sign-in times, deductions."""
    member = get_own_member(request.user)
    year = year_from_query(request)
    rows = selectors.my_attendance(member, year)
    return render(
        request,
        "orglife/my_attendance.html",
        {
            "member": member,
            "year": year,
            "year_links": [(y, f"?year={y}") for y in year_choices(year)],
            "rows": rows,
            "counts": selectors.counts_of(rows),
        },
    )
