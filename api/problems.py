"""Errors as RFC 9457 problem details (application/problem+json), in Chinese.

Every refusal the API gives goes through `exception_handler`: bad input (400), a rule of
the plan that refuses the change (400; the ledger gate's refusals name their rule), no
or a bad token (401), a permission denied (403), what the caller may not see (404, as
the pages answer), a change made meanwhile (409), too many requests (429). Nothing the
caller sends gives a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DomainError
from core.errors import PermissionDenied as DomainPermissionDenied
from declarations.recognition import CapsNeedConfirmation, DecisionInvalid
from declarations.services import StaleDeclaration
from ledger.gate import EntryRefused

CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "urn:jifen:problem:"


def problem(status: int, kind: str, title: str, detail: str = "", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": TYPE_BASE + kind, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return body


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def problem_for(exc: Exception) -> dict[str, Any] | None:
    """The problem document for an exception the API knows; None for any other."""
    return _plan_problem(exc) or _http_problem(exc)


def _plan_problem(exc: Exception) -> dict[str, Any] | None:
    """A rule of the plan refused the request (the services' own errors)."""
    if isinstance(exc, DecisionInvalid):
        errors = {str(pk): str(msg) for pk, msg in exc.errors.items()}
        return problem(
            400, "decision-invalid", _("The decision is not valid"), exc.message, errors=errors
        )
    if isinstance(exc, CapsNeedConfirmation):
        shortfalls = {
            str(pk): {"room": str(s.room), "asked": str(s.asked), "explanation": str(s.explanation)}
            for pk, s in exc.shortfalls.items()
        }
        return problem(
            409, "caps", _("The caps leave less than given"), exc.message, shortfalls=shortfalls
        )
    if isinstance(exc, StaleDeclaration):
        return problem(409, "stale", _("Changed meanwhile"), exc.message)
    if isinstance(exc, EntryRefused):
        return problem(400, "entry-refused", _("The entry is refused"), exc.message, rule=exc.rule)
    if isinstance(exc, DomainPermissionDenied):
        return problem(403, "forbidden", _("Not allowed"), exc.message)
    if isinstance(exc, DomainError):
        return problem(400, "refused", _("Refused by a rule of the plan"), exc.message)
    return None


def _http_problem(exc: Exception) -> dict[str, Any] | None:
    """The request itself: its shape, who sent it, what it asks for, how often."""
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            400,
            "invalid",
            _("The request is not valid"),
            _("Some fields are missing or not valid; see errors."),
            errors=_flatten(exc.detail),
        )
    if isinstance(exc, (Http404, exceptions.NotFound)):
        return problem(404, "not-found", _("Not found"), _("There is nothing here for you."))
    if isinstance(exc, (DjangoPermissionDenied, exceptions.PermissionDenied)):
        detail = str(exc.detail) if isinstance(exc, exceptions.APIException) else ""
        return problem(403, "forbidden", _("Not allowed"), detail or _("You may not do this."))
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        return problem(401, "unauthenticated", _("Not signed in"), str(exc.detail))
    if isinstance(exc, exceptions.Throttled):
        return problem(
            429,
            "throttled",
            _("Too many requests"),
            _("Too many requests with this token; try again in %(seconds)s seconds.")
            % {"seconds": int(exc.wait or 1)},
        )
    if isinstance(exc, exceptions.MethodNotAllowed):
        return problem(405, "method", _("Method not allowed"), str(exc.detail))
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return problem(415, "media-type", _("Unsupported media type"), str(exc.detail))
    if isinstance(exc, exceptions.ParseError):
        return problem(400, "parse", _("The request is not valid"), str(exc.detail))
    if isinstance(exc, exceptions.NotAcceptable):
        return problem(406, "not-acceptable", _("Not acceptable"), str(exc.detail))
    if isinstance(exc, exceptions.APIException):
        return problem(exc.status_code, "error", str(exc.detail))
    return None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    body = problem_for(exc)
    if body is None:
        return None  # a bug: Django's 500
    set_rollback()
    headers: dict[str, str] = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait))
    if body["status"] == 401:
        view = context.get("view")
        request = context.get("request")
        if view is not None and request is not None:
            challenge = view.get_authenticate_header(request)
            if challenge:
                headers["WWW-Authenticate"] = challenge
    return Response(body, status=body["status"], headers=headers, content_type=CONTENT_TYPE)


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any path under /api/v1/ that names no route."""
    body = problem(404, "not-found", _("Not found"), _("There is nothing here for you."))
    return JsonResponse(
        body, status=404, content_type=CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )
