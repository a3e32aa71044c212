"""典型案例 and 模范科室: featuring a recognised contribution (with the member's consent),
publishing and withdrawing it; naming model departments and branches. Each service
checks the current state, raises a DomainError the user can act on, and is audited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.actors import signed_in
from core.errors import DomainError
from core.locks import ROW_LOCK
from core.text import clean_text
from declarations.models import DeclarationLine, EvidenceFile
from organizations.models import Department, Organization

from .models import CaseStatus, ExemplaryCase, ModelUnit, UnitKind
from .permissions import branches_of
from .services import REASON_LIMIT, check_year

TITLE_LIMIT = 100
TEXT_LIMIT = 2000
CITATION_LIMIT = 2000
CONSENT_NOTE_LIMIT = 200


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
    title = clean_text(title, limit=TITLE_LIMIT, required=_("Give the case a title."))
    text = clean_text(text, limit=TEXT_LIMIT, required=_("Describe the contribution."))
    consent_note = clean_text(consent_note, limit=CONSENT_NOTE_LIMIT)
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
                consent_recorded_by=signed_in(actor) if consent else None,
                consent_recorded_at=now if consent else None,
                created_by=signed_in(actor),
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
    return ExemplaryCase.objects.select_for_update(**ROW_LOCK).get(pk=case.pk)


@transaction.atomic
def case_record_consent(*, case: ExemplaryCase, note: str = "", actor: Any = None) -> ExemplaryCase:
    """Record that the member agrees to their contribution being publicised."""
    case = _locked_case(case)
    if case.status == CaseStatus.WITHDRAWN:
        raise DomainError(_("This case has been withdrawn."))
    if case.consent:
        raise DomainError(_("The member's consent is already recorded."))
    before = _case_snapshot(case)
    case.consent, case.consent_note = True, clean_text(note, limit=CONSENT_NOTE_LIMIT)
    case.consent_recorded_by, case.consent_recorded_at = signed_in(actor), timezone.now()
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
    case.published_by, case.published_at = signed_in(actor), timezone.now()
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
    reason = clean_text(reason, limit=REASON_LIMIT, required=_("Give a reason for withdrawing."))
    before = _case_snapshot(case)
    case.status, case.withdraw_reason = CaseStatus.WITHDRAWN, reason
    case.withdrawn_by, case.withdrawn_at = signed_in(actor), timezone.now()
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
    year = check_year(year)
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
    title = clean_text(title, limit=50) or default_title
    citation = clean_text(citation, limit=CITATION_LIMIT, required=_("Write the citation."))
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
        created_by=signed_in(actor),
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
    unit = ModelUnit.objects.select_for_update(**ROW_LOCK).get(pk=unit.pk)
    if unit.is_withdrawn:
        raise DomainError(_("This title has already been withdrawn."))
    reason = clean_text(reason, limit=REASON_LIMIT, required=_("Give a reason for withdrawing."))
    unit.is_withdrawn, unit.withdraw_reason = True, reason
    unit.withdrawn_by, unit.withdrawn_at = signed_in(actor), timezone.now()
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
