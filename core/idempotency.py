"""At most once per idempotency key: a retried submission never writes twice.

A client (a form's hidden `idempotency_key`, or an `Idempotency-Key` header) names each
submission with a fresh token. For a signed-in user's POST carrying one, the middleware
runs the view inside one transaction that first inserts the key's record, so the record
and the view's writes are committed together or not at all:

- the view answers with a redirect (post/redirect/get: the answer of every form that
  wrote something): the record keeps the redirect's target, and a retry with the same
  key is answered with that redirect again, writing nothing;
- the view answers with an error (status >= 400) or raises: everything rolls back, no
  record; a retry runs the view again;
- any other answer (a form shown again with its errors): the view's writes stand but no
  record is kept, since nothing was accepted that a retry could repeat (a page shown
  again carries a new key anyway).

Two requests with the same key at once: the second one's insert waits on the unique
(user, key) constraint (SQLite: on the write lock its IMMEDIATE transaction takes) until
the first commits, then answers as a retry. A key used before for another path is
refused with 422.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .error_pages import error_page

FIELD = "idempotency_key"
HEADER = "HTTP_IDEMPOTENCY_KEY"
REPLAY_HEADER = "Idempotent-Replay"
KEY_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{7,63}")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class IdempotencyRecord(models.Model):
    """One accepted submission: whose, under which key, and what it answered."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(gettext_lazy("idempotency key"), max_length=64)
    method = models.CharField(gettext_lazy("method"), max_length=8)
    path = models.CharField(gettext_lazy("path"), max_length=500)
    status = models.PositiveSmallIntegerField(gettext_lazy("status"), default=0)
    location = models.CharField(gettext_lazy("redirect to"), max_length=1000, blank=True)
    created = models.DateTimeField(gettext_lazy("created"), default=timezone.now, db_index=True)

    class Meta:
        app_label = "core"
        verbose_name = gettext_lazy("idempotency record")
        verbose_name_plural = gettext_lazy("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_user_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class _KeyTaken(Exception):
    """The (user, key) record exists: committed by an earlier or concurrent request."""


def key_of(request: HttpRequest) -> str | None:
    """The submission's key as sent (header first), or None when it carries none."""
    key = request.META.get(HEADER)
    if key is None and request.method == "POST":
        key = request.POST.get(FIELD)
    return None if key is None else key.strip()


def records_purge(*, days: int) -> int:
    """Forget keys older than `days` days; a retry comes within minutes, not days."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted, _by_model = IdempotencyRecord.objects.filter(created__lt=cutoff).delete()
    return deleted


class IdempotencyMiddleware:
    """Runs a keyed submission's view at most once per (user, key); see the module."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., HttpResponse], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        # Last in MIDDLEWARE, so the other middleware (CSRF first) has passed the request.
        if request.method not in UNSAFE_METHODS:
            return None
        # A view that keeps the key itself (the REST API's, which answer without redirects).
        if getattr(getattr(view, "cls", view), "handles_idempotency_key", False):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        key = key_of(request)
        if key is None:
            return None
        if not KEY_RE.fullmatch(key):
            return error_page(
                request,
                status=400,
                heading=_("The form could not be accepted"),
                message=_(
                    "The submission's idempotency key is not valid; reload the page and try again."
                ),
            )
        try:
            return self._run_once(request, user, key, view, args, kwargs)
        except _KeyTaken:
            # The insert failed on this very row, committed by an earlier or the other
            # request: answer as that one did.
            return self._replay(request, IdempotencyRecord.objects.get(user=user, key=key))

    def _run_once(
        self,
        request: HttpRequest,
        user: Any,
        key: str,
        view: Callable[..., HttpResponse],
        args: Any,
        kwargs: Any,
    ) -> HttpResponse:
        inserted = False
        try:
            with transaction.atomic():
                # The transaction's first statement: an IntegrityError before `inserted` is
                # the key's own, so neither a look-up first nor a savepoint is needed.
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, method=request.method or "", path=request.path[:500]
                )
                inserted = True
                response = view(request, *args, **kwargs)
                status = response.status_code
                if status >= 400:
                    transaction.set_rollback(True)
                elif 300 <= status < 400 and response.has_header("Location"):
                    record.status = status
                    record.location = response["Location"][:1000]
                    record.save(update_fields=["status", "location"])
                else:
                    record.delete()
        except IntegrityError:
            if inserted:
                raise
            raise _KeyTaken from None
        return response

    def _replay(self, request: HttpRequest, record: IdempotencyRecord) -> HttpResponse:
        if record.path != request.path[:500] or record.method != request.method:
            return error_page(
                request,
                status=422,
                heading=_("The form could not be accepted"),
                message=_(
                    "This idempotency key was already used for another submission; "
                    "nothing was done. Reload the page and try again."
                ),
            )
        messages.info(
            request,
            _("This form had already been submitted; nothing was done again."),
            fail_silently=True,
        )
        response = HttpResponseRedirect(record.location or request.path)
        response.status_code = record.status or 302
        response[REPLAY_HEADER] = "true"
        return response
