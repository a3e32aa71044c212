"""Denied requests go to the audit log: who asked for which page and was refused.

A 403, a 404 or a 429 (the sign-in lockout) on a path that is one of the project's
pages is recorded as ``access.denied``: a signed-in user's each time, an anonymous
client's counted per address (the 1st, 10th, 100th … in an hour; see
``audit.services.audit_record_counted``). Paths that resolve to no page (probes for
favicons, scanners) and static files are not: they say nothing about anyone's
rights and would drown the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .services import audit_record, audit_record_counted, audit_refusals_flush

logger = logging.getLogger(__name__)

DENIED_STATUSES = frozenset({403, 404, 429})

# The voter's pages take no login and carry the voting code in the path. The
# appraisal records its own refusals without the code (appraisals.services);
# a row here would tie a code, and so a ballot, to an address and a time.
EXCLUDED_VIEWS = frozenset({"appraisals:ballot", "appraisals:vote_start", "appraisals:vote_done"})


def _skipped_prefixes() -> tuple[str, ...]:
    return tuple(p for p in (settings.STATIC_URL, settings.MEDIA_URL) if p and p.startswith("/"))


class AccessDeniedAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        try:
            audit_refusals_flush(request)
        except Exception:  # the answer must reach the user even if the log fails
            logger.exception("could not audit the refusals of a request to %s", request.path)
        if response.status_code in DENIED_STATUSES:
            try:
                self._record(request, response.status_code)
            except Exception:  # the refusal must reach the user even if the log fails
                logger.exception("could not audit a denied request to %s", request.path)
        return response

    def _record(self, request: HttpRequest, status: int) -> None:
        match = getattr(request, "resolver_match", None)
        if match is None or match.view_name in EXCLUDED_VIEWS:
            return
        if request.path.startswith(_skipped_prefixes()):
            return
        user = getattr(request, "user", None)
        after = {
            "status": status,
            "method": request.method,
            "path": request.path[:500],
            "view": match.view_name,
        }
        if user is not None and user.is_authenticated:
            audit_record(
                action="access.denied", actor=user, object_repr=request.path[:200], after=after
            )
        else:
            # Anyone may try public links by the thousand: counted per address (audit.services).
            audit_record_counted(
                action="access.denied",
                client=request.META.get("REMOTE_ADDR", "") or "unknown",
                object_repr=request.path[:200],
                after=after,
            )
