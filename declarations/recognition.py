"""认定: the assessment group takes up, returns or decides a declaration (plan §1.3 step 2).

These are services like those in `services.py`. A decision turns every recognised
line into a ledger entry in the declaration's month, within the item's rules and
caps; nobody decides their own declaration; of two reviewers acting at once exactly
one succeeds (the conditional UPDATE in `services.advance`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.locks import ROW_LOCK
from ledger import caps
from ledger.services import entry_post, to_points
from notifications.models import Notification
from notifications.services import notify
from organizations.models import Member
from organizations.permissions import is_own_member, may_act_on_points
from rules.models import Item, Section
from rules.points import item_maximum, points_spec, within_rules
from scoring import engine

from .models import WAITING, Declaration, DeclarationLine, EvidenceFile
from .services import _audit, advance, month_label, restored_on_failure, scheme_of

Status = Declaration.Status
Outcome = DeclarationLine.Outcome
RECOGNISE, PARTLY, REJECT = "recognise", "partly", "reject"


class DecisionInvalid(DomainError):
    """Some lines cannot be decided as given; `errors` maps line pk -> message."""

    def __init__(self, message: str, errors: dict[int, str]) -> None:
        super().__init__(message)
        self.errors = errors


class CapsNeedConfirmation(DomainError):
    """The caps leave less than given on some lines; the reviewer confirms the reduced values."""

    def __init__(self, message: str, shortfalls: dict[int, caps.Shortfall]) -> None:
        super().__init__(message)
        self.shortfalls = shortfalls


@dataclass
class LineDecision:
    line: DeclarationLine
    action: str  # RECOGNISE, PARTLY or REJECT
    item: Item | None = None
    points: Any = None
    reason: str = ""
    confirm_reduced: bool = False
    # worked out by the service
    value: Decimal | None = field(default=None, init=False)


def check_reviewer(declaration: Declaration, reviewer: Any) -> None:
    if is_own_member(reviewer, declaration.member):
        raise DomainError(_("Nobody reviews their own declaration."))
    if not may_act_on_points(reviewer, declaration.member):
        raise DomainError(_("Only the branch's assessment group can review declarations."))


def _check_waiting(declaration: Declaration) -> None:
    if declaration.status not in WAITING:
        raise DomainError(
            _("This declaration is %(status)s; there is nothing to review.")
            % {"status": declaration.get_status_display()}
        )


@transaction.atomic
def declaration_review_start(
    *, declaration: Declaration, version: int, reviewer: Any
) -> Declaration:
    """A reviewer takes the declaration up; from now on the member cannot withdraw it."""
    check_reviewer(declaration, reviewer)
    if declaration.status != Status.SUBMITTED:
        raise DomainError(_("Only a submitted declaration can be taken up for review."))
    before = advance(
        declaration,
        version=version,
        allowed=[Status.SUBMITTED],
        status=Status.UNDER_REVIEW,
        review_started_by=reviewer,
    )
    _audit("review_started", declaration, reviewer, before)
    return declaration


def _tell_member(declaration: Declaration, kind: str, title: str) -> None:
    if declaration.member.user_id is None:
        return
    notify(
        user=declaration.member.user,
        kind=kind,
        title=title,
        url=reverse("declarations:detail", kwargs={"pk": declaration.pk}),
        dedupe_key=f"declaration:{declaration.pk}:{kind}:{declaration.version}",
    )


@transaction.atomic
def declaration_return(
    *, declaration: Declaration, version: int, reason: str, reviewer: Any
) -> Declaration:
    """Send the whole declaration back to the member for more information, with a reason."""
    check_reviewer(declaration, reviewer)
    _check_waiting(declaration)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say what more information is needed."))
    before = advance(
        declaration,
        version=version,
        allowed=WAITING,
        status=Status.RETURNED,
        return_reason=reason[:500],
    )
    _audit("returned", declaration, reviewer, before, return_reason=reason[:500])
    _tell_member(
        declaration,
        Notification.Kind.DECLARATION_RETURNED,
        _("Your declaration for %(month)s has been returned: %(reason)s")
        % {"month": month_label(declaration), "reason": reason[:120]},
    )
    return declaration


def rule_text(item: Item) -> str:
    return points_spec(item)


def _validate(decision: LineDecision, scheme_id: int) -> str | None:
    """The error of one line's decision, or None; sets decision.value."""
    decision.reason = (decision.reason or "").strip()[:500]
    if decision.action == REJECT:
        return None if decision.reason else _("Give the reason for rejecting this line.")
    if decision.action not in (RECOGNISE, PARTLY):
        return _("Choose what to do with this line.")
    item = decision.item
    if item is None:
        return _("Choose the item the points are recognised under.")
    if item.scheme_id != scheme_id or item.section != Section.DEDICATION or item.is_retired:
        return _("Choose a dedication item of the branch's scheme for the year.")
    try:
        value = to_points(decision.points)
    except DomainError as exc:
        return exc.message
    maximum = item_maximum(item)
    if decision.action == RECOGNISE:
        if not within_rules(item, value):
            return _("%(points)s points are outside the rules of %(item)s (%(rule)s).") % {
                "points": value,
                "item": item.name,
                "rule": rule_text(item),
            }
    else:
        if value <= 0 or (maximum is not None and value >= maximum):
            return _(
                "Recognised in part means fewer points than the item gives in full "
                "(%(rule)s) and more than zero."
            ) % {"rule": rule_text(item)}
        if not decision.reason:
            return _("Give the reason for recognising this line only in part.")
    decision.value = value
    return None


def _evidence_note(evidence: list[EvidenceFile], line: DeclarationLine) -> str:
    files = [f for f in evidence if f.line_id in (None, line.pk)]
    return "; ".join(f"{f.original_name} (sha256:{f.sha256[:12]})" for f in files)[:1000]


def _entry_reason(line: DeclarationLine) -> str:
    text = " ".join(line.description.split())[:200]
    return f"{text} — {line.reason}" if line.reason else text


def declaration_decide(
    *,
    declaration: Declaration,
    version: int,
    decisions: list[LineDecision],
    reviewer: Any,
) -> Declaration:
    """Decide every line: recognise (points within the item's rules and caps), recognise
    in part, or reject; recognised points land on the card in the declaration's month."""
    with restored_on_failure(declaration), transaction.atomic():
        return _decide(declaration, version, decisions, reviewer)


def _decide(
    declaration: Declaration, version: int, decisions: list[LineDecision], reviewer: Any
) -> Declaration:
    check_reviewer(declaration, reviewer)
    _check_waiting(declaration)
    lines = list(declaration.lines.select_related("suggested_item"))
    by_line = {d.line.pk: d for d in decisions}
    if set(by_line) != {line.pk for line in lines} or not lines:
        raise DomainError(_("Decide every line of the declaration."))
    scheme = scheme_of(declaration)
    errors = {}
    for line in lines:
        error = _validate(by_line[line.pk], scheme.pk)
        if error:
            errors[line.pk] = error
    if errors:
        raise DecisionInvalid(_("Some lines cannot be decided as given; see below."), errors)

    # Two decisions on the same member's declarations would otherwise both see the
    # same room under the caps (PostgreSQL; SQLite's writers queue anyway).
    Member.objects.select_for_update(**ROW_LOCK).filter(pk=declaration.member_id).first()
    before = advance(declaration, version=version, allowed=WAITING)
    rules = caps.scheme_rules(scheme, scheme.items.all())
    entries = caps.member_year_entries(declaration.member, declaration.year, rules)
    shortfalls = {}
    for line in lines:
        decision = by_line[line.pk]
        if decision.action == REJECT or decision.value is None or decision.item is None:
            continue
        short = caps.shortfall(
            rules, entries, item=decision.item, month=declaration.month, asked=decision.value
        )
        if short is not None:
            if not decision.confirm_reduced:
                shortfalls[line.pk] = short
                continue
            decision.value = short.room
            decision.reason = f"{short.explanation} {decision.reason}".strip()[:500]
            decision.action = PARTLY if short.room > 0 else REJECT
        if decision.action != REJECT:
            entries.append(
                engine.Entry(
                    member_id=declaration.member_id,
                    month=declaration.month,
                    section="dedication",
                    points=decision.value,
                    item_id=decision.item.pk,
                )
            )
    if shortfalls:
        raise CapsNeedConfirmation(
            _("The caps leave less than given on some lines; confirm the reduced points."),
            shortfalls,
        )
    outcomes = _apply(declaration, lines, by_line, reviewer)
    if all(o == Outcome.RECOGNISED for o in outcomes):
        status = Status.RECOGNISED
    elif all(o == Outcome.REJECTED for o in outcomes):
        status = Status.REJECTED
    else:
        status = Status.PARTLY_RECOGNISED
    now = timezone.now()
    Declaration.objects.filter(pk=declaration.pk).update(
        status=status, decided_by=reviewer, decided_at=now, updated_at=now
    )
    declaration.status, declaration.decided_by, declaration.decided_at = status, reviewer, now
    _audit(
        "decided",
        declaration,
        reviewer,
        before,
        lines=[
            {
                "line": line.pk,
                "outcome": line.outcome,
                "item": line.item_id,
                "points": line.points,
                "reason": line.reason,
                "entry": line.entry_id,
            }
            for line in lines
        ],
    )
    total = sum((line.points or Decimal(0) for line in lines), Decimal(0))
    _tell_member(
        declaration,
        Notification.Kind.DECLARATION_DECIDED,
        _("Your declaration for %(month)s has been decided: %(status)s, %(points)s points.")
        % {
            "month": month_label(declaration),
            "status": declaration.get_status_display(),
            "points": total,
        },
    )
    return declaration


def _apply(
    declaration: Declaration,
    lines: list[DeclarationLine],
    by_line: dict[int, LineDecision],
    reviewer: Any,
) -> list[str]:
    evidence = list(EvidenceFile.objects.filter(declaration=declaration))
    outcomes: list[str] = []
    for line in lines:
        decision = by_line[line.pk]
        line.reason = decision.reason
        if decision.action == REJECT:
            line.outcome, line.item, line.points = Outcome.REJECTED, None, None
        else:
            line.outcome = Outcome.RECOGNISED if decision.action == RECOGNISE else Outcome.PARTLY
            line.item, line.points = decision.item, decision.value
            line.entry = entry_post(
                member=declaration.member,
                year=declaration.year,
                month=declaration.month,
                item=decision.item,
                points=decision.value,
                source="declaration",
                source_ref=f"declaration-line:{line.pk}",
                recorded_by=reviewer,
                reason=_entry_reason(line),
                evidence=_evidence_note(evidence, line),
                partial=line.outcome == Outcome.PARTLY,
            )
        line.save(update_fields=["outcome", "item", "points", "reason", "entry"])
        outcomes.append(line.outcome)
    return outcomes
