"""Writes for who takes part: exemptions (apply, branch decides, committee files) and the
department's decision on retirees. Each outcome is written to organizations.Participation."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from core.actors import signed_in
from core.errors import DomainError
from core.locks import ROW_LOCK
from core.text import clean_text
from organizations.models import Department, Member, Organization, Participation
from organizations.recipients import committee_admins, tell_member, tell_users

from .attachments import check_attachment
from .models import (
    OPEN_STATUSES,
    DepartmentHead,
    Exemption,
    ExemptionStatus,
    Ground,
    RetireeDecision,
    RetireeFiling,
)

REASON_LIMIT = 1000
COMMENT_LIMIT = 500
NOTE_LIMIT = 200


def _check_year(year: int) -> None:
    this_year = timezone.localdate().year
    if year not in (this_year, this_year + 1):
        raise DomainError(_("Participation is decided for this year or the next."))


# The outcome ------------------------------------------------------------------------


def _sync_participation(member: Member, year: int, actor: Any) -> Participation | None:
    """Write the year's outcome: a filed exemption wins; otherwise the department's decision
    on a retiree. Rows made elsewhere (an import) are left alone when neither exists."""
    filed = (
        Exemption.objects.filter(member=member, year=year, status=ExemptionStatus.FILED)
        .order_by("-committee_decided_at", "-pk")
        .first()
    )
    decision = RetireeDecision.objects.filter(member=member, year=year).first()
    if filed is not None:
        takes_part = False
        reason = _("%(ground)s: %(reason)s") % {
            "ground": filed.get_ground_display(),
            "reason": filed.reason,
        }
    elif decision is not None:
        takes_part = decision.takes_part
        reason = (
            ""
            if takes_part
            else _("Retired; the department decided: %(note)s") % {"note": decision.note}
        )
    else:
        return None
    reason = reason[:200]
    row = (
        Participation.objects.select_for_update(**ROW_LOCK).filter(member=member, year=year).first()
    )
    before = snapshot(row, ["takes_part", "reason"]) if row is not None else None
    if row is None:
        row = Participation.objects.create(
            member=member, year=year, takes_part=takes_part, reason=reason
        )
    elif (row.takes_part, row.reason) != (takes_part, reason):
        row.takes_part, row.reason = takes_part, reason
        row.save(update_fields=["takes_part", "reason"])
    else:
        return row
    audit_record(
        action="organizations.participation.set",
        actor=actor,
        obj=row,
        organization=member.branch_id,
        before=before,
        after=snapshot(row, ["takes_part", "reason"]),
    )
    return row


# Exemptions -------------------------------------------------------------------------


@transaction.atomic
def exemption_apply(
    *,
    member: Member,
    year: int,
    ground: Any,
    reason: Any,
    attachment: Any = None,
    actor: Any = None,
) -> Exemption:
    """A member applies not to take part in the year (health, a special post, other)."""
    member = Member.objects.select_for_update(**ROW_LOCK).get(pk=member.pk)
    if actor is None or member.user_id is None or member.user_id != getattr(actor, "pk", None):
        raise DomainError(_("A member applies for an exemption only for themself."))
    if not member.is_active:
        raise DomainError(_("The member has left the branch."))
    _check_year(year)
    if ground not in Ground.values:
        raise DomainError(_("Choose the ground of the application."))
    reason = clean_text(
        reason, limit=REASON_LIMIT, required=_("Give the reason for the application.")
    )
    name = check_attachment(attachment) if attachment else ""
    existing = (
        Exemption.objects.filter(
            member=member, year=year, status__in=[*OPEN_STATUSES, ExemptionStatus.FILED]
        )
        .order_by("-pk")
        .first()
    )
    if existing is not None:
        if existing.status == ExemptionStatus.FILED:
            raise DomainError(_("Your exemption for %(year)d is already filed.") % {"year": year})
        raise DomainError(
            _("You already have an application for %(year)d in progress.") % {"year": year}
        )
    exemption = Exemption(
        member=member,
        branch_id=member.branch_id,
        year=year,
        ground=ground,
        reason=reason,
        attachment_name=name,
        applied_by=signed_in(actor),
    )
    if attachment:
        exemption.attachment.save(name, attachment, save=False)
    try:
        with transaction.atomic():
            exemption.save()
    except IntegrityError:
        if exemption.attachment:
            exemption.attachment.delete(save=False)
        raise DomainError(
            _("You already have an application for %(year)d in progress.") % {"year": year}
        ) from None
    audit_record(
        action="participation.exemption.applied",
        actor=actor,
        obj=exemption,
        organization=member.branch_id,
        after=snapshot(exemption, ["year", "ground", "reason", "attachment_name", "status"]),
    )
    return exemption


def _locked(exemption: Exemption) -> Exemption:
    return (
        Exemption.objects.select_for_update(**ROW_LOCK)
        .select_related("member")
        .get(pk=exemption.pk)
    )


def _check_status(exemption: Exemption, expected: str) -> None:
    if exemption.status != expected:
        raise DomainError(
            _("The application is “%(status)s”; it cannot be decided at this step.")
            % {"status": exemption.get_status_display()}
        )


def _check_not_own(exemption: Exemption, actor: Any) -> None:
    if actor is not None and exemption.member.user_id == getattr(actor, "pk", None):
        raise DomainError(_("Nobody decides on their own application."))


def _record(exemption: Exemption, action: str, before: str, actor: Any, comment: str) -> None:
    audit_record(
        action=f"participation.exemption.{action}",
        actor=actor,
        obj=exemption,
        organization=exemption.branch_id,
        before={"status": before},
        after={"status": exemption.status, "comment": comment},
    )


def _tell_member(exemption: Exemption, title: str) -> None:
    tell_member(
        exemption.member,
        title=title,
        url=reverse("participation:mine"),
        key=f"exemption:{exemption.pk}:{exemption.status}",
    )


def _decide(
    exemption: Exemption,
    *,
    level: str,
    before: str,
    after: str,
    comment: Any,
    actor: Any,
    required: str = "",
) -> Exemption:
    """Record the branch's or the committee's decision on an application at `before`;
    `required` is the message when a reason must be given and is missing."""
    exemption = _locked(exemption)
    _check_status(exemption, before)
    _check_not_own(exemption, actor)
    comment = clean_text(comment, limit=COMMENT_LIMIT, required=required)
    exemption.status = after
    setattr(exemption, f"{level}_comment", comment)
    setattr(exemption, f"{level}_decided_at", timezone.now())
    setattr(exemption, f"{level}_decided_by", signed_in(actor))
    exemption.save(
        update_fields=[
            "status",
            f"{level}_comment",
            f"{level}_decided_at",
            f"{level}_decided_by",
        ]
    )
    _record(exemption, str(after), before, actor, comment)
    return exemption


@transaction.atomic
def exemption_approve(*, exemption: Exemption, comment: Any = "", actor: Any = None) -> Exemption:
    """The branch approves (经所在党支部批准); the committee still has to file it."""
    exemption = _decide(
        exemption,
        level="branch",
        before=ExemptionStatus.SUBMITTED,
        after=ExemptionStatus.APPROVED,
        comment=comment,
        actor=actor,
    )
    _tell_member(
        exemption,
        _("The branch has approved your exemption for %(year)d; it awaits filing.")
        % {"year": exemption.year},
    )
    tell_users(
        committee_admins(exemption.branch),
        title=_("%(name)s's exemption for %(year)d, approved by the branch, waits for filing.")
        % {"name": exemption.member.name, "year": exemption.year},
        url=reverse("participation:committee"),
        key=f"exemption:{exemption.pk}:to_file",
    )
    return exemption


@transaction.atomic
def exemption_refuse(*, exemption: Exemption, comment: Any, actor: Any = None) -> Exemption:
    """The branch refuses the application, with its reason; the member keeps taking part."""
    exemption = _decide(
        exemption,
        level="branch",
        before=ExemptionStatus.SUBMITTED,
        after=ExemptionStatus.REFUSED,
        comment=comment,
        required=_("Say why the application is refused."),
        actor=actor,
    )
    _tell_member(
        exemption,
        _("The branch has refused your exemption for %(year)d.") % {"year": exemption.year},
    )
    return exemption


@transaction.atomic
def exemption_file(*, exemption: Exemption, comment: Any = "", actor: Any = None) -> Exemption:
    """The committee files the approved exemption (报机关党委备案): from now on the member
    does not take part in the year, has no total and no rank."""
    exemption = _decide(
        exemption,
        level="committee",
        before=ExemptionStatus.APPROVED,
        after=ExemptionStatus.FILED,
        comment=comment,
        actor=actor,
    )
    _sync_participation(exemption.member, exemption.year, actor)
    _tell_member(
        exemption,
        _("The committee has filed your exemption for %(year)d.") % {"year": exemption.year},
    )
    return exemption


@transaction.atomic
def exemption_return(*, exemption: Exemption, comment: Any, actor: Any = None) -> Exemption:
    """The committee returns the approved application; the member keeps taking part."""
    exemption = _decide(
        exemption,
        level="committee",
        before=ExemptionStatus.APPROVED,
        after=ExemptionStatus.RETURNED,
        comment=comment,
        required=_("Say why the application is returned."),
        actor=actor,
    )
    _tell_member(
        exemption,
        _("The committee has returned your exemption for %(year)d.") % {"year": exemption.year},
    )
    return exemption


# Retired members --------------------------------------------------------------------


def heads_department(user: Any, department_id: int | None) -> bool:
    return bool(
        department_id is not None
        and getattr(user, "pk", None)
        and DepartmentHead.objects.filter(user=user, department_id=department_id).exists()
    )


@transaction.atomic
def retiree_decide(
    *, member: Member, year: int, takes_part: bool, note: Any = "", actor: Any = None
) -> RetireeDecision:
    """The department decides whether a retired member takes part in the year
    (离退休人员中的党员是否参与……由各科室根据工作实际自行决定)."""
    member = Member.objects.select_for_update(**ROW_LOCK).get(pk=member.pk)
    if not member.is_retired:
        raise DomainError(_("Only a retired member's participation is decided by the department."))
    if not member.is_active:
        raise DomainError(_("The member has left the branch."))
    if not heads_department(actor, member.department_id):
        raise DomainError(_("Only the head of the member's department decides this."))
    if member.user_id is not None and member.user_id == getattr(actor, "pk", None):
        raise DomainError(_("Nobody decides on their own participation."))
    _check_year(year)
    note = clean_text(note, limit=NOTE_LIMIT)
    if not takes_part and not note:
        raise DomainError(_("Give the reason the member does not take part."))
    decision = (
        RetireeDecision.objects.select_for_update(**ROW_LOCK)
        .filter(member=member, year=year)
        .first()
    )
    fields = ["takes_part", "note", "filing"]
    before = snapshot(decision, fields) if decision is not None else None
    if decision is None:
        decision = RetireeDecision(member=member, year=year)
    unchanged = before is not None and (decision.takes_part, decision.note) == (
        bool(takes_part),
        note,
    )
    decision.takes_part = bool(takes_part)
    decision.note = note
    decision.decided_by = signed_in(actor)
    if decision.takes_part:
        _clear_filing(decision, RetireeFiling.NONE)
    elif not unchanged:  # a new or changed decision not to take part is filed afresh
        _clear_filing(decision, RetireeFiling.AWAITING)
    decision.save()
    audit_record(
        action="participation.retiree.decided",
        actor=actor,
        obj=decision,
        organization=member.branch_id,
        before=before,
        after=snapshot(decision, fields),
    )
    _sync_participation(member, year, actor)
    if decision.filing == RetireeFiling.AWAITING and not unchanged:
        tell_users(
            committee_admins(member.branch),
            title=_(
                "%(department)s decided that the retired member %(name)s does not take part "
                "in %(year)d; the decision waits for filing."
            )
            % {"department": member.department, "name": member.name, "year": year},
            url=f"{reverse('participation:committee')}?year={year}#retirees",
            key=f"retiree:{decision.pk}:to_file:{timezone.now().timestamp()}",
        )
    return decision


def _clear_filing(decision: RetireeDecision, filing: str) -> None:
    decision.filing = filing
    decision.filed_at = None
    decision.filed_by = None
    decision.filing_comment = ""


@transaction.atomic
def retiree_file(
    *, decision: RetireeDecision, comment: Any = "", actor: Any = None
) -> RetireeDecision:
    """The committee files the department's decision that a retired member does not take
    part (不参与……的人员名单，应及时报机关党委备案). The decision counted from the day the
    department took it; filing puts it on the committee's record."""
    decision = (
        RetireeDecision.objects.select_for_update(**ROW_LOCK)
        .select_related("member__branch", "member__department", "decided_by")
        .get(pk=decision.pk)
    )
    if decision.filing != RetireeFiling.AWAITING:
        raise DomainError(
            _("The decision is “%(filing)s”; there is nothing to file.")
            % {"filing": decision.get_filing_display()}
        )
    if decision.member.user_id is not None and decision.member.user_id == getattr(
        actor, "pk", None
    ):
        raise DomainError(_("Nobody files a decision on their own participation."))
    comment = clean_text(comment, limit=COMMENT_LIMIT)
    decision.filing = RetireeFiling.FILED
    decision.filed_at = timezone.now()
    decision.filed_by = signed_in(actor)
    decision.filing_comment = comment
    decision.save(update_fields=["filing", "filed_at", "filed_by", "filing_comment"])
    audit_record(
        action="participation.retiree.filed",
        actor=actor,
        obj=decision,
        organization=decision.member.branch_id,
        before={"filing": RetireeFiling.AWAITING},
        after={"filing": decision.filing, "comment": comment},
    )
    department_id = decision.member.department_id
    heads = (
        [
            h.user
            for h in DepartmentHead.objects.filter(department_id=department_id).select_related(
                "user"
            )
        ]
        if department_id is not None
        else []
    )
    tell_users(
        heads,
        title=_("The committee has filed your department's decision on %(name)s for %(year)d.")
        % {"name": decision.member.name, "year": decision.year},
        url=f"{reverse('participation:retirees')}?year={decision.year}",
        key=f"retiree:{decision.pk}:filed:{decision.filed_at.timestamp()}",
    )
    return decision


# Department heads -------------------------------------------------------------------


@transaction.atomic
def department_head_appoint(
    *, user: Any, department: Department, committee: Organization, actor: Any = None
) -> DepartmentHead:
    """The committee names a department's head, who then decides on its retirees."""
    if not committee.is_committee:
        raise DomainError(_("Department heads are appointed by the party committee."))
    if user is None or not getattr(user, "is_active", False):
        raise DomainError(_("Choose an active user account."))
    if DepartmentHead.objects.filter(user=user, department=department).exists():
        raise DomainError(_("This user already heads the department."))
    head = DepartmentHead.objects.create(user=user, department=department)
    audit_record(
        action="participation.department_head.appointed",
        actor=actor,
        obj=head,
        organization=committee,
        after={"user": user.pk, "username": user.get_username(), "department": department.pk},
    )
    return head


@transaction.atomic
def department_head_remove(
    *, head: DepartmentHead, committee: Organization, actor: Any = None
) -> None:
    audit_record(
        action="participation.department_head.removed",
        actor=actor,
        obj=head,
        organization=committee,
        before={
            "user": head.user_id,
            "username": head.user.get_username(),
            "department": head.department_id,
        },
    )
    head.delete()
