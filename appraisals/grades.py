"""The four grades of the appraisal and the arithmetic of a session, without the database.

Plan 一(三)3: 优秀 (90–100), 合格 (80–89), 基本合格 (60–79), 不合格 (below 60). A ballot
gives every appraised member a grade and, in score mode, optionally a score inside the
grade's range; a grade alone counts as the grade's value set for the session
(DESIGN.md §2: 95 / 85 / 70 / 50 unless the branch changes them). The session score is
the mean over the valid ballots, rounded half up to one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.numbers import NotOnePlace, one_place
from scoring.engine import round1


class Grade(models.TextChoices):
    EXCELLENT = "excellent", gettext_lazy("Excellent")
    QUALIFIED = "qualified", gettext_lazy("Qualified")
    BASIC = "basic", gettext_lazy("Basically qualified")
    UNQUALIFIED = "unqualified", gettext_lazy("Unqualified")


ORDER = (Grade.EXCELLENT, Grade.QUALIFIED, Grade.BASIC, Grade.UNQUALIFIED)

# The lowest score of each grade; a grade runs up to (not including) the next one's floor.
FLOOR = {
    Grade.EXCELLENT: Decimal("90"),
    Grade.QUALIFIED: Decimal("80"),
    Grade.BASIC: Decimal("60"),
    Grade.UNQUALIFIED: Decimal("0"),
}
CEILING = {
    Grade.EXCELLENT: Decimal("100"),
    Grade.QUALIFIED: Decimal("89.9"),
    Grade.BASIC: Decimal("79.9"),
    Grade.UNQUALIFIED: Decimal("59.9"),
}
DEFAULT_VALUES: dict[str, Decimal] = {
    Grade.EXCELLENT: Decimal("95"),
    Grade.QUALIFIED: Decimal("85"),
    Grade.BASIC: Decimal("70"),
    Grade.UNQUALIFIED: Decimal("50"),
}
# The plan's own words for the grades, used on the official forms.
FORM_NAMES: dict[str, str] = {
    Grade.EXCELLENT: "优秀",
    Grade.QUALIFIED: "合格",
    Grade.BASIC: "基本合格",
    Grade.UNQUALIFIED: "不合格",
}
# The headings of attachment 3 as the plan prints them, in full-width punctuation.
FORM_HEADINGS: dict[str, str] = {
    Grade.EXCELLENT: "优 秀\n（90分-100分）",
    Grade.QUALIFIED: "合 格\n（80分-89分）",
    Grade.BASIC: "基本合格\n（60分-79分）",
    Grade.UNQUALIFIED: "不 合 格\n（60分以下）",
}


def grade_for(score: Decimal) -> Grade:
    for grade in ORDER:
        if score >= FLOOR[grade]:
            return grade
    return Grade.UNQUALIFIED


def range_text(grade: str) -> str:
    if grade == Grade.UNQUALIFIED:
        return _("below 60")
    return f"{FLOOR[Grade(grade)]}–{CEILING[Grade(grade)]}"


def in_range(grade: str, score: Decimal) -> bool:
    return FLOOR[Grade(grade)] <= score <= CEILING[Grade(grade)]


def parse_score(raw: object) -> Decimal:
    """A score with at most one decimal place, or a DomainError."""
    try:
        return one_place(raw)
    except NotOnePlace as refused:
        if refused.reason == "places":
            raise DomainError(_("A score has at most one decimal place.")) from None
        raise DomainError(_("Enter the score as a number, e.g. 92 or 92.5.")) from None


def check_values(values: Mapping[str, Decimal]) -> None:
    """Each grade's value must lie inside the grade's own range."""
    for grade in ORDER:
        value = values.get(grade)
        if value is None or not in_range(grade, value):
            raise DomainError(
                _("The value of “%(grade)s” must lie within %(range)s.")
                % {"grade": grade.label, "range": range_text(grade)}
            )


class BallotInvalid(DomainError):
    """A ballot that cannot be counted; `errors` maps a member id to what is wrong with it."""

    def __init__(self, message: str, errors: Mapping[int, str] | None = None) -> None:
        super().__init__(message)
        self.errors = dict(errors or {})


@dataclass(frozen=True)
class Mark:
    grade: Grade
    score: Decimal | None = None


def check_marks(
    raw: Mapping[int, tuple[str, object]], *, evaluees: Sequence[int], with_scores: bool
) -> dict[int, Mark]:
    """Validate one ballot: a grade for every appraised member, scores inside their grade.

    `raw` maps a member id to (grade, score as typed); the score is ignored in grade mode.
    """
    unknown = set(raw) - set(evaluees)
    if unknown:
        raise BallotInvalid(_("The ballot names someone who is not appraised in this session."))
    marks: dict[int, Mark] = {}
    errors: dict[int, str] = {}
    for member_id in evaluees:
        grade_value, raw_score = raw.get(member_id, ("", None))
        if grade_value not in Grade.values:
            errors[member_id] = _("Choose a grade.")
            continue
        grade = Grade(grade_value)
        score = None
        if with_scores and raw_score not in (None, ""):
            try:
                score = parse_score(raw_score)
            except DomainError as exc:
                errors[member_id] = exc.message
                continue
            if not in_range(grade, score):
                errors[member_id] = _("A score for “%(grade)s” lies within %(range)s.") % {
                    "grade": grade.label,
                    "range": range_text(grade),
                }
                continue
        marks[member_id] = Mark(grade, score)
    if errors:
        raise BallotInvalid(
            _("The ballot is incomplete or has a wrong score: %(count)d member(s) to correct.")
            % {"count": len(errors)},
            errors,
        )
    return marks


@dataclass(frozen=True)
class MarkRow:
    """Marks of one member with one grade, summed over the valid ballots."""

    member_id: int
    grade: str
    count: int  # ballots giving this grade
    scored: int  # of which carried a score
    score_sum: Decimal  # the sum of those scores


@dataclass
class EvalueeResult:
    member_id: int
    ballots: int = 0
    score: Decimal | None = None
    grade: Grade | None = None
    votes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Grade.values, 0))


def session_results(
    rows: Iterable[MarkRow], *, evaluees: Sequence[int], values: Mapping[str, Decimal]
) -> dict[int, EvalueeResult]:
    """Each member's session score (mean of the ballots), grade and votes per grade."""
    results = {member_id: EvalueeResult(member_id) for member_id in evaluees}
    totals: dict[int, Decimal] = dict.fromkeys(evaluees, Decimal(0))
    for row in rows:
        result = results.get(row.member_id)
        if result is None:
            continue
        result.votes[row.grade] += row.count
        result.ballots += row.count
        unscored = row.count - row.scored
        totals[row.member_id] += row.score_sum + unscored * values[row.grade]
    for member_id, result in results.items():
        if result.ballots:
            result.score = round1(totals[member_id] / result.ballots)
            result.grade = grade_for(result.score)
    return results


def distribution(grades: Iterable[str | None]) -> dict[str, int]:
    """How many members reached each grade."""
    counts = dict.fromkeys(Grade.values, 0)
    for grade in grades:
        if grade:
            counts[grade] += 1
    return counts
