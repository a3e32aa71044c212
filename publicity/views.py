"""公示 pages: publishing a quarter, the publication and its notice, objections and answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.confirm import Confirmation, confirm_page, confirmed
from core.errors import DomainError
from core.years import checked_year
from ledger.totals import branch_year
from organizations.models import Organization
from organizations.permissions import (
    check_committee,
    get_branch_for_user,
    get_own_member,
    scope_for,
    visible_branches,
)

from . import selectors, services
from .forms import AnswerForm, ObjectionForm, PublishForm
from .models import Objection, Publication
from .permissions import (
    get_branch_to_publish,
    get_objection_to_answer,
    get_own_member_of,
    get_publication_for_user,
    may_publish,
    own_member_of,
)
from .workdays import MAX_WORKDAYS, objection_window

WINDOW_ESTIMATED = gettext_lazy(
    "The holiday calendar does not know this year yet, so the window was counted Monday to "
    "Friday. Check the dates against the State Council's holiday notice."
)


def _detail_url(publication: Publication, anchor: str = "") -> str:
    url = reverse("publicity:detail", kwargs={"pk": publication.pk})
    return f"{url}#{anchor}" if anchor else url


def _with_counts(publications: Any) -> Any:
    return publications.annotate(
        objection_count=Count("objections"),
        waiting=Count("objections", filter=Q(objections__answered_at__isnull=True)),
    )


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Officers see the branches they look after; a branch's officer goes straight to it."""
    scope = scope_for(request.user)
    branches = list(visible_branches(request.user))
    if len(branches) == 1 and not scope.is_committee:
        return redirect("publicity:branch", code=branches[0].code)
    if not branches:
        get_own_member(request.user)
        return redirect("publicity:mine")
    latest = {
        row["branch_id"]: row
        for row in Publication.objects.filter(branch__in=branches)
        .values("branch_id")
        .annotate(
            count=Count("pk"),
            last=Max("published_at"),
            waiting=Count("objections", filter=Q(objections__answered_at__isnull=True)),
        )
    }
    rows = [{"branch": b, **latest.get(b.pk, {})} for b in branches]
    return render(request, "publicity/index.html", {"rows": rows})


@login_required
@require_GET
def branch(request: HttpRequest, code: str) -> HttpResponse:
    branch = get_branch_for_user(request.user, code)
    publications = _with_counts(Publication.objects.filter(branch=branch)).select_related(
        "published_by"
    )
    return render(
        request,
        "publicity/branch.html",
        {
            "branch": branch,
            "publications": publications,
            "may_publish": may_publish(request.user, branch.pk),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, code: str) -> HttpResponse:
    """Plan §1.3 step 5: the group publishes the quarter's points for objections."""
    branch = get_branch_to_publish(request.user, code)
    published = {
        f"{y}-{q}"
        for y, q in Publication.objects.filter(branch=branch).values_list("year", "quarter")
    }
    name, phone = services.default_contact(branch, request.user)
    form = PublishForm(
        request.POST or None,
        published=published,
        initial={"contact_name": name, "contact_phone": phone},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.publication_check(
                branch=branch,
                quarter=data["period"],
                window_start=data["window_start"],
                workdays=data["workdays"],
                contact_name=data["contact_name"],
            )
            if not confirmed(request):
                return confirm_page(request, _publish_confirmation(branch, data))
            publication = services.publication_publish(
                branch=branch,
                quarter=data["period"],
                actor=request.user,
                title=data["title"],
                window_start=data["window_start"],
                workdays=data["workdays"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(title)s has been published; objections until %(end)s.")
                % {"title": publication.title, "end": publication.window_end.isoformat()},
            )
            if publication.window_estimated:
                messages.warning(request, str(WINDOW_ESTIMATED))
            return redirect(_detail_url(publication))
    today = timezone.localdate()
    return render(
        request,
        "publicity/publish.html",
        {
            "branch": branch,
            "form": form,
            "preview": branch_year(branch, today.year),
            "window": _window_or_none(today.isoformat(), "5"),
        },
    )


def _window_or_none(start: str, workdays: str) -> Any:
    try:
        day = date.fromisoformat(start)
        days = int(workdays)
    except (TypeError, ValueError):
        return None
    if not 1 <= days <= MAX_WORKDAYS or not date(2000, 1, 1) <= day <= date(2100, 1, 1):
        return None
    return objection_window(day, days)


@login_required
@require_GET
def window_preview(request: HttpRequest) -> HttpResponse:
    """The window's dates as the publisher types (htmx)."""
    window = _window_or_none(request.GET.get("window_start", ""), request.GET.get("workdays", ""))
    return render(request, "publicity/_window.html", {"window": window})


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The publication inside the system: the table as published with correction notes,
    the distribution of points, objections."""
    publication = get_publication_for_user(request.user, pk)
    shown = selectors.shown_publication(publication)
    member = own_member_of(request.user, publication.branch_id)
    answers = may_publish(request.user, publication.branch_id)
    objections = Objection.objects.filter(publication=publication).select_related(
        "member", "row", "correction__item", "answered_by"
    )
    if not (answers or scope_for(request.user).is_committee):
        objections = objections.filter(member=member) if member else objections.none()
    may_object = member is not None and publication.is_open_for_objections()
    return render(
        request,
        "publicity/detail.html",
        {
            "publication": publication,
            "shown": shown,
            "objections": list(objections.order_by("raised_at", "pk")),
            "may_answer": answers,
            "form": ObjectionForm(publication=publication) if may_object else None,
            "distribution": selectors.histogram(r.row.total for r in shown.rows),
            "window_estimated_text": WINDOW_ESTIMATED,
        },
    )


@login_required
@require_GET
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice-board print-out (A4): title, period, window, contact, the table."""
    publication = get_publication_for_user(request.user, pk)
    return render(
        request,
        "publicity/notice.html",
        {
            "publication": publication,
            "shown": selectors.shown_publication(publication),
            "quarter_first_day": date(publication.year, 1, 1),
        },
    )


@login_required
@require_POST
def object_to(request: HttpRequest, pk: int) -> HttpResponse:
    """A member of the branch raises an objection within the window."""
    publication = get_publication_for_user(request.user, pk)
    member = get_own_member_of(request.user, publication.branch_id)
    form = ObjectionForm(request.POST, publication=publication)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(_detail_url(publication, "objections"))
    try:
        objection = services.objection_raise(
            publication=publication,
            member=member,
            reason=form.cleaned_data["reason"],
            row=form.cleaned_data["row"],
            actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_detail_url(publication, "objections"))
    messages.success(
        request, _("Your objection has been received; the assessment group will answer it.")
    )
    return redirect(_detail_url(publication, f"objection-{objection.pk}"))


def _first_error(form: Any) -> str:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The assessment group answers an objection in writing, naming any correcting entry."""
    objection = get_objection_to_answer(request.user, pk)
    publication = objection.publication
    form = None
    if not objection.is_answered:
        form = AnswerForm(request.POST or None, publication=publication)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.objection_answer(
                    objection=objection,
                    answer=data["answer"],
                    upheld=data["upheld"],
                    correction=data["correction"],
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The answer has been recorded and sent."))
                return redirect(_detail_url(publication, f"objection-{objection.pk}"))
    elif request.method == "POST":
        messages.error(request, _("This objection has already been answered."))
        return redirect(_detail_url(publication, f"objection-{objection.pk}"))
    scope = scope_for(request.user)
    return render(
        request,
        "publicity/answer.html",
        {
            "objection": objection,
            "publication": publication,
            "form": form,
            "ledger_url": (
                f"{reverse('ledger:entry_new', kwargs={'code': publication.branch.code})}"
                f"?year={publication.year}"
                if scope.may_record_points(publication.branch_id)
                else ""
            ),
        },
    )


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """A member: their branch's publications and their own objections."""
    member = get_own_member(request.user)
    publications = Publication.objects.filter(branch_id=member.branch_id)
    objections = (
        Objection.objects.filter(member=member)
        .select_related("publication", "row")
        .order_by("-raised_at", "-pk")
    )
    return render(
        request,
        "publicity/mine.html",
        {
            "member": member,
            "publications": publications,
            "objections": objections,
            "today": timezone.localdate(),
        },
    )


# Charts for other pages (fetched by static/js/publicity_charts.js) ---------------------


@login_required
@require_GET
def chart_my_trend(request: HttpRequest, year: int) -> JsonResponse:
    member = get_own_member(request.user)
    return JsonResponse(selectors.member_trend(member, checked_year(year)))


@login_required
@require_GET
def chart_branches(request: HttpRequest, year: int) -> JsonResponse:
    check_committee(request.user)
    branches = visible_branches(request.user)
    return JsonResponse(selectors.branches_side_by_side(checked_year(year), branches))


def _publish_confirmation(branch: Organization, data: dict[str, Any]) -> Confirmation:
    start = data["window_start"] or timezone.localdate()
    window = objection_window(start, data["workdays"])
    return Confirmation(
        title=_("Publish the points of %(branch)s for %(period)s")
        % {"branch": branch.name, "period": data["period"]},
        happens=_(
            "Every member's points so far, their rank and award list are published as they "
            "stand now: on the notice-board print, the lobby screens and to the members. "
            "Objections are open until %(end)s."
        )
        % {"end": window.end.isoformat()},
        affects=_("Every member of %(branch)s taking part this year, and anyone who reads it")
        % {"branch": branch.name},
        irreversible=_(
            "A publication is kept exactly as published; a later correction is a new ledger "
            "entry noted beside it, never a change of the publication."
        ),
        button=_("Publish"),
        back=reverse("publicity:publish", kwargs={"code": branch.code}),
        danger=False,
    )
