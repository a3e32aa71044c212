"""The voter's pages, without any login: type or scan a code, fill in, review, cast."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.errors import DomainError

from . import selectors, services, throttle
from .codes import normalize
from .forms import CodeForm, ballot_marks, ballot_rows
from .grades import ORDER, BallotInvalid, check_marks, range_text
from .services import CodeRefused


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "appraisals/vote_locked.html", status=429)


def _refused(request: HttpRequest, exc: CodeRefused, form: CodeForm | None = None) -> HttpResponse:
    """Say why the code cannot vote, count it against the address and audit it. Past the
    limit the page says "too many wrong codes"; a right code still works (appraisals.throttle)."""
    address = _address(request)
    count = throttle.record_failure(address)
    services.code_refusal_record(reason=exc.reason, session=exc.session, address=address)
    if count == throttle.limit():
        services.code_lockout_record(address=address)
    if throttle.over_limit(count):
        return _too_many(request)
    return render(
        request,
        "appraisals/vote_start.html",
        {"form": form or CodeForm(), "error": exc.message},
        status=400,
    )


@never_cache
def vote_start(request: HttpRequest) -> HttpResponse:
    """Type the code from the slip (for phones that cannot scan)."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            services.find_code(code)
        except CodeRefused as exc:
            return _refused(request, exc, form)
        return redirect("appraisals:ballot", code=normalize(code))
    return render(request, "appraisals/vote_start.html", {"form": form})


@never_cache
def ballot(request: HttpRequest, code: str) -> HttpResponse:
    """The ballot: grade everyone, review, cast. Each step checks the code again."""
    try:
        found = services.find_code(code)
    except CodeRefused as exc:
        return _refused(request, exc)
    session = found.session
    evaluees = selectors.evaluees(session)
    rows = ballot_rows(evaluees)
    step = request.POST.get("step", "edit") if request.method == "POST" else "edit"
    error = ""
    if request.method == "POST":
        rows = ballot_rows(evaluees, request.POST)
        try:
            if step == "cast":
                services.ballot_cast(code=code, marks=ballot_marks(rows))
                return redirect("appraisals:vote_done")
            if step == "review":
                check_marks(
                    ballot_marks(rows),
                    evaluees=[e.member_id for e in evaluees],
                    with_scores=session.with_scores,
                )
        except BallotInvalid as exc:
            rows = ballot_rows(evaluees, request.POST, exc.errors)
            error, step = exc.message, "edit"
        except CodeRefused as exc:
            return _refused(request, exc)
        except DomainError as exc:
            error, step = exc.message, "edit"
    template = "appraisals/ballot_review.html" if step == "review" else "appraisals/ballot.html"
    if step != "review":
        # Beside each name, what the meeting reviews: the same for every voter.
        facts = selectors.evaluee_facts(session, evaluees)
        for row in rows:
            row.facts = facts.get(row.evaluee.member_id)
    return render(
        request,
        template,
        {
            "session": session,
            "code": normalize(code),
            "rows": rows,
            "error": error,
            "grades": [(g, range_text(g)) for g in ORDER],
        },
        status=400 if error else 200,
    )


@never_cache
def vote_done(request: HttpRequest) -> HttpResponse:
    return render(request, "appraisals/vote_done.html", {"message": _("Your ballot is cast.")})
