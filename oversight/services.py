"""Writes of oversight: the dashboard's setting, spot checks and their findings, exemplary
cases and model units. Each checks the current state, raises a DomainError with a
message the user can act on, and writes an audit row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import DomainError
from declarations.models import DeclarationLine, EvidenceFile
from notifications.models import Notification
from notifications.services import notify
from organizations.models import Department, Organization, Role, RoleAssignment
from summaries.years import EARLIEST, LATEST

from . import sampling
from .models import (
    CaseStatus,
    ExemplaryCase,
    Finding,
    ModelUnit,
    OversightPolicy,
    SpotCheck,
    SpotCheckItem,
    UnitKind,
)
from .permissions import branches_of

MAX_SAMPLE = 200
NOTE_LIMIT = 1000
RESPONSE_LIMIT = 2000
REASON_LIMIT = 500
TITLE_LIMIT = 100
TEXT_LIMIT = 2000
CITATION_LIMIT = 2000
CONSENT_NOTE_LIMIT = 200


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _text(value: Any, *, limit: int, required: str = "") -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(required)
    if len(text) > limit:
        raise DomainError(
            _("Keep it within %(limit)d characters (now %(n)d).") % {"limit": limit, "n": len(text)}
        )
    return text


def _check_year(year: Any) -> int:
    if not isinstance(year, int) or not EARLIEST <= year <= LATEST:
        raise DomainError(
            _("Choose a year between %(a)d and %(b)d.") % {"a": EARLIEST, "b": LATEST}
        )
    return year


# The dashboard's setting --------------------------------------------------------------


@transaction.atomic
def oversight_policy_set(
    *, committee: Organization, overdue_days: int, actor: Any = None
) -> OversightPolicy:
    """The committee sets after how many days a waiting review counts as overdue."""
    if not isinstance(overdue_days, int) or not 1 <= overdue_days <= 60:
        raise DomainError(_("Choose between 1 and 60 days."))
    policy, _created = OversightPolicy.objects.select_for_update().get_or_create(
        committee=committee
    )
    before = {"overdue_days": policy.overdue_days}
    policy.overdue_days = overdue_days
    policy.updated_by = _user(actor)
    policy.save()
    audit_record(
        action="oversight.policy.set",
        actor=actor,
        obj=policy,
        organization=committee,
        before=before,
        after={"overdue_days": overdue_days},
    )
    return policy


# Spot checks --------------------------------------------------------------------------


def _secretaries(branch: Organization) -> list[Any]:
    """The branch's secretaries; a branch without one: its general branch's."""
    for org_id in (branch.pk, branch.parent_id):
        if org_id is None:
            continue
        users = [
            a.user
            for a in RoleAssignment.objects.filter(
                organization_id=org_id, role=Role.SECRETARY
            ).select_related("user")
        ]
        if users:
            return users
    return []


def _tell_secretaries(item: SpotCheckItem, title: str, key: str) -> None:
    url = reverse("oversight:response", kwargs={"pk": item.pk})
    for user in _secretaries(item.branch):
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
    year = _check_year(year)
    months = sorted(set(months))
    if any(not isinstance(m, int) or not 1 <= m <= 12 for m in months):
        raise DomainError(_("Months are 1 to 12."))
    if not isinstance(size, int) or not 1 <= size <= MAX_SAMPLE:
        raise DomainError(_("Draw between 1 and %(max)d entries.") % {"max": MAX_SAMPLE})
    if seed is None:
        seed = sampling.new_seed()
    if not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise DomainError(_("The seed is a whole number of at most 18 digits."))
    note = _text(note, limit=200)
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
        drawn_by=_user(actor),
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
        SpotCheckItem.objects.select_for_update()
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
    note = _text(
        note,
        limit=NOTE_LIMIT,
        required=_("Describe the problem for the branch.") if finding == Finding.PROBLEM else "",
    )
    before = item.status
    item.status, item.note = finding, note
    item.checked_by, item.checked_at = _user(actor), timezone.now()
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
    response = _text(response, limit=RESPONSE_LIMIT, required=_("Write the branch's response."))
    before = item.status
    item.status, item.response = Finding.RESPONDED, response
    item.responded_by, item.responded_at = _user(actor), timezone.now()
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
    note = _text(note, limit=NOTE_LIMIT)
    before = item.status
    item.status, item.closing_note = Finding.CLOSED, note
    item.closed_by, item.closed_at = _user(actor), timezone.now()
    item.save(update_fields=["status", "closing_note", "closed_by", "closed_at"])
    _audit_item("closed", item, actor, before, note=note)
    _tell_secretaries(
        item, _("The party committee has closed a spot-check finding of your branch."), "closed"
    )
    return item


# Exemplary cases ----------------------------------------------------------------------


RECOGNISED_OUTCOMES = (DeclarationLine.Outcome.RECOGNISED, DeclarationLine.Outcome.PARTLY)


def _case_snapshot(case: ExemplaryCase) -> dict[str, Any]:
    return {"status": case.status, "consent": case.consent, "title": case.title}


def _check_line(line: DeclarationLine) -> None:
    if line.outcome not in RECOGNISED_OUTCOMES or line.entry_id is None:
        raise DomainError(_("Only a recognised contribution can be featured."))
    entry = line.entry
    if getattr(entry, "reversed_by", None) is not None:
        raise DomainError(_("The points of this contribution have been reversed."))


def _photos(line: DeclarationLine, photo_ids: Iterable[int]) -> list[EvidenceFile]:
    wanted = {int(pk) for pk in photo_ids}
    if not wanted:
        return []
    photos = [
        f
        for f in EvidenceFile.objects.filter(declaration_id=line.declaration_id, pk__in=wanted)
        if f.is_image
    ]
    if len(photos) != len(wanted):
        raise DomainError(_("Choose photos among the declaration's own evidence."))
    return photos


@transaction.atomic
def case_create(
    *,
    committee: Organization,
    line: DeclarationLine,
    title: str,
    text: str,
    photo_ids: Iterable[int] = (),
    consent: bool = False,
    consent_note: str = "",
    actor: Any = None,
) -> ExemplaryCase:
    """A branch or the committee features a recognised contribution as an exemplary case
    (典型案例): its text and chosen photos; the member's consent is recorded with it."""
    line = (
        DeclarationLine.objects.select_related("declaration", "entry", "declaration__member")
        .select_for_update(of=("self",))
        .get(pk=line.pk)
    )
    _check_line(line)
    declaration = line.declaration
    if declaration.branch.committee().pk != committee.pk:
        raise DomainError(_("The contribution is not of a branch under this committee."))
    title = _text(title, limit=TITLE_LIMIT, required=_("Give the case a title."))
    text = _text(text, limit=TEXT_LIMIT, required=_("Describe the contribution."))
    consent_note = _text(consent_note, limit=CONSENT_NOTE_LIMIT)
    photos = _photos(line, photo_ids)
    now = timezone.now()
    try:
        with transaction.atomic():
            case = ExemplaryCase.objects.create(
                committee=committee,
                branch=declaration.branch,
                member=declaration.member,
                line=line,
                title=title,
                text=text,
                consent=bool(consent),
                consent_note=consent_note if consent else "",
                consent_recorded_by=_user(actor) if consent else None,
                consent_recorded_at=now if consent else None,
                created_by=_user(actor),
            )
    except IntegrityError:
        raise DomainError(_("This contribution is already featured as a case.")) from None
    case.photos.set(photos)
    audit_record(
        action="oversight.case.created",
        actor=actor,
        obj=case,
        organization=case.branch_id,
        after={**_case_snapshot(case), "line": line.pk, "photos": [p.pk for p in photos]},
    )
    return case


def _locked_case(case: ExemplaryCase) -> ExemplaryCase:
    return ExemplaryCase.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def case_record_consent(*, case: ExemplaryCase, note: str = "", actor: Any = None) -> ExemplaryCase:
    """Record that the member agrees to their contribution being publicised."""
    case = _locked_case(case)
    if case.status == CaseStatus.WITHDRAWN:
        raise DomainError(_("This case has been withdrawn."))
    if case.consent:
        raise DomainError(_("The member's consent is already recorded."))
    before = _case_snapshot(case)
    case.consent, case.consent_note = True, _text(note, limit=CONSENT_NOTE_LIMIT)
    case.consent_recorded_by, case.consent_recorded_at = _user(actor), timezone.now()
    case.save(
        update_fields=["consent", "consent_note", "consent_recorded_by", "consent_recorded_at"]
    )
    audit_record(
        action="oversight.case.consent_recorded",
        actor=actor,
        obj=case,
        organization=case.branch_id,
        before=before,
        after={**_case_snapshot(case), "note": case.consent_note},
    )
    return case


@transaction.atomic
def case_publish(*, case: ExemplaryCase, actor: Any = None) -> ExemplaryCase:
    """Publish the case on the cases page; only with the member's consent."""
    case = _locked_case(case)
    if case.status != CaseStatus.DRAFT:
        raise DomainError(_("Only a draft case can be published."))
    if not case.consent:
        raise DomainError(_("Record the member's consent before publishing the case."))
    line = DeclarationLine.objects.select_related("entry").get(pk=case.line_id)
    _check_line(line)
    before = _case_snapshot(case)
    case.status = CaseStatus.PUBLISHED
    case.published_by, case.published_at = _user(actor), timezone.now()
    case.save(update_fields=["status", "published_by", "published_at"])
    audit_record(
        action="oversight.case.published",
        actor=actor,
        obj=case,
        organization=case.branch_id,
        before=before,
        after=_case_snapshot(case),
    )
    return case


@transaction.atomic
def case_withdraw(*, case: ExemplaryCase, reason: str, actor: Any = None) -> ExemplaryCase:
    """Take a case off the cases page (or drop a draft), with a reason."""
    case = _locked_case(case)
    if case.status == CaseStatus.WITHDRAWN:
        raise DomainError(_("This case has already been withdrawn."))
    reason = _text(reason, limit=REASON_LIMIT, required=_("Give a reason for withdrawing."))
    before = _case_snapshot(case)
    case.status, case.withdraw_reason = CaseStatus.WITHDRAWN, reason
    case.withdrawn_by, case.withdrawn_at = _user(actor), timezone.now()
    case.save(update_fields=["status", "withdraw_reason", "withdrawn_by", "withdrawn_at"])
    audit_record(
        action="oversight.case.withdrawn",
        actor=actor,
        obj=case,
        organization=case.branch_id,
        before=before,
        after={**_case_snapshot(case), "reason": reason},
    )
    return case


# Model departments and branches -------------------------------------------------------


@transaction.atomic
def model_unit_create(
    *,
    committee: Organization,
    year: int,
    kind: str,
    citation: str,
    title: str = "",
    department: Department | None = None,
    branch: Organization | None = None,
    actor: Any = None,
) -> ModelUnit:
    """The committee names a model department (模范科室) or branch, with a citation."""
    year = _check_year(year)
    if kind == UnitKind.DEPARTMENT:
        if department is None:
            raise DomainError(_("Choose the department."))
        branch = None
    elif kind == UnitKind.BRANCH:
        if branch is None:
            raise DomainError(_("Choose the branch."))
        if branch.pk not in {b.pk for b in branches_of(committee)}:
            raise DomainError(_("Choose branches of this party committee."))
        department = None
    else:
        raise DomainError(_("Choose a model department or a model branch."))
    default_title = "模范科室" if kind == UnitKind.DEPARTMENT else "模范党支部"
    title = _text(title, limit=50) or default_title
    citation = _text(citation, limit=CITATION_LIMIT, required=_("Write the citation."))
    duplicate = ModelUnit.objects.filter(
        committee=committee,
        year=year,
        kind=kind,
        department=department,
        branch=branch,
        title=title,
        is_withdrawn=False,
    ).exists()
    if duplicate:
        raise DomainError(_("This unit already holds this title for the year."))
    unit = ModelUnit.objects.create(
        committee=committee,
        year=year,
        kind=kind,
        department=department,
        branch=branch,
        title=title,
        citation=citation,
        created_by=_user(actor),
    )
    audit_record(
        action="oversight.model_unit.created",
        actor=actor,
        obj=unit,
        organization=committee,
        after={"year": year, "kind": kind, "unit": unit.unit_name, "title": title},
    )
    return unit


@transaction.atomic
def model_unit_withdraw(*, unit: ModelUnit, reason: str, actor: Any = None) -> ModelUnit:
    """Withdraw a model unit's title from the cases page, with a reason."""
    unit = ModelUnit.objects.select_for_update().get(pk=unit.pk)
    if unit.is_withdrawn:
        raise DomainError(_("This title has already been withdrawn."))
    reason = _text(reason, limit=REASON_LIMIT, required=_("Give a reason for withdrawing."))
    unit.is_withdrawn, unit.withdraw_reason = True, reason
    unit.withdrawn_by, unit.withdrawn_at = _user(actor), timezone.now()
    unit.save(update_fields=["is_withdrawn", "withdraw_reason", "withdrawn_by", "withdrawn_at"])
    audit_record(
        action="oversight.model_unit.withdrawn",
        actor=actor,
        obj=unit,
        organization=unit.committee_id,
        before={"is_withdrawn": False},
        after={"is_withdrawn": True, "reason": reason},
    )
    return unit
