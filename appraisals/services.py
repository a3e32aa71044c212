"""Writes of the democratic appraisal (plan 一(三)3): sessions, codes, ballots, closing.

Every function here changes state and says so in the audit log, with one deliberate
exception: casting a ballot by code (see `models` for why the design is anonymous).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from core.errors import DomainError
from core.locks import ROW_LOCK
from core.periods import HalfYear
from ledger.models import Entry, Kind, Source
from ledger.services import entry_post, entry_reverse
from organizations.models import Member, Organization, PublicRepresentative

from . import codes
from .grades import (
    ORDER,
    Grade,
    Mark,
    MarkRow,
    check_marks,
    check_values,
    distribution,
    session_results,
)
from .models import (
    AppraisalSession,
    Ballot,
    BallotMark,
    BallotSource,
    Evaluee,
    Mode,
    Status,
    Voter,
    VotingCode,
)


class CodeRefused(DomainError):
    """A code that cannot vote; `reason` is unknown, used, voided or closed."""

    def __init__(self, reason: str, session: AppraisalSession | None = None) -> None:
        messages = {
            "unknown": _("This voting code does not exist. Check the code on your slip."),
            "used": _("This voting code has already been used to cast a ballot."),
            "voided": _(
                "This voting code has been voided. Ask the branch secretary for a new one."
            ),
            "closed": _("Voting in this appraisal session has ended."),
        }
        super().__init__(messages[reason])
        self.reason = reason
        self.session = session


@dataclass(frozen=True)
class IssuedCode:
    """A freshly issued code in plain text: shown once on the slips, never stored."""

    voter: Voter
    code: str

    @property
    def display(self) -> str:
        return codes.display(self.code)


def _actor(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _lock(session: AppraisalSession) -> AppraisalSession:
    return (
        AppraisalSession.objects.select_for_update(**ROW_LOCK)
        .select_related("branch")
        .get(pk=session.pk)
    )


def _lock_open(session: AppraisalSession) -> AppraisalSession:
    locked = _lock(session)
    if locked.status == Status.CLOSED:
        raise DomainError(_("This appraisal session is closed."))
    if locked.status == Status.ANNULLED:
        raise DomainError(_("This appraisal session has been annulled."))
    return locked


@transaction.atomic
def session_open(
    *,
    branch: Organization,
    half_year: HalfYear,
    held_on: date,
    mode: str,
    values: Mapping[str, Decimal],
    evaluees: Sequence[Member],
    voter_members: Sequence[Member],
    representatives: Sequence[PublicRepresentative],
    opened_by: Any,
) -> AppraisalSession:
    """Open the branch's half-yearly appraisal: who is appraised, who votes, how grades count."""
    if not branch.owns_members:
        raise DomainError(_("Only a branch holds an appraisal."))
    if mode not in Mode.values:
        raise DomainError(_("Choose a ballot mode."))
    check_values(values)
    if not evaluees:
        raise DomainError(_("Choose the members to be appraised."))
    if not voter_members and not representatives:
        raise DomainError(_("Choose the voters."))
    for member in [*evaluees, *voter_members]:
        if member.branch_id != branch.pk or not member.is_active:
            raise DomainError(
                _("%(name)s is not an active member of the branch.") % {"name": member}
            )
    for representative in representatives:
        if representative.branch_id != branch.pk or not representative.is_active:
            raise DomainError(
                _("%(name)s is not a public representative of the branch.")
                % {"name": representative}
            )
    if (
        AppraisalSession.objects.filter(branch=branch, year=half_year.year, half=half_year.half)
        .exclude(status=Status.ANNULLED)
        .exists()
    ):
        raise DomainError(
            _("The branch already has an appraisal session for %(half)s.") % {"half": half_year}
        )
    try:
        with transaction.atomic():
            session = AppraisalSession.objects.create(
                branch=branch,
                year=half_year.year,
                half=half_year.half,
                held_on=held_on,
                mode=mode,
                value_excellent=values[Grade.EXCELLENT],
                value_qualified=values[Grade.QUALIFIED],
                value_basic=values[Grade.BASIC],
                value_unqualified=values[Grade.UNQUALIFIED],
                opened_by=_actor(opened_by),
            )
    except IntegrityError as exc:
        raise DomainError(
            _("The branch already has an appraisal session for %(half)s.") % {"half": half_year}
        ) from exc
    Evaluee.objects.bulk_create(
        Evaluee(session=session, member=member, order=index)
        for index, member in enumerate(dict.fromkeys(evaluees))
    )
    voters = [Voter(session=session, member=m, name=m.name) for m in dict.fromkeys(voter_members)]
    voters += [
        Voter(session=session, representative=r, name=r.name)
        for r in dict.fromkeys(representatives)
    ]
    for index, voter in enumerate(voters):
        voter.order = index
    Voter.objects.bulk_create(voters)
    audit_record(
        action="appraisals.session.opened",
        actor=opened_by,
        obj=session,
        organization=branch.pk,
        after={
            **snapshot(session),
            "evaluees": [m.pk for m in evaluees],
            "voter_members": [m.pk for m in voter_members],
            "representatives": [r.pk for r in representatives],
        },
    )
    return session


def _new_code(session: AppraisalSession, voter: Voter, issued_by: Any) -> IssuedCode:
    while True:
        plain = codes.generate()
        digest = codes.code_hash(plain)
        if not VotingCode.objects.filter(code_hash=digest).exists():
            break
    VotingCode.objects.create(
        session=session, voter=voter, code_hash=digest, issued_by=_actor(issued_by)
    )
    return IssuedCode(voter=voter, code=plain)


def _live_code(voter: Voter) -> VotingCode | None:
    return VotingCode.objects.filter(voter=voter, voided=False).first()


@transaction.atomic
def codes_issue(
    *, session: AppraisalSession, issued_by: Any, voters: Iterable[Voter] | None = None
) -> list[IssuedCode]:
    """Give a one-time code to every voter (or those listed) who holds none and is not on paper."""
    session = _lock_open(session)
    pending = session.voters.filter(on_paper=False).exclude(codes__voided=False)
    if voters is not None:
        pending = pending.filter(pk__in=[v.pk for v in voters])
    issued = [_new_code(session, voter, issued_by) for voter in pending.order_by("order", "pk")]
    if issued:
        audit_record(
            action="appraisals.codes.issued",
            actor=issued_by,
            obj=session,
            organization=session.branch_id,
            after={"voters": [i.voter.pk for i in issued]},
        )
    return issued


def _void_live(voter: Voter) -> bool:
    """Void the voter's unused code, if any; refuse when it has already voted."""
    live = _live_code(voter)
    if live is None:
        return False
    if live.used or not VotingCode.objects.filter(pk=live.pk, used=False).update(voided=True):
        raise DomainError(
            _("%(name)s has already voted; the code cannot be voided.") % {"name": voter}
        )
    return True


def _voter_of(session: AppraisalSession, voter: Voter) -> Voter:
    if voter.session_id != session.pk:
        raise DomainError(_("This voter does not belong to the session."))
    return voter


@transaction.atomic
def code_void(*, session: AppraisalSession, voter: Voter, voided_by: Any) -> None:
    """Void a lost or wrongly handed out code so that it can no longer vote."""
    session = _lock_open(session)
    voter = _voter_of(session, voter)
    if not _void_live(voter):
        raise DomainError(_("%(name)s holds no code to void.") % {"name": voter})
    audit_record(
        action="appraisals.code.voided",
        actor=voided_by,
        obj=session,
        organization=session.branch_id,
        after={"voter": voter.pk, "name": voter.name},
    )


@transaction.atomic
def code_reissue(*, session: AppraisalSession, voter: Voter, issued_by: Any) -> IssuedCode:
    """Void the voter's unused code, if any, and hand out a new one."""
    session = _lock_open(session)
    voter = _voter_of(session, voter)
    if voter.on_paper:
        raise DomainError(_("%(name)s votes on paper.") % {"name": voter})
    voided = _void_live(voter)
    issued = _new_code(session, voter, issued_by)
    audit_record(
        action="appraisals.code.reissued",
        actor=issued_by,
        obj=session,
        organization=session.branch_id,
        after={"voter": voter.pk, "name": voter.name, "voided_previous": voided},
    )
    return issued


@transaction.atomic
def codes_reissue_unused(
    *, session: AppraisalSession, issued_by: Any, voters: Iterable[Voter] | None = None
) -> list[IssuedCode]:
    """Reprint the slips: every code handed out and not yet used (or those of `voters`)
    is voided and replaced, in one step, for a sheet of slips closed before it was printed.

    Why replacement and not the old codes again: a code exists in plain text only in
    the response that issues it (the table keeps a keyed hash), so no copy is kept that
    a database dump, a backup or a second officer could read and vote with, and what
    was handed out cannot be replayed. Storing the codes, even encrypted until first
    use, would give every holder of the database and the site's key the unused codes
    of the session; replacing them keeps "shown once" true, and a ballot still links to
    nothing: casting is untouched (no code, voter or time on a ballot). Voters who have
    voted keep their (used) code; the session lock orders this against any cast.
    """
    session = _lock_open(session)
    live = VotingCode.objects.filter(session=session, used=False, voided=False)
    if voters is not None:
        live = live.filter(voter__in=[_voter_of(session, v) for v in voters])
    holders = list(
        Voter.objects.filter(pk__in=live.values("voter_id"), on_paper=False).order_by("order", "pk")
    )
    if not holders:
        raise DomainError(_("No voter holds an unused code to reissue."))
    voided = live.filter(voter__in=holders).update(voided=True)
    issued = [_new_code(session, voter, issued_by) for voter in holders]
    audit_record(
        action="appraisals.codes.reissued",
        actor=issued_by,
        obj=session,
        organization=session.branch_id,
        after={"voters": [v.pk for v in holders], "voided_previous": voided},
    )
    return issued


@transaction.atomic
def voters_to_paper(*, session: AppraisalSession, voters: Iterable[Voter], handed_by: Any) -> int:
    """Hand paper forms instead of codes; each voter's unused code is voided first."""
    session = _lock_open(session)
    moved = []
    for voter in voters:
        voter = _voter_of(session, voter)
        if voter.on_paper:
            continue
        _void_live(voter)
        voter.on_paper = True
        voter.save(update_fields=["on_paper"])
        moved.append(voter)
    if moved:
        audit_record(
            action="appraisals.voters.to_paper",
            actor=handed_by,
            obj=session,
            organization=session.branch_id,
            after={"voters": [v.pk for v in moved]},
        )
    return len(moved)


def find_code(typed: str) -> VotingCode:
    """The code a voter typed or scanned, if it can still vote; else CodeRefused."""
    plain = codes.normalize(typed)
    found = None
    if codes.looks_valid(plain):
        found = (
            VotingCode.objects.select_related("session", "session__branch")
            .filter(code_hash=codes.code_hash(plain))
            .first()
        )
    if found is None:
        raise CodeRefused("unknown")
    if found.session.status != Status.OPEN:
        raise CodeRefused("closed", found.session)
    if found.voided:
        raise CodeRefused("voided", found.session)
    if found.used:
        raise CodeRefused("used", found.session)
    return found


def _store_ballot(
    session: AppraisalSession, marks: Mapping[int, Mark], *, source: str, valid: bool = True
) -> None:
    ballot = Ballot.objects.create(session=session, source=source, is_valid=valid)
    BallotMark.objects.bulk_create(
        BallotMark(ballot=ballot, member_id=member_id, grade=mark.grade, score=mark.score)
        for member_id, mark in marks.items()
    )


def _evaluee_ids(session: AppraisalSession) -> list[int]:
    return list(session.evaluees.order_by("order", "pk").values_list("member_id", flat=True))


def ballot_cast(*, code: str, marks: Mapping[int, tuple[str, object]]) -> AppraisalSession:
    """Cast the ballot of a one-time code: every appraised member graded, the code used once.

    Not audited one by one, on purpose: see `appraisals.models` on anonymity.
    """
    found = find_code(code)
    with transaction.atomic():
        # The session lock orders casts against closing, so a ballot is never left
        # out of the count of a session that closes while it is being cast.
        session = _lock(found.session)
        if session.status != Status.OPEN:
            raise CodeRefused("closed", session)
        checked = check_marks(
            marks, evaluees=_evaluee_ids(session), with_scores=session.with_scores
        )
        # Exactly once: only the transaction whose UPDATE flips the flag stores a ballot.
        claimed = VotingCode.objects.filter(pk=found.pk, used=False, voided=False).update(used=True)
        if claimed != 1:
            raise CodeRefused("used", session)
        _store_ballot(session, checked, source=BallotSource.CODE)
    return session


@transaction.atomic
def code_refusal_record(*, reason: str, session: AppraisalSession | None = None) -> None:
    """Audit a refused code (the client address is taken from the request)."""
    audit_record(
        action="appraisals.code.refused",
        obj=session,
        organization=session.branch_id if session is not None else None,
        after={"reason": reason},
        object_repr="" if session is not None else "voting code",
    )


@transaction.atomic
def code_lockout_record(*, address: str) -> None:
    """Audit that an address was locked out after too many refused codes."""
    audit_record(action="appraisals.code.locked_out", after={"address": address})


@transaction.atomic
def paper_ballot_record(
    *,
    session: AppraisalSession,
    marks: Mapping[int, tuple[str, object]],
    spoiled: bool = False,
    recorded_by: Any,
) -> int:
    """Key in one paper form; never more forms than were handed out. Returns the count keyed."""
    session = _lock_open(session)
    slips = session.voters.filter(on_paper=True).count()
    keyed = session.ballots.filter(source=BallotSource.PAPER).count()
    if keyed >= slips:
        raise DomainError(
            _("All %(count)d paper forms handed out have been keyed in.") % {"count": slips}
        )
    if spoiled:
        _store_ballot(session, {}, source=BallotSource.PAPER, valid=False)
    else:
        checked = check_marks(
            marks, evaluees=_evaluee_ids(session), with_scores=session.with_scores
        )
        _store_ballot(session, checked, source=BallotSource.PAPER)
    audit_record(
        action="appraisals.paper_ballot.recorded",
        actor=recorded_by,
        obj=session,
        organization=session.branch_id,
        after={"paper_ballots": keyed + 1, "slips": slips, "spoiled": spoiled},
    )
    return keyed + 1


def mark_rows(session: AppraisalSession) -> list[MarkRow]:
    rows = (
        BallotMark.objects.filter(ballot__session=session, ballot__is_valid=True)
        .values("member_id", "grade")
        .annotate(
            count=Count("id"),
            scored=Count("score"),
            score_sum=Coalesce(
                Sum("score"), Value(Decimal(0)), output_field=DecimalField(decimal_places=1)
            ),
        )
        .order_by()
    )
    return [
        MarkRow(
            member_id=row["member_id"],
            grade=row["grade"],
            count=row["count"],
            scored=row["scored"],
            score_sum=Decimal(row["score_sum"]),
        )
        for row in rows
    ]


@transaction.atomic
def session_close(*, session: AppraisalSession, closed_by: Any) -> AppraisalSession:
    """Close the vote: each member's session score (mean of valid ballots) goes to the ledger."""
    session = _lock(session)
    if session.status == Status.CLOSED:
        raise DomainError(
            _("This session is already closed. A closed session cannot be reopened; annul it.")
        )
    if session.status == Status.ANNULLED:
        raise DomainError(_("This appraisal session has been annulled."))
    evaluees = list(session.evaluees.select_related("member").order_by("order", "pk"))
    results = session_results(
        mark_rows(session), evaluees=[e.member_id for e in evaluees], values=session.values
    )
    if not any(result.ballots for result in results.values()):
        raise DomainError(_("No valid ballot has been cast; the session cannot be closed."))
    for evaluee in evaluees:
        result = results[evaluee.member_id]
        evaluee.score = result.score
        evaluee.grade = result.grade or ""
        (
            evaluee.votes_excellent,
            evaluee.votes_qualified,
            evaluee.votes_basic,
            evaluee.votes_unqualified,
        ) = (result.votes[g] for g in ORDER)
    Evaluee.objects.bulk_update(
        evaluees,
        [
            "score",
            "grade",
            "votes_excellent",
            "votes_qualified",
            "votes_basic",
            "votes_unqualified",
        ],
    )
    session.status = Status.CLOSED
    session.closed_at = timezone.now()
    session.closed_by = _actor(closed_by)
    session.save(update_fields=["status", "closed_at", "closed_by"])
    reason = _("Democratic appraisal, %(half)s") % {"half": session.half_year}
    for evaluee in evaluees:
        entry_post(
            member=evaluee.member,
            year=session.year,
            month=session.ledger_month,
            points=evaluee.score,
            source=Source.APPRAISAL,
            kind=Kind.APPRAISAL,
            source_ref=session.source_ref,
            recorded_by=closed_by,
            reason=reason,
        )
    codes_qs = session.codes.filter(voided=False)
    audit_record(
        action="appraisals.session.closed",
        actor=closed_by,
        obj=session,
        organization=session.branch_id,
        after={
            "codes_issued": codes_qs.count(),
            "codes_used": codes_qs.filter(used=True).count(),
            "ballots_by_code": session.ballots.filter(source=BallotSource.CODE).count(),
            "ballots_on_paper": session.ballots.filter(source=BallotSource.PAPER).count(),
            "spoiled": session.ballots.filter(is_valid=False).count(),
            "scores": {e.member_id: e.score for e in evaluees},
            "distribution": distribution(r.grade for r in results.values()),
        },
    )
    return session


@transaction.atomic
def session_annul(*, session: AppraisalSession, reason: str, annulled_by: Any) -> AppraisalSession:
    """Annul a wrong session; a closed one's ledger entries are reversed with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for annulling the session."))
    session = _lock(session)
    if session.status == Status.ANNULLED:
        raise DomainError(_("This appraisal session has already been annulled."))
    before = snapshot(session)
    if session.status == Status.CLOSED:
        entries = Entry.objects.filter(
            branch_id=session.branch_id,
            source=Source.APPRAISAL,
            source_ref=session.source_ref,
            reverses__isnull=True,
            reversed_by__isnull=True,
        )
        for entry in entries:
            entry_reverse(entry=entry, reason=reason, recorded_by=annulled_by)
    session.status = Status.ANNULLED
    session.annulled_at = timezone.now()
    session.annulled_by = _actor(annulled_by)
    session.annul_reason = reason[:500]
    session.save(update_fields=["status", "annulled_at", "annulled_by", "annul_reason"])
    audit_record(
        action="appraisals.session.annulled",
        actor=annulled_by,
        obj=session,
        organization=session.branch_id,
        before=before,
        after=snapshot(session),
    )
    return session
