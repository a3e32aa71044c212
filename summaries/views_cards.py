"""The points card on paper and in Excel, and importing a year of Excel cards.

A card prints or downloads for whoever may see it (the member, their branch's officers,
the committee); a whole branch's cards and the import are for the branch's officers and
the committee. For anyone else these pages do not exist (404).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.downloads import xlsx_response
from core.years import checked_year
from organizations.models import Organization
from organizations.permissions import get_branch_for_user, get_member_for_user

from .card import PointsCard, branch_cards, member_card
from .card_export import TITLE, cards_workbook
from .card_import import CardsImport, cards_import
from .forms import CardsImportForm

SIGNING_SALT = "summaries.cards_import"
TOKEN_MAX_AGE = 60 * 60
STASH_DIR = "card-imports"
_SHA = re.compile(r"^[0-9a-f]{64}$")


def _print(request: HttpRequest, cards: list[PointsCard], year: int, back: str) -> HttpResponse:
    return render(
        request,
        "summaries/card_print.html",
        {"cards": cards, "year": year, "back": back, "months": range(1, 13)},
    )


@login_required
@require_GET
def card_print(request: HttpRequest, member_pk: int, year: int) -> HttpResponse:
    year = checked_year(year)
    member = get_member_for_user(request.user, member_pk)
    back = reverse("summaries:card", kwargs={"member_pk": member.pk, "year": year})
    return _print(request, [member_card(member, year)], year, back)


@login_required
@require_GET
def card_xlsx(request: HttpRequest, member_pk: int, year: int) -> HttpResponse:
    year = checked_year(year)
    member = get_member_for_user(request.user, member_pk)
    content = cards_workbook([member_card(member, year)])
    return xlsx_response(content, f"{TITLE}-{member.name}-{year}.xlsx")


@login_required
@require_GET
def branch_cards_print(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    back = reverse("summaries:branch_table", kwargs={"code": branch.code, "year": year})
    return _print(request, branch_cards(branch, year), year, back)


@login_required
@require_GET
def branch_cards_xlsx(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    content = cards_workbook(branch_cards(branch, year))
    return xlsx_response(content, f"{TITLE}-{branch.name}-{year}.xlsx")


# Importing ---------------------------------------------------------------------
# The uploaded workbook waits in the file storage under its SHA-256 between preview and
# confirmation (shared by every application server); the signed token names it, and the
# confirmation reads and checks it all over again.


def _stash_name(sha256: str) -> str:
    if not _SHA.match(sha256):
        raise ValueError("not a SHA-256")
    return f"{STASH_DIR}/{sha256}.xlsx"


def _stash(data: bytes, sha256: str) -> None:
    _prune()
    name = _stash_name(sha256)
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(data))


def _unstash(sha256: str) -> bytes | None:
    name = _stash_name(sha256)
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def _discard(sha256: str) -> None:
    name = _stash_name(sha256)
    if default_storage.exists(name):
        default_storage.delete(name)


def _prune() -> None:
    """Forget uploads whose preview was never confirmed."""
    try:
        _dirs, files = default_storage.listdir(STASH_DIR)
    except (FileNotFoundError, NotImplementedError):
        return
    stale = timezone.now() - dt.timedelta(seconds=TOKEN_MAX_AGE * 2)
    for filename in files:
        name = f"{STASH_DIR}/{filename}"
        try:
            if default_storage.get_modified_time(name) < stale:
                default_storage.delete(name)
        except (OSError, NotImplementedError):
            continue


def _urls(branch: Organization, year: int) -> dict[str, str]:
    kwargs = {"code": branch.code, "year": year}
    return {
        "upload_url": reverse("summaries:cards_import", kwargs=kwargs),
        "confirm_url": reverse("summaries:cards_import_confirm", kwargs=kwargs),
        "table_url": reverse("summaries:branch_table", kwargs=kwargs),
    }


def _preview(request: HttpRequest, result: CardsImport, token: str = "") -> HttpResponse:
    rows = []
    for card, member in zip(
        result.cards, result.members or [None] * len(result.cards), strict=True
    ):
        member_result = result.result_for(card)
        rows.append(
            {
                "card": card,
                "new": card.name in result.new_names,
                "matched": member is not None,
                "totals": member_result.totals if member_result else card.totals,
                "rank": member_result.rank if member_result else None,
                "after_import": member_result is not None,
            }
        )
    return render(
        request,
        "summaries/import_preview.html",
        {
            "branch": result.branch,
            "year": result.year,
            "result": result,
            "rows": rows,
            "token": token,
            **_urls(result.branch, result.year),
        },
    )


@login_required
def cards_import_upload(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    posted = request.method == "POST"
    form = CardsImportForm(request.POST, request.FILES) if posted else CardsImportForm()
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        create = form.cleaned_data["create_members"]
        result = cards_import(
            branch=branch,
            year=year,
            workbook=data,
            create_members=create,
            actor=request.user,
            filename=upload.name,
            dry_run=True,
        )
        token = ""
        if result.ok:
            _stash(data, result.sha256)
            token = signing.dumps(
                {
                    "branch": branch.pk,
                    "year": year,
                    "user": request.user.pk,
                    "sha256": result.sha256,
                    "create": create,
                    "filename": upload.name[:200],
                },
                salt=SIGNING_SALT,
            )
        return _preview(request, result, token)
    return render(
        request,
        "summaries/import.html",
        {"branch": branch, "year": year, "form": form, **_urls(branch, year)},
    )


def _payload(request: HttpRequest, branch: Organization, year: int) -> dict[str, Any] | None:
    try:
        payload = signing.loads(
            request.POST.get("token", ""), salt=SIGNING_SALT, max_age=TOKEN_MAX_AGE
        )
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or (
        payload.get("branch"),
        payload.get("year"),
        payload.get("user"),
    ) != (branch.pk, year, request.user.pk):
        return None
    if not _SHA.match(str(payload.get("sha256", ""))):
        return None
    return payload


@login_required
@require_POST
def cards_import_confirm(request: HttpRequest, code: str, year: int) -> HttpResponse:
    year = checked_year(year)
    branch = get_branch_for_user(request.user, code)
    upload_url = _urls(branch, year)["upload_url"]
    payload = _payload(request, branch, year)
    data = _unstash(payload["sha256"]) if payload else None
    if payload is None or data is None or hashlib.sha256(data).hexdigest() != payload["sha256"]:
        messages.error(
            request, _("The preview has expired or is not valid; upload the workbook again.")
        )
        return redirect(upload_url)
    result = cards_import(
        branch=branch,
        year=year,
        workbook=data,
        create_members=bool(payload.get("create")),
        actor=request.user,
        filename=str(payload.get("filename", "")),
    )
    if not result.ok:
        return _preview(request, result)
    _discard(result.sha256)
    messages.success(
        request,
        _("Imported %(cards)d points cards into %(branch)s for %(year)d (%(new)d members added).")
        % {
            "cards": len(result.cards),
            "branch": branch.name,
            "year": year,
            "new": len(result.new_names),
        },
    )
    return redirect(_urls(branch, year)["table_url"])
