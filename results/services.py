"""Writes of 结果运用: recording a help talk, proposing and deciding unqualified-member
handling (plan 二). Each checks who acts and the state, and writes an audit row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from commitments.models import VanguardPost, VanguardStatus
from core.actors import signed_in
from core.errors import DomainError, PermissionDenied
from core.locks import ROW_LOCK
from notifications.models import Notification
from notifications.services import notify
from organizations.models import Member, Organization, Role, RoleAssignment
from organizations.permissions import OFFICER_ROLES, is_own_member, scope_for
from organizations.recipients import branch_secretaries, tell_member
from participation.attachments import check_attachment

from .models import HandlingCase, HelpTalk
from .selectors import branch_results, vanguard_board

TEXT_LIMIT = 4000


def _text(value: Any, message: str, limit: int = TEXT_LIMIT) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(message)
    if len(text) > limit:
        raise DomainError(
            _("The text is too long: at most %(limit)d characters.") % {"limit": limit}
        )
    return text


def _user(user: Any) -> Any:
    return signed_in(user)


@transaction.atomic
def help_talk_record(
    *,
    member: Member,
    year: int,
    held_on: dt.date,
    talked_by: str,
    content: str,
    response: str,
    recorded_by: Any,
) -> HelpTalk:
    """Record the branch's help talk with a member ranked last or vetoed in the year
    (plan 二: 由党支部对其进行帮助谈话): date, who talked, content, the member's response."""
    branch_id = member.branch_id
    if not scope_for(recorded_by).has_role(branch_id, *OFFICER_ROLES):
        raise PermissionDenied(_("Only the branch's officers record its help talks."))
    if is_own_member(recorded_by, member):
        raise DomainError(_("Nobody records a help talk with themselves; another officer does."))
    if not isinstance(held_on, dt.date):
        raise DomainError(_("Give the date of the talk."))
    if held_on > timezone.localdate():
        raise DomainError(_("The talk cannot be dated in the future."))
    if held_on.year < year:
        raise DomainError(
            _("A talk on the result of %(year)d is held in %(year)d or later.") % {"year": year}
        )
    talked_by = _text(talked_by, _("Say who held the talk."), 200)
    content = _text(content, _("Record what the talk was about."))
    response = _text(response, _("Record the member's response."))
    results = branch_results(member.branch, year)
    if not any(due.member.pk == member.pk for due in results.talks_due):
        raise DomainError(
            _("%(name)s is not due a help talk for %(year)d: neither ranked last nor vetoed.")
            % {"name": member.name, "year": year}
        )
    talk = HelpTalk.objects.create(
        branch_id=branch_id,
        member=member,
        year=year,
        held_on=held_on,
        talked_by=talked_by,
        content=content,
        response=response,
        recorded_by=_user(recorded_by),
    )
    audit_record(
        action="results.help_talk.recorded",
        actor=recorded_by,
        obj=talk,
        organization=branch_id,
        after=snapshot(talk),
    )
    return talk


def _committee_admins(branch: Organization) -> list[Any]:
    committee = branch.committee()
    return [
        a.user
        for a in RoleAssignment.objects.current()
        .filter(role=Role.COMMITTEE_ADMIN, organization=committee)
        .select_related("user")
    ]


@transaction.atomic
def handling_propose(*, member: Member, year: int, reasons: str, proposed_by: Any) -> HandlingCase:
    """The branch proposes unqualified-member handling for a member bottom or vetoed two
    years running after a help talk (plan 二); the committee decides, never the system."""
    branch = member.branch
    if not scope_for(proposed_by).has_role(branch.pk, Role.SECRETARY):
        raise PermissionDenied(_("Only the branch secretary proposes handling."))
    if is_own_member(proposed_by, member):
        raise DomainError(_("Nobody proposes handling for themselves."))
    reasons = _text(reasons, _("State the branch's reasons for the proposal."))
    # One proposal at a time for the member: two clicks must not both pass the checks.
    Member.objects.select_for_update(**ROW_LOCK).filter(pk=member.pk).first()
    results = branch_results(branch, year)
    if not results.year_closed:
        raise DomainError(
            _("The year %(year)d is not closed; its ranking is not final yet.") % {"year": year}
        )
    if not any(c.member.pk == member.pk for c in results.candidates):
        raise DomainError(
            _(
                "%(name)s is not a candidate: bottom-ranked or vetoed in %(before)d and "
                "%(year)d, after a help talk."
            )
            % {"name": member.name, "before": year - 1, "year": year}
        )
    if (
        HandlingCase.objects.filter(member=member, year=year)
        .exclude(status=HandlingCase.Status.REJECTED)
        .exists()
    ):
        raise DomainError(_("A proposal for this member and year already exists."))
    case = HandlingCase.objects.create(
        branch=branch,
        member=member,
        year=year,
        reasons=reasons,
        proposed_by=_user(proposed_by),
    )
    audit_record(
        action="results.handling.proposed",
        actor=proposed_by,
        obj=case,
        organization=branch,
        after=snapshot(case),
    )
    url = reverse("results:case", kwargs={"pk": case.pk})
    for user in _committee_admins(branch):
        notify(
            user=user,
            kind=Notification.Kind.OTHER,
            title=_("%(branch)s proposes unqualified-member handling for %(name)s")
            % {"branch": branch.name, "name": member.name},
            url=url,
            dedupe_key=f"results.handling.proposed:{case.pk}:{user.pk}",
        )
    return case


@transaction.atomic
def handling_decide(
    *, case: HandlingCase, approve: bool, note: str, decided_by: Any
) -> HandlingCase:
    """The committee approves or does not approve the branch's proposal, with a note;
    the decision is recorded, and the member's status is not changed by the system."""
    if not scope_for(decided_by).is_committee:
        raise PermissionDenied(_("Only the party committee decides on a proposal."))
    note = _text(note, _("Write the committee's note on the decision."))
    case = (
        HandlingCase.objects.select_for_update(**ROW_LOCK).select_related("member").get(pk=case.pk)
    )
    if case.status != HandlingCase.Status.PROPOSED:
        raise DomainError(_("This proposal has already been decided."))
    if is_own_member(decided_by, case.member):
        raise DomainError(_("Nobody decides on a proposal about themselves."))
    before = snapshot(case)
    case.status = HandlingCase.Status.APPROVED if approve else HandlingCase.Status.REJECTED
    case.decided_by = _user(decided_by)
    case.decided_at = timezone.now()
    case.decision_note = note
    case.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        action="results.handling.approved" if approve else "results.handling.rejected",
        actor=decided_by,
        obj=case,
        organization=case.branch_id,
        before=before,
        after=snapshot(case),
    )
    if case.proposed_by_id is not None:
        notify(
            user=case.proposed_by,
            kind=Notification.Kind.OTHER,
            title=_("The committee has decided on the proposal for %(name)s")
            % {"name": case.member.name},
            url=reverse("results:case", kwargs={"pk": case.pk}),
            dedupe_key=f"results.handling.decided:{case.pk}",
        )
    return case


@transaction.atomic
def handling_consent_record(
    *,
    case: HandlingCase,
    consented_on: dt.date,
    document: str,
    scan: Any,
    recorded_by: Any,
) -> HandlingCase:
    """Plan 二: handling needs 上一级党组织和市直机关工委同意. The committee records that
    consent — its date, document number and a scan — and only then is the case final."""
    if not scope_for(recorded_by).is_committee:
        raise PermissionDenied(_("Only the party committee records the higher consent."))
    case = (
        HandlingCase.objects.select_for_update(**ROW_LOCK).select_related("member").get(pk=case.pk)
    )
    if case.status != HandlingCase.Status.APPROVED:
        raise DomainError(
            _("Only a proposal the committee has approved waits for the higher consent.")
        )
    if is_own_member(recorded_by, case.member):
        raise DomainError(_("Nobody records the consent to a case about themselves."))
    if not isinstance(consented_on, dt.date):
        raise DomainError(_("Give the date of the consent."))
    if consented_on > timezone.localdate():
        raise DomainError(_("The consent cannot be dated in the future."))
    if case.decided_at and consented_on < timezone.localtime(case.decided_at).date():
        raise DomainError(_("The consent comes after the committee's approval."))
    document = _text(document, _("Give the document number of the consent."), 100)
    if scan is None:
        raise DomainError(_("Attach a scan of the consent."))
    name = check_attachment(scan)
    before = snapshot(case)
    case.consent_date = consented_on
    case.consent_document = document
    case.consent_scan.save(name, scan, save=False)
    case.consent_scan_name = name
    case.consent_recorded_by = _user(recorded_by)
    case.consent_recorded_at = timezone.now()
    case.status = HandlingCase.Status.FINAL
    case.save(
        update_fields=[
            "consent_date",
            "consent_document",
            "consent_scan",
            "consent_scan_name",
            "consent_recorded_by",
            "consent_recorded_at",
            "status",
        ]
    )
    audit_record(
        action="results.handling.consented",
        actor=recorded_by,
        obj=case,
        organization=case.branch_id,
        before=before,
        after=snapshot(case),
    )
    if case.proposed_by_id is not None:
        notify(
            user=case.proposed_by,
            kind=Notification.Kind.OTHER,
            title=_("The higher consent for %(name)s is recorded; the handling is final.")
            % {"name": case.member.name},
            url=reverse("results:case", kwargs={"pk": case.pk}),
            dedupe_key=f"results.handling.consented:{case.pk}",
        )
    return case


# 党员先锋岗 ---------------------------------------------------------------------------

VANGUARD_TITLE_LIMIT = 60
VANGUARD_REASONS_LIMIT = 2000
VANGUARD_NOTE_LIMIT = 500


@transaction.atomic
def vanguard_propose(
    *, member: Member, year: int, title: str, reasons: str, proposed_by: Any
) -> VanguardPost:
    """The branch proposes a member's post as a 党员先锋岗 for the year (plan 二: 党员奉献量化
    积分情况作为评定"党员先锋岗"的重要内容). The system lists the candidates — top 20%,
    every commitment kept — and keeps the basis the branch saw; whom to propose is the
    branch's decision, and its reasons say why, the more so outside the candidates."""
    branch = member.branch
    if not scope_for(proposed_by).has_role(branch.pk, Role.SECRETARY):
        raise PermissionDenied(_("Only the branch secretary proposes a vanguard post."))
    if is_own_member(proposed_by, member):
        raise DomainError(_("Nobody proposes their own post."))
    title = (title or "").strip()
    if len(title) > VANGUARD_TITLE_LIMIT:
        raise DomainError(
            _("The name of the post is too long: at most %(limit)d characters.")
            % {"limit": VANGUARD_TITLE_LIMIT}
        )
    reasons = _text(reasons, _("State the branch's reasons."), VANGUARD_REASONS_LIMIT)
    Member.objects.select_for_update(**ROW_LOCK).filter(pk=member.pk).first()
    board = vanguard_board(branch, year)
    if not board.year_closed:
        raise DomainError(
            _("The year %(year)d is not closed; its ranking is not final yet.") % {"year": year}
        )
    row = board.row_of(member.pk)
    if row is None:
        raise DomainError(
            _("%(name)s is not in %(year)d's ranking (not taking part, or vetoed).")
            % {"name": member.name, "year": year}
        )
    if row.post is not None:
        raise DomainError(
            _("%(name)s's post is already %(status)s for %(year)d.")
            % {"name": member.name, "status": row.post.get_status_display(), "year": year}
        )
    standing = row.result.standing
    post = VanguardPost.objects.create(
        member=member,
        branch=branch,
        year=year,
        title=title,
        reasons=reasons,
        rank=standing.rank if standing else None,
        ranked=board.ranked,
        total=row.result.totals.total,
        award_eligible=row.award_eligible,
        commitments_made=row.made,
        commitments_kept=row.kept,
        proposed_by=_user(proposed_by),
    )
    audit_record(
        action="results.vanguard.proposed",
        actor=proposed_by,
        obj=post,
        organization=branch,
        after=snapshot(post, VANGUARD_FIELDS),
    )
    url = f"{reverse('results:vanguard_committee', kwargs={'year': year})}#post-{post.pk}"
    for user in _committee_admins(branch):
        notify(
            user=user,
            kind=Notification.Kind.OTHER,
            title=_("%(branch)s proposes %(name)s's post as a vanguard post for %(year)d")
            % {"branch": branch.name, "name": member.name, "year": year},
            url=url,
            dedupe_key=f"results.vanguard.proposed:{post.pk}:{user.pk}",
        )
    return post


VANGUARD_FIELDS = [
    "year",
    "title",
    "reasons",
    "status",
    "rank",
    "ranked",
    "total",
    "award_eligible",
    "commitments_made",
    "commitments_kept",
    "decision_note",
]


@transaction.atomic
def vanguard_decide(
    *, post: VanguardPost, confirm: bool, note: str, decided_by: Any
) -> VanguardPost:
    """The committee confirms the branch's proposal — from then on the member's post card,
    public post page and the lobby screen show it — or does not, saying why."""
    if not scope_for(decided_by).is_committee:
        raise PermissionDenied(_("Only the party committee confirms a vanguard post."))
    post = (
        VanguardPost.objects.select_for_update(**ROW_LOCK)
        .select_related("member", "branch")
        .get(pk=post.pk)
    )
    if post.status != VanguardStatus.PROPOSED:
        raise DomainError(_("This proposal has already been decided."))
    if is_own_member(decided_by, post.member):
        raise DomainError(_("Nobody decides on their own post."))
    note = (note or "").strip()
    if not confirm and not note:
        raise DomainError(_("Say why the post is not confirmed."))
    if len(note) > VANGUARD_NOTE_LIMIT:
        raise DomainError(
            _("The text is too long: at most %(limit)d characters.")
            % {"limit": VANGUARD_NOTE_LIMIT}
        )
    before = snapshot(post, VANGUARD_FIELDS)
    post.status = VanguardStatus.CONFIRMED if confirm else VanguardStatus.DECLINED
    post.decided_by = _user(decided_by)
    post.decided_at = timezone.now()
    post.decision_note = note
    post.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        action="results.vanguard.confirmed" if confirm else "results.vanguard.declined",
        actor=decided_by,
        obj=post,
        organization=post.branch_id,
        before=before,
        after=snapshot(post, VANGUARD_FIELDS),
    )
    if confirm:
        title = _("The party committee has named %(name)s's post a vanguard post for %(year)d.")
    else:
        title = _("The party committee has not confirmed %(name)s's post as a vanguard post.")
    message = title % {"name": post.member.name, "year": post.year}
    url = reverse("results:vanguard", kwargs={"code": post.branch.code, "year": post.year})
    recipients = {u.pk: u for u in branch_secretaries(post.branch)}
    if post.proposed_by_id is not None and post.proposed_by is not None:
        recipients[post.proposed_by_id] = post.proposed_by
    for user in recipients.values():
        notify(
            user=user,
            kind=Notification.Kind.OTHER,
            title=message,
            url=url,
            dedupe_key=f"results.vanguard.decided:{post.pk}:{user.pk}",
        )
    if confirm:
        tell_member(
            post.member,
            title=message,
            url=reverse("commitments:card", kwargs={"member_pk": post.member_id}),
            key=f"results.vanguard.confirmed:{post.pk}",
        )
    return post
