"""The audit log for the party committee: who changed what, when, from where."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from organizations.models import Organization
from organizations.permissions import scope_for

from .forms import AuditFilterForm
from .models import AuditEvent
from .services import audit_chain_check, audit_record

PAGE_SIZE = 50
SHOWN_CHANGES = 6
VALUE_WIDTH = 40


@dataclass(frozen=True)
class Change:
    key: str
    before: str | None  # None: the key is not in `before`
    after: str | None  # None: the key is not in `after`


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    organization: Organization | None
    changes: list[Change]
    more: int  # changes not shown in the compact view
    detail: str  # before and after in full, for the expandable view


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def compact_changes(before: Any, after: Any) -> list[Change]:
    """What changed, key by key: only differing keys when there is a before and an after."""
    before = before if isinstance(before, dict) else ({} if before is None else {"": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"": after})
    changes = []
    one_sided = not before or not after
    for key in list(dict.fromkeys([*before, *after])):
        if key in before and key in after and before[key] == after[key]:
            continue
        value = after.get(key, before.get(key))
        if one_sided and (key == "id" or value in (None, "", [], {})):
            continue  # a snapshot of a new or deleted object: its filled fields say enough
        changes.append(
            Change(
                key=key,
                before=_short(before[key]) if key in before else None,
                after=_short(after[key]) if key in after else None,
            )
        )
    return changes


def _detail(event: AuditEvent) -> str:
    parts = {}
    if event.before is not None:
        parts["before"] = event.before
    if event.after is not None:
        parts["after"] = event.after
    return json.dumps(parts, ensure_ascii=False, indent=1, sort_keys=True) if parts else ""


def _committee_only(request: HttpRequest) -> None:
    if not scope_for(request.user).is_committee:
        raise Http404


@login_required
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, filtered; a constant number of queries per page."""
    _committee_only(request)
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.order_by("-pk")
    if form.is_bound and form.is_valid():
        events = form.filter(events)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    org_ids = {e.organization_id for e in page.object_list if e.organization_id is not None}
    organizations = Organization.objects.in_bulk(org_ids) if org_ids else {}
    rows = []
    for event in page.object_list:
        changes = compact_changes(event.before, event.after)
        rows.append(
            EventRow(
                event=event,
                organization=organizations.get(event.organization_id),
                changes=changes[:SHOWN_CHANGES],
                more=max(0, len(changes) - SHOWN_CHANGES),
                detail=_detail(event),
            )
        )
    return render(request, "audit/log.html", {"form": form, "page": page, "rows": rows})


@login_required
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """Walk the hash chain and say whether the log is as it was written."""
    _committee_only(request)
    report = audit_chain_check()
    brk = report.first_break
    audit_record(
        action="audit.chain_verified",
        actor=request.user,
        after={"rows": report.rows, "intact": report.intact, "first_bad": brk and brk.event_id},
    )
    if brk is None:
        messages.success(
            request, _("The audit chain is intact: %(rows)d rows checked.") % {"rows": report.rows}
        )
    else:
        reasons = {
            "id": _("a row before it is missing or its number was changed"),
            "prev_hash": _("its link to the row before it does not match"),
            "hash": _("its stored values were altered after it was written"),
        }
        messages.error(
            request,
            _("The audit chain is broken at row %(id)d: %(reason)s.")
            % {"id": brk.event_id, "reason": reasons.get(brk.reason, brk.reason)},
        )
    return redirect("audit:log")
