"""Appending to the audit log. Every state change in the system calls `audit_record`.

Each row's hash covers all its columns and the previous row's hash, so altering,
inserting or removing a stored row breaks the chain from that row on; see
`audit_verify`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models, transaction
from django.utils import timezone

from core.middleware import current_request

from .models import AuditEvent

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_fields(event: AuditEvent) -> dict[str, Any]:
    """The columns the hash covers, in a form that survives a database round trip."""
    return {
        "id": event.pk,
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "organization_id": event.organization_id,
        "before": event.before,
        "after": event.after,
        "client_address": event.client_address,
        "prev_hash": event.prev_hash,
    }


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event_fields(event)).encode()).hexdigest()


def _lock_chain_head() -> tuple[int, str]:
    """Serialise appenders so that two rows never share a predecessor.

    Returns the last row's id and hash. Ids are assigned here (last + 1) while
    the lock is held, so the hash can cover the id and the chain has no gaps.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x4A4946454E])  # "JIFEN"
    # SQLite: transactions are IMMEDIATE, so the write lock is already ours.
    last = AuditEvent.objects.order_by("-pk").values_list("pk", "hash").first()
    return last if last else (0, GENESIS)


def audit_record(
    *,
    action: str,
    actor: Any = None,
    obj: models.Model | None = None,
    organization: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_repr: str = "",
) -> AuditEvent:
    """Append one row to the audit log, inside the caller's transaction."""
    request = current_request()
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    client = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    with transaction.atomic():
        last_id, prev = _lock_chain_head()
        event = AuditEvent(
            pk=last_id + 1,
            at=timezone.now(),
            actor=actor,
            actor_name=actor.get_username() if actor is not None else "",
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
            object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
            organization_id=getattr(organization, "pk", organization),
            before=_jsonable(before) if before is not None else None,
            after=_jsonable(after) if after is not None else None,
            client_address=client or "",
            prev_hash=prev,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


def audit_refusal(
    *,
    action: str,
    actor: Any = None,
    obj: models.Model | None = None,
    organization: Any = None,
    after: dict[str, Any] | None = None,
    object_repr: str = "",
) -> None:
    """Record that a rule refused a change.

    A refusal is usually raised inside a transaction that is then rolled back (the
    view's, an import's all-or-nothing), which would take a row written now with it.
    During a request the row is therefore kept on the request and written by
    `audit.middleware` once the view's transaction has ended; outside a request (a
    command, a test calling a service) it is written at once.
    """
    fields = {
        "action": action,
        "actor": actor,
        "obj": obj,
        "organization": organization,
        "after": after,
        "object_repr": object_repr,
    }
    request = current_request()
    if request is None:
        audit_record(**fields)
        return
    if not hasattr(request, "_jifen_refusals"):
        request._jifen_refusals = []  # type: ignore[attr-defined]
    # The object's repr and key are taken now: a row created in the rolled-back
    # transaction is gone by the time the middleware writes.
    if obj is not None:
        fields["object_repr"] = object_repr or str(obj)
        fields["after"] = {**(after or {}), "object": f"{obj._meta.label_lower}:{obj.pk}"}
        fields["obj"] = None
    request._jifen_refusals.append(fields)  # type: ignore[attr-defined]


def audit_refusals_flush(request: Any) -> None:
    """Write the refusals kept on the request (see `audit_refusal`)."""
    pending = getattr(request, "_jifen_refusals", None)
    if not pending:
        return
    request._jifen_refusals = []
    with transaction.atomic():
        for fields in pending:
            audit_record(**fields)


def _milestone(count: int) -> bool:
    """1, 10, 100, 1000, …"""
    return count > 0 and str(count).strip("0") == "1"


def audit_record_counted(
    *, action: str, client: str, after: dict[str, Any], object_repr: str = "", **fields: Any
) -> AuditEvent | None:
    """Count one `action` by an anonymous `client` (an address) and append a row for
    its 1st, 10th, 100th … within the window (AUDIT_COUNTED_WINDOW seconds, clock-aligned),
    saying how many so far. A miss on a public link, a refused voting code: anyone can
    send a thousand a minute, and a row each would bury the log (and fill the disk, since
    rows are never deleted). So a client's first miss in the hour is a row as before, and
    a flood of them a handful of rows that still give its size and its last target.
    The count lives in the shared cache; it returns the row written, if any."""
    window = int(getattr(settings, "AUDIT_COUNTED_WINDOW", 3600))
    start = int(time.time()) // window * window
    key = f"audit:counted:{action}:{client}:{start}"
    cache.add(key, 0, timeout=window + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 60)
        count = 1
    if not _milestone(count):
        return None
    return audit_record(
        action=action,
        object_repr=object_repr,
        after={
            **after,
            "count": count,
            "window_start": dt.datetime.fromtimestamp(start, dt.UTC),
            "window_seconds": window,
        },
        **fields,
    )


@dataclass(frozen=True)
class ChainBreak:
    """The first row that does not fit the chain, and which check it failed."""

    event_id: int
    reason: str  # "id", "prev_hash" or "hash"
    expected_id: int | None = None

    def describe(self) -> str:
        if self.reason == "id":
            return (
                f"row {self.event_id}: expected id {self.expected_id}; "
                "a row before it was removed or its id was changed"
            )
        if self.reason == "prev_hash":
            return (
                f"row {self.event_id}: its previous-row hash does not match the row before it; "
                "a row was removed, inserted or re-linked"
            )
        return (
            f"row {self.event_id}: its stored values do not match its hash; "
            "the row was altered after it was written"
        )


@dataclass(frozen=True)
class ChainReport:
    rows: int  # rows checked (up to and including the first bad one)
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def audit_chain_check(batch: int = 2000, up_to: int | None = None) -> ChainReport:
    """Walk the chain from the first row (to `up_to`, if given); count the rows and stop
    at the first bad one."""
    prev, expected_id, rows = GENESIS, 1, 0
    for event in _iter_events(batch):
        if up_to is not None and event.pk > up_to:
            break
        rows += 1
        if event.pk != expected_id:
            return ChainReport(rows, ChainBreak(event.pk, "id", expected_id))
        if event.prev_hash != prev:
            return ChainReport(rows, ChainBreak(event.pk, "prev_hash"))
        if compute_hash(event) != event.hash:
            return ChainReport(rows, ChainBreak(event.pk, "hash"))
        prev, expected_id = event.hash, event.pk + 1
    return ChainReport(rows, None)


def audit_verify(batch: int = 2000) -> ChainBreak | None:
    """Walk the chain from the first row; return the first row that does not match."""
    return audit_chain_check(batch).first_break


def _iter_events(batch: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = list(AuditEvent.objects.filter(pk__gt=last).order_by("pk")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].pk


# The published head ---------------------------------------------------------------
#
# The chain proves that no stored row was altered, but a rewrite of the whole log from
# some row on, or its truncation, builds a new chain that verifies. A head printed on
# paper (publicity notices, the summary table, backups, the lobby screen) pins the chain
# as it was: anyone holding the paper asks `audit_verify --head` whether that row is
# still in the chain with that hash.

HEAD_PREFIX = "JIFEN-AUDIT"
SHORT_HASH = 12


@dataclass(frozen=True)
class ChainHead:
    id: int
    hash: str

    @property
    def short(self) -> str:
        """What is printed to be read and typed: the row and the first 12 hex digits."""
        return f"{self.id}-{self.hash[:SHORT_HASH]}"

    @property
    def qr_text(self) -> str:
        """What the QR code holds: the row and the whole hash."""
        return f"{HEAD_PREFIX}:{self.id}:{self.hash}"


def chain_head() -> ChainHead | None:
    """The last row of the audit log, as it is printed."""
    last = AuditEvent.objects.order_by("-pk").values_list("pk", "hash").first()
    return ChainHead(*last) if last else None


_HEAD_FORMS = (
    re.compile(rf"^{HEAD_PREFIX}:(?P<id>\d+):(?P<hash>[0-9a-f]{{64}})$"),
    re.compile(r"^(?P<id>\d+)-(?P<hash>[0-9a-f]{6,64})$"),
    re.compile(r"^(?P<hash>[0-9a-f]{64})$"),
)


def parse_head(text: str) -> tuple[int | None, str]:
    """A printed head in any of its forms: “123-abcdef012345”, the QR code's text, or a
    whole hash. Raises ValueError for anything else."""
    text = (text or "").strip().lower().replace(HEAD_PREFIX.lower(), HEAD_PREFIX)
    for form in _HEAD_FORMS:
        match = form.match(text)
        if match:
            groups = match.groupdict()
            return (int(groups["id"]) if groups.get("id") else None), groups["hash"]
    raise ValueError(text)


@dataclass(frozen=True)
class HeadCheck:
    found: ChainHead | None  # the row the printed head names, if it is still there
    report: ChainReport  # the chain walked up to that row (or all of it)

    @property
    def holds(self) -> bool:
        return self.found is not None and self.report.intact


def head_check(text: str, batch: int = 2000) -> HeadCheck:
    """Whether a printed head is still in the chain: its row exists with that hash, and the
    chain from the first row up to it verifies."""
    row_id, digest = parse_head(text)
    rows = AuditEvent.objects.all()
    rows = rows.filter(pk=row_id) if row_id is not None else rows.filter(hash=digest)
    match = rows.values_list("pk", "hash").first()
    found = ChainHead(*match) if match and match[1].startswith(digest) else None
    if found is None:
        return HeadCheck(None, audit_chain_check(batch))
    return HeadCheck(found, audit_chain_check(batch, up_to=found.id))


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The model's concrete field values, for the before/after of an audit row."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: _jsonable(getattr(obj, name)) for name in names}
