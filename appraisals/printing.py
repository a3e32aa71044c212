"""Print pages and downloads: attachment 3 (blank and filled), the meeting's review sheet."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.downloads import xlsx_response

from . import selectors
from .exports import TITLE, form3_workbook, subtitle
from .grades import FORM_HEADINGS, ORDER
from .models import AppraisalSession
from .permissions import get_filled_session_for_user, get_session_for_user


def _form3_rows(session: AppraisalSession, *, filled: bool) -> list[dict]:
    evaluees = selectors.evaluees(session)
    count = max(18, len(evaluees))
    rows = []
    for number in range(1, count + 1):
        evaluee = evaluees[number - 1] if number <= len(evaluees) else None
        votes = evaluee.votes if (filled and evaluee is not None) else ["", "", "", ""]
        rows.append(
            {"number": number, "name": evaluee.member.name if evaluee else "", "votes": votes}
        )
    return rows


def _form3_page(request: HttpRequest, session: AppraisalSession, *, filled: bool) -> HttpResponse:
    return render(
        request,
        "appraisals/form3_print.html",
        {
            "session": session,
            "title": TITLE,
            "subtitle": subtitle(session),
            "headings": [FORM_HEADINGS[g] for g in ORDER],
            "rows": _form3_rows(session, filled=filled),
            "filled": filled,
            "counts": selectors.counts(session) if filled else None,
        },
    )


@login_required
def form3_print(request: HttpRequest, pk: int) -> HttpResponse:
    """Attachment 3 for the meeting: names in rows, grade columns empty (the paper form)."""
    return _form3_page(request, get_session_for_user(request.user, pk), filled=False)


@login_required
def form3_filled_print(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_filled_session_for_user(request.user, pk)
    return _form3_page(request, session, filled=True)


def _xlsx(session: AppraisalSession, *, filled: bool) -> HttpResponse:
    data = form3_workbook(
        session, selectors.evaluees(session), selectors.counts(session), filled=filled
    )
    half = "上半年" if session.half == 1 else "下半年"
    name = f"{TITLE}-{session.branch.name}-{session.year}年{half}"
    name += "-评议结果" if filled else ""
    return xlsx_response(data, f"{name}.xlsx")


@login_required
def form3_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _xlsx(get_session_for_user(request.user, pk), filled=False)


@login_required
def form3_filled_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_filled_session_for_user(request.user, pk)
    return _xlsx(session, filled=True)


@login_required
def review_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """What the meeting reviews alongside the vote: each member's points so far this year."""
    session = get_session_for_user(request.user, pk)
    return render(
        request,
        "appraisals/review.html",
        {"session": session, "rows": selectors.review_rows(session)},
    )
