"""The audit log for the party committee: who changed what, when, from where.

The pages live here, above organizations, because they filter and label rows by
organisation; the log itself (audit) sits below every app that writes to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit import display
from audit.changes import Change, compact_changes
from audit.models import AuditEvent
from audit.services import audit_chain_check, audit_record
from organizations.models import Organization
from organizations.permissions import check_committee

from .forms import AuditFilterForm

PAGE_SIZE = 50
SHOWN_CHANGES = 6


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    label: str  # the action in the reader's language
    object_type: str  # the object's kind in the reader's language
    organization: Organization | None
    changes: list[Change]
    more: int  # changes not shown in the compact view
    detail: list[Change]  # before and after in full, for the expandable view


@login_required
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, filtered; a constant number of queries per page."""
    check_committee(request.user)
    form = AuditFilterForm(request.GET or None)
    events: QuerySet[AuditEvent] = AuditEvent.objects.select_related("actor").order_by("-pk")
    if form.is_bound and form.is_valid():
        events = form.filter(events)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    org_ids = {e.organization_id for e in page.object_list if e.organization_id is not None}
    organizations = Organization.objects.in_bulk(org_ids) if org_ids else {}
    rows = []
    for event in page.object_list:
        changes = compact_changes(
            event.before, event.after, object_type=event.object_type, action=event.action
        )
        rows.append(
            EventRow(
                event=event,
                label=display.action_label(event.action),
                object_type=display.object_type_label(event.object_type),
                organization=organizations.get(event.organization_id),
                changes=changes[:SHOWN_CHANGES],
                more=max(0, len(changes) - SHOWN_CHANGES),
                detail=compact_changes(
                    event.before,
                    event.after,
                    object_type=event.object_type,
                    action=event.action,
                    full=True,
                ),
            )
        )
    return render(
        request,
        "audit/log.html",
        # Beijing time whatever the reader's device says (the log stores UTC).
        {"form": form, "page": page, "rows": rows, "time_zone": settings.TIME_ZONE},
    )


@login_required
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """Walk the hash chain and say whether the log is as it was written."""
    check_committee(request.user)
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
