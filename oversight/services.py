"""Writes of oversight: the dashboard's setting, spot checks and their findings (the
exemplary cases and model units are in `cases.py`). Each checks the current state, raises
a DomainError with a message the user can act on, and writes an audit row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.actors import signed_in
from core.errors import DomainError
from core.locks import ROW_LOCK
from core.text import clean_text
from core.years import EARLIEST, LATEST
from notifications.models import Notification
from notifications.services import notify
from organizations.models import Organization
from organizations.recipients import branch_secretaries

from . import sampling
from .models import Finding, SpotCheck, SpotCheckItem
from .permissions import branches_of

MAX_SAMPLE = 200
NOTE_LIMIT = 1000
RESPONSE_LIMIT = 2000
REASON_LIMIT = 500


def check_year(year: Any) -> int:
    if not isinstance(year, int) or not EARLIEST <= year <= LATEST:
        raise DomainError(
            _("Choose a year between %(a)d and %(b)d.") % {"a": EARLIEST, "b": LATEST}
        )
    return year


# Spot checks --------------------------------------------------------------------------


def _tell_secretaries(item: SpotCheckItem, title: str, key: str) -> None:
    url = reverse("oversight:response", kwargs={"pk": item.pk})
    for user in branch_secretaries(item.branch):
        notify(
            user=user,
            kind=Notification.Kind.OTHER,
            title=title,
            url=url,
            dedupe_key=f"oversight:item:{item.pk}:{key}",
        )


@transaction.atomic
def spot_check_draw(
    *,
    committee: Organization,
    year: int,
    size: int,
    branches: Iterable[Organization] = (),
    months: Iterable[int] = (),
    seed: int | None = None,
    note: str = "",
    actor: Any = None,
) -> SpotCheck:
    """随机抽查: draw `size` recognised entries at random from the chosen branches and
    months; the seed is kept so that the same draw can be repeated and verified."""
    year = check_year(year)
    months = sorted(set(months))
    if any(not isinstance(m, int) or not 1 <= m <= 12 for m in months):
        raise DomainError(_("Months are 1 to 12."))
    if not isinstance(size, int) or not 1 <= size <= MAX_SAMPLE:
        raise DomainError(_("Draw between 1 and %(max)d entries.") % {"max": MAX_SAMPLE})
    if seed is None:
        seed = sampling.new_seed()
    if not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise DomainError(_("The seed is a whole number of at most 18 digits."))
    note = clean_text(note, limit=200)
    allowed = {b.pk: b for b in branches_of(committee)}
    chosen = list(branches)
    if any(b.pk not in allowed for b in chosen):
        raise DomainError(_("Choose branches of this party committee."))
    branch_ids = sorted({b.pk for b in chosen} or set(allowed))
    ids = list(
        sampling.candidates(year=year, branch_ids=branch_ids, months=months).values_list(
            "pk", flat=True
        )
    )
    if size > len(ids):
        raise DomainError(
            _(
                "The sample (%(size)d) is larger than the recognised entries to draw from "
                "(%(population)d). Draw fewer, or widen the branches or months."
            )
            % {"size": size, "population": len(ids)}
        )
    drawn = sampling.draw(ids, size=size, seed=seed)
    check = SpotCheck.objects.create(
        committee=committee,
        year=year,
        months=months,
        size=size,
        seed=seed,
        population=len(ids),
        note=note,
        drawn_by=signed_in(actor),
    )
    check.branches.set(chosen)
    branch_of = dict(
        sampling.candidates(year=year, branch_ids=branch_ids, months=months)
        .filter(pk__in=drawn)
        .values_list("pk", "branch_id")
    )
    SpotCheckItem.objects.bulk_create(
        SpotCheckItem(spot_check=check, entry_id=pk, branch_id=branch_of[pk], order=n)
        for n, pk in enumerate(drawn, start=1)
    )
    audit_record(
        action="oversight.spot_check.drawn",
        actor=actor,
        obj=check,
        organization=committee,
        after={
            "year": year,
            "months": months,
            "branches": [b.pk for b in chosen],
            "size": size,
            "seed": seed,
            "population": len(ids),
            "entries": drawn,
        },
    )
    return check


def _locked(item: SpotCheckItem) -> SpotCheckItem:
    return (
        SpotCheckItem.objects.select_for_update(**ROW_LOCK)
        .select_related("spot_check", "branch")
        .get(pk=item.pk)
    )


def _audit_item(action: str, item: SpotCheckItem, actor: Any, before: str, **after: Any) -> None:
    audit_record(
        action=f"oversight.spot_check_item.{action}",
        actor=actor,
        obj=item,
        organization=item.branch_id,
        before={"status": before},
        after={"status": item.status, **after},
    )


@transaction.atomic
def spot_check_item_record(
    *, item: SpotCheckItem, finding: str, note: str = "", actor: Any = None
) -> SpotCheckItem:
    """The committee records what it found: the entry is confirmed, or it has a problem
    (with a note), which asks the branch for a response."""
    item = _locked(item)
    if item.status != Finding.PENDING:
        raise DomainError(_("A finding is already recorded for this entry."))
    if finding not in (Finding.CONFIRMED, Finding.PROBLEM):
        raise DomainError(_("Choose confirmed or problem."))
    note = clean_text(
        note,
        limit=NOTE_LIMIT,
        required=_("Describe the problem for the branch.") if finding == Finding.PROBLEM else "",
    )
    before = item.status
    item.status, item.note = finding, note
    item.checked_by, item.checked_at = signed_in(actor), timezone.now()
    item.save(update_fields=["status", "note", "checked_by", "checked_at"])
    _audit_item("recorded", item, actor, before, note=note)
    if finding == Finding.PROBLEM:
        _tell_secretaries(
            item,
            _("The party committee's spot check found a problem; please respond: %(note)s")
            % {"note": note},
            "problem",
        )
    return item


@transaction.atomic
def spot_check_item_respond(
    *, item: SpotCheckItem, response: str, actor: Any = None
) -> SpotCheckItem:
    """The branch's secretary answers the problem the committee found."""
    item = _locked(item)
    if item.status != Finding.PROBLEM:
        if item.status == Finding.RESPONDED:
            raise DomainError(_("The branch has already responded; the committee will close it."))
        raise DomainError(_("Only a problem the committee found awaits a response."))
    response = clean_text(
        response, limit=RESPONSE_LIMIT, required=_("Write the branch's response.")
    )
    before = item.status
    item.status, item.response = Finding.RESPONDED, response
    item.responded_by, item.responded_at = signed_in(actor), timezone.now()
    item.save(update_fields=["status", "response", "responded_by", "responded_at"])
    _audit_item("responded", item, actor, before, response=response)
    notify(
        user=item.spot_check.drawn_by,
        kind=Notification.Kind.OTHER,
        title=_("%(branch)s has responded to a spot-check finding.") % {"branch": item.branch},
        url=reverse("oversight:check_detail", kwargs={"pk": item.spot_check_id}),
        dedupe_key=f"oversight:item:{item.pk}:responded",
    )
    return item


@transaction.atomic
def spot_check_item_close(
    *, item: SpotCheckItem, note: str = "", actor: Any = None
) -> SpotCheckItem:
    """The committee closes a problem once the branch has responded."""
    item = _locked(item)
    if item.status == Finding.PROBLEM:
        raise DomainError(_("The branch has not responded yet."))
    if item.status == Finding.CLOSED:
        raise DomainError(_("This problem is already closed."))
    if item.status != Finding.RESPONDED:
        raise DomainError(_("Only a problem the branch has responded to is closed."))
    note = clean_text(note, limit=NOTE_LIMIT)
    before = item.status
    item.status, item.closing_note = Finding.CLOSED, note
    item.closed_by, item.closed_at = signed_in(actor), timezone.now()
    item.save(update_fields=["status", "closing_note", "closed_by", "closed_at"])
    _audit_item("closed", item, actor, before, note=note)
    _tell_secretaries(
        item, _("The party committee has closed a spot-check finding of your branch."), "closed"
    )
    return item
