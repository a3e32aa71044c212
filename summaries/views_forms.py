"""A branch's forms of the year in one place (plan 附件1–4): the points cards, the
democratic-appraisal forms, the summary table and the month's declarations, each with its
state and downloads, and one .zip holding the year's workbooks.

The downloads are the existing views' URLs; the .zip is built from the same export
functions those views call. A branch's officers and the committee see these pages;
anyone else gets 404.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from appraisals import selectors as appraisal_selectors
from appraisals.exports import TITLE as APPRAISAL_TITLE
from appraisals.exports import form3_workbook
from appraisals.models import AppraisalSession, Status
from core.downloads import name_download
from core.years import checked_year, current_year
from declarations.exports import TITLE as DECLARATION_TITLE
from declarations.models import WAITING, Declaration
from ledger.models import Entry
from organizations.models import Member, Organization
from organizations.permissions import (
    check_officer_anywhere,
    get_branch_for_user,
    visible_branches,
)

from .card import branch_cards
from .card_export import TITLE as CARD_TITLE
from .card_export import cards_workbook
from .summary_export import FORMATS, summary_xlsx
from .summary_table import TITLE as SUMMARY_TITLE
from .summary_table import summary_table
from .views import year_links

ZIP = "application/zip"


@dataclass(frozen=True)
class SessionRow:
    session: AppraisalSession
    evaluees: int

    @property
    def filled(self) -> bool:
        """The filled form exists once the session is closed (not open, not annulled)."""
        return self.session.status == Status.CLOSED and self.session.closed_at is not None


@dataclass(frozen=True)
class MonthRow:
    month: int
    declarations: int
    waiting: int
    queue_url: str


def _sessions(branch: Organization, year: int) -> list[SessionRow]:
    sessions = (
        AppraisalSession.objects.filter(branch=branch, year=year)
        .exclude(status=Status.ANNULLED)
        .select_related("branch")
        .annotate(evaluee_count=Count("evaluees"))
        .order_by("half", "pk")
    )
    return [SessionRow(s, s.evaluee_count) for s in sessions]  # type: ignore[attr-defined]


def _closed_sessions(branch: Organization, year: int) -> list[AppraisalSession]:
    return list(
        AppraisalSession.objects.filter(
            branch=branch, year=year, status=Status.CLOSED, closed_at__isnull=False
        )
        .select_related("branch")
        .order_by("half", "pk")
    )


def _card_count(branch: Organization, year: int) -> int:
    """How many cards the branch's workbook holds (as `branch_cards` chooses them)."""
    in_year = Entry.objects.filter(branch_id=branch.pk, year=year)
    return (
        Member.objects.filter(branch=branch)
        .filter(Q(is_active=True) | Q(pk__in=in_year.values("member_id")))
        .count()
    )


def _months(branch: Organization, year: int) -> list[MonthRow]:
    """The months of the year so far, with the branch's declarations (drafts aside)."""
    today = current_year()
    last = 12
    if year == today:
        last = timezone.localdate().month
    elif year > today:
        return []
    counts = {
        row["month"]: row
        for row in Declaration.objects.filter(branch=branch, year=year)
        .exclude(status=Declaration.Status.DRAFT)
        .values("month")
        .annotate(n=Count("id"), waiting=Count("id", filter=Q(status__in=WAITING)))
        .order_by()
    }
    queue = reverse("declarations:queue")
    rows = []
    for month in range(last, 0, -1):
        row: Mapping[str, Any] = counts.get(month, {})
        query = urlencode({"branch": branch.code, "month": f"{year}-{month:02d}", "status": "all"})
        rows.append(MonthRow(month, row.get("n", 0), row.get("waiting", 0), f"{queue}?{query}"))
    return rows


@login_required
@require_GET
def forms_home(request: HttpRequest) -> HttpResponse:
    """The menu's entry: the officer's branch this year, or a choice of their branches."""
    year = current_year()
    check_officer_anywhere(request.user)
    branches = list(visible_branches(request.user).order_by("order", "code"))
    if len(branches) == 1:
        return redirect("summaries:forms", code=branches[0].code, year=year)
    return render(request, "summaries/forms_choose.html", {"branches": branches, "year": year})


@login_required
@require_GET
def forms(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    table = summary_table(branch, year)
    sessions = _sessions(branch, year)
    return render(
        request,
        "summaries/forms.html",
        {
            "branch": branch,
            "year": year,
            "card_count": _card_count(branch, year),
            "sessions": sessions,
            "filled_count": sum(1 for row in sessions if row.filled),
            "table": table,
            "formats": FORMATS,
            "months": _months(branch, year),
            "year_links": year_links("summaries:forms", year, code=branch.code),
            "titles": {
                "form1": DECLARATION_TITLE,
                "form2": CARD_TITLE,
                "form3": APPRAISAL_TITLE,
                "form4": SUMMARY_TITLE,
            },
        },
    )


def forms_archive(branch: Organization, year: int) -> tuple[bytes, list[str]]:
    """The year's workbooks in one .zip: the cards (附件2), each closed session's filled
    appraisal form (附件3) and the summary table (附件4); returns the bytes and the names."""
    files: list[tuple[str, bytes]] = [
        (
            f"附件2-{CARD_TITLE}-{branch.name}-{year}.xlsx",
            cards_workbook(branch_cards(branch, year)),
        )
    ]
    for session in _closed_sessions(branch, year):
        content = form3_workbook(
            session,
            appraisal_selectors.evaluees(session),
            appraisal_selectors.counts(session),
            filled=True,
        )
        files.append(
            (f"附件3-{APPRAISAL_TITLE}-{branch.name}-{year}年第{session.half}半年.xlsx", content)
        )
    files.append(
        (
            f"附件4-{SUMMARY_TITLE}-{branch.name}-{year}.xlsx",
            summary_xlsx(summary_table(branch, year)),
        )
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            archive.writestr(name, content)
    return buffer.getvalue(), [name for name, _content in files]


@login_required
@require_GET
def forms_zip(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    content, _names = forms_archive(branch, year)
    filename = f"{branch.name}-{year}年-附件2至附件4.zip"
    return name_download(HttpResponse(content, content_type=ZIP), filename)
