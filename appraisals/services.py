"""Writes of the democratic appraisal (plan 一(三)3): sessions, codes, ballots, closing.

Every function here changes state and says so in the audit log, with one deliberate
exception: casting a ballot by code (see `models` for why the design is anonymous).
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, audit_record_counted, snapshot
from core.actors import signed_in
from core.errors import DomainError
from core.locks import ROW_LOCK
from core.periods import HalfYear
from ledger.models import Entry, Kind, Source
from ledger.services import entry_post, entry_reverse
from notifications.models import Notification
from notifications.services import notify_many
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
    DEFAULT_QUORUM,
    AppraisalSession,
    Ballot,
    BallotMark,
    BallotSource,
    CastBy,
    Evaluee,
    Mode,
    Status,
    Voter,
    VotingCode,
)

logger = logging.getLogger(__name__)


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
            "ended": _(
                "Voting in this appraisal session ended on %(date)s. Ask the branch secretary "
                "if it is extended."
            )
            % {
                "date": session.voting_until.isoformat() if session and session.voting_until else ""
            },
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
    quorum_percent: int = DEFAULT_QUORUM,
) -> AppraisalSession:
    """Open the branch's half-yearly appraisal: who is appraised, who votes, how grades count,
    and the quorum (more than half of the members, or a higher share the branch sets)."""
    if not branch.owns_members:
        raise DomainError(_("Only a branch holds an appraisal."))
    if mode not in Mode.values:
        raise DomainError(_("Choose a ballot mode."))
    check_values(values)
    if not DEFAULT_QUORUM <= int(quorum_percent) <= 100:
        raise DomainError(
            _("The quorum is a share between %(low)d and 100 per cent of the members.")
            % {"low": DEFAULT_QUORUM}
        )
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
                opened_by=signed_in(opened_by),
                quorum_percent=int(quorum_percent),
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
        session=session, voter=voter, code_hash=digest, issued_by=signed_in(issued_by)
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
    if voting_ended(found.session):
        raise CodeRefused("ended", found.session)
    if found.voided:
        raise CodeRefused("voided", found.session)
    if found.used:
        raise CodeRefused("used", found.session)
    return found


def _store_ballot(
    session: AppraisalSession,
    marks: Mapping[int, Mark],
    *,
    source: str,
    valid: bool = True,
    cast_by: str = "",
) -> None:
    ballot = Ballot.objects.create(session=session, source=source, is_valid=valid, cast_by=cast_by)
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
def code_refusal_record(
    *, reason: str, session: AppraisalSession | None = None, address: str = "unknown"
) -> None:
    """Audit a refused code, counted per client address (the 1st, 10th, 100th … in an
    hour: anyone can send refused codes by the thousand); the code itself never."""
    audit_record_counted(
        action="appraisals.code.refused",
        client=address,
        obj=session,
        organization=session.branch_id if session is not None else None,
        after={"reason": reason},
        object_repr="" if session is not None else "voting code",
    )


@transaction.atomic
def code_lockout_record(*, address: str) -> None:
    """Audit that an address was locked out after too many refused codes."""
    audit_record(action="appraisals.code.locked_out", after={"address": address})


def paper_kinds(session: AppraisalSession) -> list[str]:
    """Whose paper forms the session handed out: members', representatives' or both."""
    kinds: list[str] = []
    paper = session.voters.filter(on_paper=True)
    if paper.filter(member__isnull=False).exists():
        kinds.append(CastBy.MEMBER)
    if paper.filter(representative__isnull=False).exists():
        kinds.append(CastBy.REPRESENTATIVE)
    return kinds


def _cast_by(session: AppraisalSession, cast_by: str) -> str:
    kinds = paper_kinds(session)
    if len(kinds) == 1:
        return kinds[0]
    if cast_by not in kinds:
        raise DomainError(
            _("Say whether the form is a party member's or a public representative's.")
        )
    return cast_by


@transaction.atomic
def paper_ballot_record(
    *,
    session: AppraisalSession,
    marks: Mapping[int, tuple[str, object]],
    spoiled: bool = False,
    cast_by: str = "",
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
    whose = _cast_by(session, cast_by)
    if spoiled:
        _store_ballot(session, {}, source=BallotSource.PAPER, valid=False, cast_by=whose)
    else:
        checked = check_marks(
            marks, evaluees=_evaluee_ids(session), with_scores=session.with_scores
        )
        _store_ballot(session, checked, source=BallotSource.PAPER, cast_by=whose)
    audit_record(
        action="appraisals.paper_ballot.recorded",
        actor=recorded_by,
        obj=session,
        organization=session.branch_id,
        after={"paper_ballots": keyed + 1, "slips": slips, "spoiled": spoiled, "cast_by": whose},
    )
    return keyed + 1


@transaction.atomic
def paper_ballot_unspoil(*, session: AppraisalSession, recorded_by: Any) -> int:
    """Put back a paper form recorded as spoiled by mistake, while the vote is open: the
    record goes, and the form can be keyed in again. Returns the spoiled forms left."""
    session = _lock_open(session)
    spoiled = session.ballots.filter(source=BallotSource.PAPER, is_valid=False)
    ballot = spoiled.first()
    if ballot is None:
        raise DomainError(_("No paper form of this session is recorded as spoiled."))
    # A spoiled form has no marks: removing it changes no one's result, only the count.
    ballot.delete()
    left = spoiled.count()
    audit_record(
        action="appraisals.paper_ballot.unspoiled",
        actor=recorded_by,
        obj=session,
        organization=session.branch_id,
        after={"spoiled_left": left, "cast_by": ballot.cast_by},
    )
    return left


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


class QuorumNotMet(DomainError):
    """Too few members have voted for the session to close; `counts` says how many."""

    def __init__(self, message: str, counts: Any) -> None:
        super().__init__(message)
        self.counts = counts


def voting_ended(session: AppraisalSession) -> bool:
    return session.voting_until is not None and timezone.localdate() > session.voting_until


def _check_quorum(session: AppraisalSession) -> Any:
    from .selectors import counts  # the read model of the same app

    turnout = counts(session)
    if not turnout.quorum_met:
        raise QuorumNotMet(
            _(
                "Only %(voted)d of the %(members)d members taking part have voted; the session "
                "closes when more than %(percent)d%% have, at least %(needed)d. Public "
                "representatives' votes (%(representatives)d) count apart. The secretary may "
                "extend the vote."
            )
            % {
                "voted": turnout.member_votes,
                "members": turnout.members_taking_part,
                "percent": turnout.quorum_percent,
                "needed": turnout.quorum_needed,
                "representatives": turnout.representative_votes,
            },
            turnout,
        )
    return turnout


def _shuffle_ballots(session: AppraisalSession) -> None:
    """Store the session's ballots again in a random order under new keys, so that neither
    their order in the table nor their transaction (PostgreSQL's xmin, shared with the
    code each was cast with) links them to a code and so to a voter."""
    ballots = list(session.ballots.values("source", "is_valid", "cast_by", "id"))
    marks: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for ballot_id, member_id, grade, score in BallotMark.objects.filter(
        ballot__session=session
    ).values_list("ballot_id", "member_id", "grade", "score"):
        marks[ballot_id].append({"member_id": member_id, "grade": grade, "score": score})
    secrets.SystemRandom().shuffle(ballots)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Freed pages are overwritten with zeros rather than left for a reader.
            cursor.execute("PRAGMA secure_delete = ON")
    BallotMark.objects.filter(ballot__session=session).delete()
    Ballot.objects.filter(session=session).delete()
    new_ballots, new_marks = [], []
    for row in ballots:
        ballot = Ballot(
            id=uuid.uuid4(),
            session=session,
            source=row["source"],
            is_valid=row["is_valid"],
            cast_by=row["cast_by"],
        )
        new_ballots.append(ballot)
        new_marks += [BallotMark(id=uuid.uuid4(), ballot=ballot, **m) for m in marks[row["id"]]]
    Ballot.objects.bulk_create(new_ballots)
    BallotMark.objects.bulk_create(new_marks)
    if connection.vendor == "postgresql":
        transaction.on_commit(_vacuum_ballots)


def _vacuum_ballots() -> None:
    """Remove the ballots' old row versions at once (VACUUM needs no transaction)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM appraisals_ballot, appraisals_ballotmark")
    except Exception:  # autovacuum removes them later anyway
        logger.warning("could not vacuum the ballot tables after closing a session")


@transaction.atomic
def session_close(*, session: AppraisalSession, closed_by: Any) -> AppraisalSession:
    """Close the vote once more than the quorum's share of the members taking part have
    voted: each member's session score (mean of valid ballots) goes to the ledger."""
    session = _lock(session)
    if session.status == Status.CLOSED:
        raise DomainError(
            _("This session is already closed. A closed session cannot be reopened; annul it.")
        )
    if session.status == Status.ANNULLED:
        raise DomainError(_("This appraisal session has been annulled."))
    turnout = _check_quorum(session)
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
    session.closed_by = signed_in(closed_by)
    session.members_taking_part = turnout.members_taking_part
    session.save(update_fields=["status", "closed_at", "closed_by", "members_taking_part"])
    _shuffle_ballots(session)
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
            "member_votes": turnout.member_votes,
            "representative_votes": turnout.representative_votes,
            "members_taking_part": turnout.members_taking_part,
            "quorum_percent": turnout.quorum_percent,
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
    annuller_id = getattr(annulled_by, "pk", None)
    if (
        session.status == Status.CLOSED
        and annuller_id is not None
        and session.evaluees.filter(member__user_id=annuller_id).exists()
    ):
        raise DomainError(
            _(
                "You were appraised in this session: annulling its result is for the general "
                "branch or the party committee."
            )
        )
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
    session.annulled_by = signed_in(annulled_by)
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


@transaction.atomic
def session_extend(*, session: AppraisalSession, until: date, extended_by: Any) -> AppraisalSession:
    """Keep the vote open until a later day when too few members have voted; the members
    who have not voted yet are told."""
    session = _lock_open(session)
    today = timezone.localdate()
    if not isinstance(until, date) or until < today:
        raise DomainError(_("Extend the vote to today or a later day."))
    if session.voting_until is not None and until <= session.voting_until:
        raise DomainError(
            _("The vote is already open until %(date)s.")
            % {"date": session.voting_until.isoformat()}
        )
    before = snapshot(session, ["voting_until"])
    session.voting_until = until
    session.save(update_fields=["voting_until"])
    audit_record(
        action="appraisals.session.extended",
        actor=extended_by,
        obj=session,
        organization=session.branch_id,
        before=before,
        after=snapshot(session, ["voting_until"]),
    )
    waiting = (
        session.voters.filter(member__user__isnull=False, on_paper=False)
        .exclude(codes__used=True)
        .select_related("member__user")
    )
    notify_many(
        users=[voter.member.user for voter in waiting if voter.member is not None],
        kind=Notification.Kind.OTHER,
        title=_("The democratic appraisal of %(half)s is open for your vote until %(date)s.")
        % {"half": session.half_year, "date": until.isoformat()},
        url=reverse("appraisals:vote_start"),
        dedupe_key=f"appraisal:{session.pk}:extended:{until.isoformat()}",
    )
    return session
