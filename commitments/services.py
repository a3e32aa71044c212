"""Writes for 亮身份 and 亮承诺: post pages, commitments through their year (the branch's
number and deadline are its settings, `organizations.settings_services`)."""

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
from organizations.models import Member, Organization
from organizations.recipients import tell_member

from .models import (
    Commitment,
    Fulfilment,
    IdentityPost,
    Status,
    Topic,
    new_token,
)
from .selectors import max_commitments

TEXT_LIMIT = 500
REPORT_LIMIT = 1000
COMMENT_LIMIT = 500


# Identity posts ---------------------------------------------------------------------


def post_for_member(*, member: Member, actor: Any = None) -> IdentityPost:
    """The member's 共产党员岗 page, made with a fresh random key on first use."""
    post = IdentityPost.objects.filter(member=member).first()
    if post is not None:
        return post
    try:
        with transaction.atomic():
            post = IdentityPost.objects.create(member=member)
            audit_record(
                action="commitments.post.created",
                actor=actor,
                obj=post,
                organization=member.branch_id,
            )
    except IntegrityError:  # made meanwhile by a concurrent request
        return IdentityPost.objects.get(member=member)
    return post


@transaction.atomic
def posts_for_branch(*, branch: Organization, actor: Any = None) -> dict[int, IdentityPost]:
    """Post pages for every active member of the branch (missing ones made in one go)."""
    members = list(
        Member.objects.filter(branch=branch, is_active=True).values_list("pk", flat=True)
    )
    existing = {p.member_id: p for p in IdentityPost.objects.filter(member_id__in=members)}
    missing = [pk for pk in members if pk not in existing]
    if missing:
        IdentityPost.objects.bulk_create(
            [IdentityPost(member_id=pk) for pk in missing], ignore_conflicts=True
        )
        audit_record(
            action="commitments.post.created",
            actor=actor,
            organization=branch,
            object_repr=str(branch),
            after={"members": missing},
        )
        existing = {p.member_id: p for p in IdentityPost.objects.filter(member_id__in=members)}
    return existing


@transaction.atomic
def post_regenerate_token(*, member: Member, actor: Any = None) -> IdentityPost:
    """A new key for the public page: old QR codes and links stop working (a lost sign)."""
    post = post_for_member(member=member, actor=actor)
    post = IdentityPost.objects.select_for_update(**ROW_LOCK).get(pk=post.pk)
    post.token = new_token()
    post.token_changed_at = timezone.now()
    post.save(update_fields=["token", "token_changed_at"])
    # The key itself stays out of the log: the log is read by more people than the sign.
    audit_record(
        action="commitments.post.key_changed",
        actor=actor,
        obj=post,
        organization=member.branch_id,
        after={"token_changed_at": post.token_changed_at},
    )
    return post


# Commitments: the member's side ----------------------------------------------------


def _clean_topic(topic: Any) -> str:
    if topic not in Topic.values:
        raise DomainError(_("Choose what the commitment is about."))
    return str(topic)


def _check_year(year: int) -> None:
    this_year = timezone.localdate().year
    if year not in (this_year, this_year + 1):
        raise DomainError(_("Commitments are made for this year or, in December, for the next."))


def _locked(commitment: Commitment) -> Commitment:
    return (
        Commitment.objects.select_for_update(**ROW_LOCK)
        .select_related("member")
        .get(pk=commitment.pk)
    )


def _check_editable(commitment: Commitment) -> None:
    if commitment.status == Status.APPROVED:
        raise DomainError(_("An approved commitment is published and can no longer be changed."))
    if commitment.status == Status.SUBMITTED:
        raise DomainError(_("The commitment is waiting for the branch's decision."))


@transaction.atomic
def commitment_create(
    *, member: Member, year: int, topic: Any, text: Any, actor: Any = None
) -> Commitment:
    """Draft a commitment; a member makes at most the branch's number in a year."""
    member = Member.objects.select_for_update(**ROW_LOCK).select_related("branch").get(pk=member.pk)
    if not member.is_active:
        raise DomainError(_("The member has left the branch."))
    _check_year(year)
    topic = _clean_topic(topic)
    text = clean_text(text, limit=TEXT_LIMIT, required=_("Write the commitment."))
    allowed = max_commitments(member.branch)
    made = Commitment.objects.filter(member=member, year=year).count()
    if made >= allowed:
        raise DomainError(
            _(
                "You already have %(made)d commitments for %(year)d; the branch allows "
                "%(allowed)d. Change or delete a draft instead."
            )
            % {"made": made, "year": year, "allowed": allowed}
        )
    commitment = Commitment.objects.create(
        member=member, branch=member.branch, year=year, topic=topic, text=text
    )
    audit_record(
        action="commitments.commitment.created",
        actor=actor,
        obj=commitment,
        organization=member.branch_id,
        after=snapshot(commitment, ["year", "topic", "text", "status"]),
    )
    return commitment


@transaction.atomic
def commitment_update(
    *, commitment: Commitment, topic: Any, text: Any, actor: Any = None
) -> Commitment:
    """Change a draft or a returned commitment; approved ones are published and stay."""
    commitment = _locked(commitment)
    _check_editable(commitment)
    before = snapshot(commitment, ["topic", "text"])
    commitment.topic = _clean_topic(topic)
    commitment.text = clean_text(text, limit=TEXT_LIMIT, required=_("Write the commitment."))
    commitment.save(update_fields=["topic", "text"])
    audit_record(
        action="commitments.commitment.updated",
        actor=actor,
        obj=commitment,
        organization=commitment.branch_id,
        before=before,
        after=snapshot(commitment, ["topic", "text"]),
    )
    return commitment


@transaction.atomic
def commitment_delete(*, commitment: Commitment, actor: Any = None) -> None:
    """Withdraw a draft or returned commitment (it frees a place for another)."""
    commitment = _locked(commitment)
    _check_editable(commitment)
    audit_record(
        action="commitments.commitment.deleted",
        actor=actor,
        obj=commitment,
        organization=commitment.branch_id,
        before=snapshot(commitment, ["year", "topic", "text", "status"]),
    )
    commitment.delete()


@transaction.atomic
def commitment_submit(*, commitment: Commitment, actor: Any = None) -> Commitment:
    """Send a draft (or a returned one, revised) to the branch for approval."""
    commitment = _locked(commitment)
    _check_editable(commitment)
    before = commitment.status
    commitment.status = Status.SUBMITTED
    commitment.submitted_at = timezone.now()
    commitment.save(update_fields=["status", "submitted_at"])
    audit_record(
        action="commitments.commitment.submitted",
        actor=actor,
        obj=commitment,
        organization=commitment.branch_id,
        before={"status": before},
        after={"status": commitment.status},
    )
    return commitment


@transaction.atomic
def commitment_report(*, commitment: Commitment, report: Any, actor: Any = None) -> Commitment:
    """Year end: the member says how an approved commitment was kept (until it is assessed)."""
    commitment = _locked(commitment)
    if commitment.status != Status.APPROVED:
        raise DomainError(_("Only an approved commitment is reported on."))
    if commitment.fulfilment:
        raise DomainError(_("The group has assessed this commitment; the report is closed."))
    before = {"report": commitment.report}
    commitment.report = clean_text(
        report, limit=REPORT_LIMIT, required=_("Say how the commitment was kept.")
    )
    commitment.reported_at = timezone.now()
    commitment.save(update_fields=["report", "reported_at"])
    audit_record(
        action="commitments.commitment.reported",
        actor=actor,
        obj=commitment,
        organization=commitment.branch_id,
        before=before,
        after={"report": commitment.report},
    )
    return commitment


# Commitments: the branch's side -----------------------------------------------------


def _check_not_own(commitment: Commitment, actor: Any) -> None:
    if actor is not None and commitment.member.user_id == getattr(actor, "pk", None):
        raise DomainError(_("Nobody decides on their own commitment."))


def _tell_member(commitment: Commitment, title: str, step: str) -> None:
    stamp = timezone.now().timestamp()
    tell_member(
        commitment.member,
        title=title,
        url=reverse("commitments:mine"),
        key=f"commitment:{commitment.pk}:{step}:{stamp}",
    )


def _check_submitted(commitment: Commitment) -> None:
    if commitment.status != Status.SUBMITTED:
        raise DomainError(
            _("The commitment is “%(status)s”; only one awaiting approval can be decided.")
            % {"status": commitment.get_status_display()}
        )


def _review(commitment: Commitment, *, status: str, comment: Any, actor: Any) -> Commitment:
    """Record the branch's decision on a submitted commitment and tell the member.
    A return must say why; an approval may carry a comment."""
    commitment = _locked(commitment)
    _check_submitted(commitment)
    _check_not_own(commitment, actor)
    if status == Status.RETURNED:
        commitment.review_comment = clean_text(
            comment, limit=COMMENT_LIMIT, required=_("Say why the commitment is returned.")
        )
    else:
        commitment.review_comment = str(comment or "").strip()[:COMMENT_LIMIT]
    commitment.status = status
    commitment.reviewed_at = timezone.now()
    commitment.reviewed_by = signed_in(actor)
    commitment.save(update_fields=["status", "review_comment", "reviewed_at", "reviewed_by"])
    audit_record(
        action=f"commitments.commitment.{status}",
        actor=actor,
        obj=commitment,
        organization=commitment.branch_id,
        before={"status": Status.SUBMITTED},
        after={"status": commitment.status, "comment": commitment.review_comment},
    )
    message = (
        _("The branch has returned your commitment.")
        if status == Status.RETURNED
        else _("The branch has approved your commitment.")
    )
    _tell_member(commitment, message, str(status))
    return commitment


@transaction.atomic
def commitment_approve(
    *, commitment: Commitment, actor: Any = None, comment: Any = ""
) -> Commitment:
    """The branch agrees to the commitment (plan: 经党支部研究同意); it is then published."""
    return _review(commitment, status=Status.APPROVED, comment=comment, actor=actor)


@transaction.atomic
def commitment_return(*, commitment: Commitment, comment: Any, actor: Any = None) -> Commitment:
    """The branch sends the commitment back to the member with the reason."""
    return _review(commitment, status=Status.RETURNED, comment=comment, actor=actor)


@transaction.atomic
def commitment_assess(
    *, commitment: Commitment, fulfilment: Any, note: Any = "", actor: Any = None
) -> Commitment:
    """The assessment group's finding on an approved commitment, for the appraisal meeting."""
    commitment = _locked(commitment)
    if commitment.status != Status.APPROVED:
        raise DomainError(_("Only an approved commitment is assessed."))
    _check_not_own(commitment, actor)
    if fulfilment not in Fulfilment.values:
        raise DomainError(_("Choose kept, partly kept or not kept."))
    note = clean_text(note, limit=COMMENT_LIMIT)
    if fulfilment != Fulfilment.KEPT and not note:
        raise DomainError(_("Say what was not kept."))
    before = snapshot(commitment, ["fulfilment", "assessment_note"])
    commitment.fulfilment = fulfilment
    commitment.assessment_note = note
    commitment.assessed_at = timezone.now()
    commitment.assessed_by = signed_in(actor)
    commitment.save(update_fields=["fulfilment", "assessment_note", "assessed_at", "assessed_by"])
    audit_record(
        action="commitments.commitment.assessed",
        actor=actor,
        obj=commitment,
        organization=commitment.branch_id,
        before=before,
        after=snapshot(commitment, ["fulfilment", "assessment_note"]),
    )
    _tell_member(
        commitment,
        _("The group has assessed your commitment: %(fulfilment)s.")
        % {"fulfilment": commitment.get_fulfilment_display()},
        "assessed",
    )
    return commitment
