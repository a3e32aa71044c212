"""申报: a member drafts, submits, withdraws and resubmits a month's declaration.

Every change goes through a conditional UPDATE on (status, version), so a member's
action and a reviewer's decision on the same declaration never both succeed.
The group's side (认定) is in `recognition.py`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from contributions.models import Platform
from contributions.selectors import platforms_for_declaring
from core.actors import signed_in
from core.errors import DomainError
from core.periods import Month
from ledger.services import period_is_closed
from notifications.models import Notification
from notifications.services import notify, notify_many
from organizations.models import Member, Organization, Role, RoleAssignment
from organizations.permissions import scope_for
from rules.models import Item, Scheme, Section
from rules.services import scheme_for_year

from . import deadlines
from .evidence import MAX_FILES, CheckedFile, storage_name
from .models import Declaration, DeclarationLine, EvidenceFile

Status = Declaration.Status
MAX_LINES = 30
HEADER_FIELDS = ("name", "birth_month", "unit_and_position", "phone")


class StaleDeclaration(DomainError):
    """Someone else changed the declaration since the page was shown."""


def stale() -> StaleDeclaration:
    return StaleDeclaration(
        _(
            "This declaration has just been changed by someone else (for example, another "
            "reviewer has decided it). Nothing was saved; its current state is shown."
        )
    )


def advance(
    declaration: Declaration, *, version: int, allowed: Iterable[str], **changes: Any
) -> dict[str, Any]:
    """Move the declaration on if it is still at `version` in one of the `allowed` states.

    The conditional UPDATE is what makes two simultaneous decisions safe on SQLite and
    PostgreSQL alike: the second one matches no row. Returns the audit `before`.
    """
    before = {"status": declaration.status, "version": version}
    changes["updated_at"] = timezone.now()
    updated = Declaration.objects.filter(
        pk=declaration.pk, version=version, status__in=list(allowed)
    ).update(version=F("version") + 1, **changes)
    if updated != 1:
        raise stale()
    declaration.version = version + 1
    for field, value in changes.items():
        setattr(declaration, field, value)
    return before


@contextmanager
def restored_on_failure(declaration: Declaration) -> Iterator[None]:
    """Put the instance back as it was when the change fails and its transaction rolls back,
    so a page shown again offers the version that is really stored."""
    saved = {f.attname: getattr(declaration, f.attname) for f in declaration._meta.concrete_fields}
    try:
        yield
    except BaseException:
        for name, value in saved.items():
            setattr(declaration, name, value)
        raise


def _audit(action: str, declaration: Declaration, actor: Any, before: dict, **after: Any) -> None:
    audit_record(
        action=f"declarations.declaration.{action}",
        actor=actor,
        obj=declaration,
        organization=declaration.branch_id,
        before=before,
        after={"status": declaration.status, "version": declaration.version, **after},
    )


def month_label(declaration: Declaration) -> str:
    return str(Month(declaration.year, declaration.month))


def profile_header(member: Member) -> dict[str, str]:
    """Attachment 1's heading as the member's profile fills it."""
    unit = member.department.name if member.department is not None else member.branch.name
    return {
        "name": member.name,
        "birth_month": member.birth_month.strftime("%Y.%m") if member.birth_month else "",
        "unit_and_position": f"{unit} {member.position}".strip(),
        "phone": member.phone,
    }


def _check_month(member: Member, month: Month) -> None:
    if deadlines.is_future(month):
        raise DomainError(_("A month still to come cannot be declared."))
    if period_is_closed(branch_id=member.branch_id, year=month.year, month=month.month):
        raise DomainError(
            _("%(month)s is in a closed period; it can no longer be declared.") % {"month": month}
        )


def _past_deadline(branch_id: int, month: Month) -> bool:
    return deadlines.is_past_deadline(month, deadlines.deadline_day_of(branch_id))


def _deadline_error(branch_id: int, month: Month) -> DomainError:
    closed_on = deadlines.deadline(month, deadlines.deadline_day_of(branch_id))
    return DomainError(
        _(
            "Declarations for %(month)s closed on %(date)s. Ask the branch's recorder to "
            "open a late declaration for you."
        )
        % {"month": month, "date": closed_on.isoformat()}
    )


def _new_declaration(member: Member, month: Month, **extra: Any) -> Declaration:
    try:
        with transaction.atomic():
            return Declaration.objects.create(
                member=member,
                branch_id=member.branch_id,
                year=month.year,
                month=month.month,
                **profile_header(member),
                **extra,
            )
    except IntegrityError:
        raise DomainError(
            _("A declaration for %(month)s already exists.") % {"month": month}
        ) from None


@transaction.atomic
def declaration_create(*, member: Member, month: Month, actor: Any) -> Declaration:
    """Plan §1.3 step 1: a member starts the month's declaration, before the deadline."""
    if member.user_id is None or member.user_id != getattr(actor, "pk", None):
        raise DomainError(_("Only the member can declare their own work."))
    if not member.is_active:
        raise DomainError(_("This member no longer belongs to the branch."))
    _check_month(member, month)
    if _past_deadline(member.branch_id, month):
        raise _deadline_error(member.branch_id, month)
    declaration = _new_declaration(member, month)
    _audit("created", declaration, actor, {}, year=month.year, month=month.month)
    return declaration


@transaction.atomic
def declaration_open_late(*, member: Member, month: Month, reason: str, actor: Any) -> Declaration:
    """After the deadline only the recorder (or the secretary) opens a declaration, saying why."""
    if not scope_for(actor).has_role(member.branch_id, Role.RECORDER, Role.SECRETARY):
        raise DomainError(_("Only the branch's recorder or secretary can open a late declaration."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the late declaration."))
    _check_month(member, month)
    late = {
        "late_opened_by": actor,
        "late_opened_at": timezone.now(),
        "late_reason": reason[:500],
    }
    existing = Declaration.objects.filter(member=member, year=month.year, month=month.month).first()
    if existing is None:
        declaration = _new_declaration(member, month, **late)
        before: dict[str, Any] = {}
    elif existing.status == Status.DRAFT:
        declaration = existing
        before = advance(declaration, version=existing.version, allowed=[Status.DRAFT], **late)
    else:
        raise DomainError(
            _("%(name)s's declaration for %(month)s is already %(status)s.")
            % {"name": member.name, "month": month, "status": existing.get_status_display()}
        )
    _audit("late_opened", declaration, actor, before, late_reason=reason)
    if member.user_id:
        notify(
            user=member.user,
            kind=Notification.Kind.DECLARATIONS_OPEN,
            title=_("A late declaration for %(month)s has been opened for you.") % {"month": month},
            url=reverse("declarations:edit", kwargs={"pk": declaration.pk}),
            dedupe_key=f"declaration:{declaration.pk}:late:{declaration.version}",
        )
    return declaration


@dataclass(frozen=True)
class LineInput:
    """One “what I did” line as the member typed it; pk None for a new line."""

    pk: int | None
    description: str
    suggested_item: Item | None = None
    files: tuple[CheckedFile, ...] = ()
    platform: Platform | None = None


def scheme_of(declaration: Declaration) -> Scheme:
    """The scheme of the declaration's branch and year, read once per instance.

    A plain read when the scheme exists (always, once the year has begun): only its very
    first use copies it from the template, in the write transaction of scheme_for_year,
    so that showing a page never queues behind SQLite's writers."""
    cached = getattr(declaration, "_scheme", None)
    if cached is None:
        cached = Scheme.objects.filter(
            organization_id=declaration.branch_id, year=declaration.year, is_template=False
        ).first() or scheme_for_year(branch=declaration.branch, year=declaration.year)
        declaration._scheme = cached  # type: ignore[attr-defined]
    return cached


def declarable_items(declaration: Declaration) -> Any:
    """Items a member may suggest: declarable, not retired, of the branch's scheme that year."""
    return (
        scheme_of(declaration)
        .items.filter(section=Section.DEDICATION, declarable=True, is_retired=False)
        .order_by("order", "pk")
    )


def declarable_item_list(declaration: Declaration) -> list[Item]:
    """declarable_items, kept on the instance until its next save: the edit page offers
    them and that save checks against the same list (one query per request, not two)."""
    cached = getattr(declaration, "_declarable_items", None)
    if cached is None:
        # One query through the scheme (one per branch and year); none found means the
        # scheme may not exist yet: scheme_of then reads or makes it.
        cached = list(
            Item.objects.filter(
                scheme__organization_id=declaration.branch_id,
                scheme__year=declaration.year,
                scheme__is_template=False,
                section=Section.DEDICATION,
                declarable=True,
                is_retired=False,
            ).order_by("order", "pk")
        ) or list(declarable_items(declaration))
        declaration._declarable_items = cached  # type: ignore[attr-defined]
    return cached


def declarable_platforms(declaration: Declaration) -> list[Platform]:
    """The platforms of the member's department a line of the declaration may name (做贡献:
    open, of the year, running in the month), kept on the instance like the items."""
    cached = getattr(declaration, "_declarable_platforms", None)
    if cached is None:
        cached = platforms_for_declaring(
            declaration.member.department_id, declaration.year, declaration.month
        )
        declaration._declarable_platforms = cached  # type: ignore[attr-defined]
    return cached


def _store(
    declaration: Declaration,
    checked: CheckedFile,
    line: DeclarationLine | None,
    actor: Any,
    stored: list[str],
) -> EvidenceFile:
    name = default_storage.save(storage_name(checked), checked.upload)
    stored.append(name)
    return EvidenceFile.objects.create(
        declaration=declaration,
        line=line,
        file=name,
        original_name=checked.name,
        kind=checked.kind,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=signed_in(actor),
    )


def _discard(names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)


def declaration_update(
    *,
    declaration: Declaration,
    version: int,
    header: dict[str, str],
    lines: list[LineInput],
    files: Iterable[CheckedFile] = (),
    remove_evidence: Iterable[int] = (),
    actor: Any,
) -> Declaration:
    """Save the member's draft: the heading, the lines and new evidence, all or nothing.

    Files are written before the transaction commits; if it fails they are removed again,
    so a refused save leaves neither rows nor files behind.
    """
    stored: list[str] = []
    try:
        with restored_on_failure(declaration), transaction.atomic():
            _update(
                declaration,
                version,
                header,
                lines,
                list(files),
                set(remove_evidence),
                actor,
                stored,
            )
    except BaseException:
        _discard(stored)
        raise
    finally:
        # read for this request's page and save only: the next save reads them again
        declaration.__dict__.pop("_declarable_items", None)
        declaration.__dict__.pop("_declarable_platforms", None)
    return declaration


def _checked_lines(declaration: Declaration, given: list[LineInput]) -> list[LineInput]:
    """The lines worth keeping (blank ones dropped), each within the rules of a declaration."""
    lines = [line for line in given if line.description.strip() or line.files]
    if len(lines) > MAX_LINES:
        raise DomainError(_("A declaration holds at most %(max)d lines.") % {"max": MAX_LINES})
    if any(not line.description.strip() for line in lines):
        raise DomainError(_("Describe what you did on every line that has files."))
    allowed = {item.pk for item in declarable_item_list(declaration)}
    if any(line.suggested_item and line.suggested_item.pk not in allowed for line in lines):
        raise DomainError(_("Choose an item of your branch's scheme that members may declare."))
    platforms = {platform.pk for platform in declarable_platforms(declaration)}
    named = [line for line in lines if line.platform and line.platform.pk not in platforms]
    if named:
        # A line keeps the platform it already names, should that platform close meanwhile.
        stored = dict(
            DeclarationLine.objects.filter(declaration=declaration).values_list("pk", "platform_id")
        )
        if any(
            line.pk is None or stored.get(line.pk) != line.platform.pk
            for line in named
            if line.platform
        ):
            raise DomainError(
                _("Choose a platform of your department that runs in %(month)s.")
                % {"month": month_label(declaration)}
            )
    return lines


def _save_lines(
    declaration: Declaration, lines: list[LineInput], actor: Any, stored: list[str]
) -> tuple[list[DeclarationLine], list[int]]:
    """Write the lines in their order with their files; delete the lines left out."""
    existing = {line.pk: line for line in declaration.lines.all()}
    kept: list[DeclarationLine] = []
    for order, given in enumerate(lines):
        row = existing.get(given.pk) if given.pk is not None else None
        if given.pk is not None and row is None:
            raise stale()
        if row is None:
            row = DeclarationLine(declaration=declaration)
        row.order = order
        row.description = given.description.strip()[:2000]
        row.suggested_item = given.suggested_item
        row.platform = given.platform
        row.save()
        kept.append(row)
        for checked in given.files:
            _store(declaration, checked, row, actor, stored)
    gone = [pk for pk in existing if pk not in {row.pk for row in kept}]
    if gone:
        DeclarationLine.objects.filter(pk__in=gone).delete()
    return kept, gone


def _update(
    declaration: Declaration,
    version: int,
    header: dict[str, str],
    lines: list[LineInput],
    files: list[CheckedFile],
    remove: set[int],
    actor: Any,
    stored: list[str],
) -> None:
    if declaration.member.user_id != getattr(actor, "pk", None):
        raise DomainError(_("Only the member can change their own declaration."))
    if not declaration.is_editable:
        raise DomainError(
            _("A declaration that is %(status)s can no longer be changed.")
            % {"status": declaration.get_status_display()}
        )
    if period_is_closed(
        branch_id=declaration.branch_id, year=declaration.year, month=declaration.month
    ):
        raise DomainError(
            _("%(month)s is in a closed period; the declaration can no longer be changed.")
            % {"month": month_label(declaration)}
        )
    lines = _checked_lines(declaration, lines)
    values = {f: (header.get(f) or "").strip()[:200] for f in HEADER_FIELDS}
    if not values["name"]:
        raise DomainError(_("Give your name."))
    removing = EvidenceFile.objects.filter(declaration=declaration, pk__in=remove)
    removed = list(removing.values_list("file", flat=True)) if remove else []
    # The files `with_details` read in this request, if it did: only this function adds or
    # removes files, and it moves the version on, so advance() below refuses a stale list.
    loaded = getattr(declaration, "evidence_list", None)
    if loaded is None:
        count = EvidenceFile.objects.filter(declaration=declaration).count()
    else:
        count = len(loaded)
    count += len(files) + sum(len(line.files) for line in lines) - len(removed)
    if count > MAX_FILES:
        raise DomainError(_("A declaration holds at most %(max)d files.") % {"max": MAX_FILES})
    before = advance(
        declaration, version=version, allowed=[Status.DRAFT, Status.RETURNED], **values
    )
    if removed:
        removing.delete()
    kept, gone = _save_lines(declaration, lines, actor, stored)
    for checked in files:
        _store(declaration, checked, None, actor, stored)
    transaction.on_commit(lambda: _discard(removed))
    declaration.__dict__.pop("evidence_list", None)  # no longer the stored files
    _audit(
        "updated",
        declaration,
        actor,
        before,
        lines=len(kept),
        removed_lines=gone,
        removed_evidence=sorted(remove),
        added_evidence=[c.sha256 for c in files] + [c.sha256 for ln in lines for c in ln.files],
    )


def group_users(branch: Organization) -> list[Any]:
    """Who reviews the branch's declarations: its group members, recorder and secretary
    (also those of the general branch above it)."""
    org_ids = [branch.pk] + ([branch.parent_id] if branch.parent_id else [])
    assignments = (
        RoleAssignment.objects.current()
        .filter(
            organization_id__in=org_ids,
            role__in=[Role.GROUP_LEADER, Role.GROUP_MEMBER, Role.RECORDER, Role.SECRETARY],
        )
        .select_related("user", "organization")
    )
    users = {}
    for a in assignments:
        if (
            a.organization_id == branch.pk
            or a.organization.kind == Organization.Kind.GENERAL_BRANCH
        ):
            users[a.user_id] = a.user
    return list(users.values())


@transaction.atomic
def declaration_submit(*, declaration: Declaration, version: int, actor: Any) -> Declaration:
    """Hand the declaration to the assessment group; before the deadline unless opened late
    or returned for more information."""
    if declaration.member.user_id != getattr(actor, "pk", None):
        raise DomainError(_("Only the member can submit their own declaration."))
    if declaration.is_waiting:
        raise DomainError(_("This declaration has already been submitted."))
    if not declaration.is_editable:
        raise DomainError(
            _("A declaration that is %(status)s cannot be submitted again.")
            % {"status": declaration.get_status_display()}
        )
    month = Month(declaration.year, declaration.month)
    _check_month(declaration.member, month)
    if (
        declaration.status == Status.DRAFT
        and declaration.late_opened_at is None
        and _past_deadline(declaration.branch_id, month)
    ):
        raise _deadline_error(declaration.branch_id, month)
    if not declaration.lines.exists():
        raise DomainError(_("Describe at least one thing you did before submitting."))
    resubmitted = declaration.status == Status.RETURNED
    before = advance(
        declaration,
        version=version,
        allowed=[Status.DRAFT, Status.RETURNED],
        status=Status.SUBMITTED,
        submissions=declaration.submissions + 1,
        submitted_at=timezone.now(),
    )
    _audit("resubmitted" if resubmitted else "submitted", declaration, actor, before)
    url = reverse("declarations:review", kwargs={"pk": declaration.pk})
    title = _("%(name)s's declaration for %(month)s is waiting for review.") % {
        "name": declaration.name,
        "month": month_label(declaration),
    }
    notify_many(
        users=[u for u in group_users(declaration.branch) if u.pk != declaration.member.user_id],
        kind=Notification.Kind.REVIEW_WAITING,
        title=title,
        url=url,
        dedupe_key=f"declaration:{declaration.pk}:submitted:{declaration.submissions}",
    )
    return declaration


@transaction.atomic
def declaration_withdraw(*, declaration: Declaration, version: int, actor: Any) -> Declaration:
    """Take a submitted declaration back to draft, as long as nobody has taken up its review."""
    if declaration.member.user_id != getattr(actor, "pk", None):
        raise DomainError(_("Only the member can withdraw their own declaration."))
    if declaration.status != Status.SUBMITTED:
        raise DomainError(_("Only a submitted declaration not yet under review can be withdrawn."))
    month = Month(declaration.year, declaration.month)
    if declaration.late_opened_at is None and _past_deadline(declaration.branch_id, month):
        # A draft cannot be submitted after the deadline: withdrawing now would strand it.
        raise DomainError(
            _("The deadline for %(month)s has passed; the declaration can no longer be withdrawn.")
            % {"month": month}
        )
    before = advance(declaration, version=version, allowed=[Status.SUBMITTED], status=Status.DRAFT)
    _audit("withdrawn", declaration, actor, before)
    return declaration
