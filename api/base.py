"""What every API view shares: who may ask, how often, and one audit row per token use;
and at most once per `Idempotency-Key` for the writes that create something."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.idempotency import KEY_RE, REPLAY_HEADER, IdempotencyRecord

from .models import ApiToken
from .problems import CONTENT_TYPE, problem
from .services import token_used

logger = logging.getLogger(__name__)
HEADER = "HTTP_IDEMPOTENCY_KEY"


class ApiView(APIView):
    # core.idempotency leaves the key to the view (see `idempotent`).
    handles_idempotency_key = True

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        token = getattr(request, "auth", None)
        if isinstance(token, ApiToken):
            try:
                token_used(
                    token=token,
                    method=request.method or "",
                    path=request.path,
                    status=response.status_code,
                )
            except Exception:  # the answer must reach the caller even if the log fails
                logger.exception("could not audit a use of API token %s", token.pk)
        return response


def idempotent(
    request: Request,
    run: Callable[[], tuple[Any, Response]],
    location: Callable[[Any], str],
    replay: Callable[[str], Response],
) -> Response:
    """Create at most once per (user, Idempotency-Key): `run` does the work in the same
    transaction as the key's record and returns (object, response); a retry with the key is
    answered by `replay(location)` for the object first made, writing nothing. Without the
    header, `run` simply runs."""
    key = request.META.get(HEADER)
    if key is None:
        with transaction.atomic():
            return run()[1]
    key = key.strip()
    if not KEY_RE.fullmatch(key):
        raise ValidationError({"Idempotency-Key": [_("The idempotency key is not valid.")]})
    user = request.user
    known = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if known is None:
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            user=user, key=key, method=request.method or "", path=request.path[:500]
                        )
                except IntegrityError:
                    raise _Taken from None
                obj, response = run()
                record.status = response.status_code
                record.location = location(obj)[:1000]
                record.save(update_fields=["status", "location"])
                return response
        except _Taken:
            known = IdempotencyRecord.objects.get(user=user, key=key)
    if known.path != request.path[:500] or known.method != request.method:
        body = problem(
            422,
            "idempotency-key",
            _("The idempotency key was used before"),
            _("This idempotency key was already used for another request; nothing was done."),
        )
        return Response(body, status=422, content_type=CONTENT_TYPE)
    response = replay(known.location)
    response[REPLAY_HEADER] = "true"
    return response


class _Taken(Exception):
    pass
