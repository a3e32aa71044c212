"""评议: the half-yearly democratic appraisal (plan 一(三)3, attachment 3).

Why a cast ballot cannot be traced back to its voter
----------------------------------------------------
A voter is handed a one-time code (`VotingCode`, which knows its voter so the
secretary can void and reissue it). Casting stores a `Ballot` and its `BallotMark`
rows and, in the same transaction, flips the code's `used` flag. Nothing joins the
two sides:

* a ballot has no foreign key to a code or voter, and a code none to a ballot;
* ballots and marks carry no time at all (a time of use would re-link them to the
  code's use), and a code records when it was issued, never when it was used;
* ballots and marks have random UUID keys, so their keys reveal no order;
* casting writes no audit row (an audit row has a time, a client address and a
  sequence that follows the order of casting); failures and every other change
  are audited, and closing records how many codes were used and ballots counted.

What remains outside the application's reach is said plainly: someone watching the
database server's statements or the web server's access log while people vote can
see which request did what. The stored data alone cannot answer "how did X vote".
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.periods import HalfYear
from organizations.models import Member, Organization, PublicRepresentative

from .grades import DEFAULT_VALUES, Grade

# A branch members' meeting needs more than half of the members (党员大会 quorum).
DEFAULT_QUORUM = 50


class Mode(models.TextChoices):
    GRADE = "grade", _("grade only")
    SCORE = "score", _("grade and score within the grade")


class Status(models.TextChoices):
    OPEN = "open", _("open for voting")
    CLOSED = "closed", _("closed")
    ANNULLED = "annulled", _("annulled")


def _value_field(label: Any, grade: Grade) -> models.DecimalField:
    return models.DecimalField(label, max_digits=4, decimal_places=1, default=DEFAULT_VALUES[grade])


class AppraisalSession(models.Model):
    """One appraisal meeting of a branch for a half year."""

    branch = models.ForeignKey(
        Organization,
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        related_name="appraisal_sessions",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(
        _("half year"), choices=[(1, _("first half")), (2, _("second half"))]
    )
    held_on = models.DateField(_("date of the meeting"))
    mode = models.CharField(_("ballot mode"), max_length=10, choices=Mode.choices)
    value_excellent = _value_field(_("value of Excellent"), Grade.EXCELLENT)
    value_qualified = _value_field(_("value of Qualified"), Grade.QUALIFIED)
    value_basic = _value_field(_("value of Basically qualified"), Grade.BASIC)
    value_unqualified = _value_field(_("value of Unqualified"), Grade.UNQUALIFIED)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    annulled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("annulled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    annulled_at = models.DateTimeField(_("annulled at"), null=True, blank=True)
    annul_reason = models.CharField(_("reason for annulling"), max_length=500, blank=True)
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (per cent of the members)"),
        default=DEFAULT_QUORUM,
        validators=[MinValueValidator(DEFAULT_QUORUM), MaxValueValidator(100)],
        help_text=_(
            "More than this share of the members taking part in the year must vote before "
            "the session can close (at least half, as for a branch members' meeting)."
        ),
    )
    voting_until = models.DateField(_("voting open until"), null=True, blank=True)
    # The members taking part in the year when the session closed: the turnout's base.
    members_taking_part = models.PositiveIntegerField(
        _("members taking part"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("appraisal session")
        verbose_name_plural = _("appraisal sessions")
        ordering = ["-year", "-half", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "year", "half"],
                condition=~models.Q(status="annulled"),
                name="one_appraisal_per_branch_half",
            )
        ]

    def __str__(self) -> str:
        return f"{self.branch} {self.half_year}"

    @property
    def half_year(self) -> HalfYear:
        return HalfYear(self.year, self.half)

    @property
    def ledger_month(self) -> int:
        """Appraisal points land in the last month of the half."""
        return self.half_year.months[-1]

    @property
    def source_ref(self) -> str:
        return f"appraisal:{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    @property
    def with_scores(self) -> bool:
        return self.mode == Mode.SCORE

    @property
    def values(self) -> dict[str, Decimal]:
        return {
            Grade.EXCELLENT: self.value_excellent,
            Grade.QUALIFIED: self.value_qualified,
            Grade.BASIC: self.value_basic,
            Grade.UNQUALIFIED: self.value_unqualified,
        }


class Evaluee(models.Model):
    """A member appraised in the session; the result is filled in when it closes."""

    session = models.ForeignKey(
        AppraisalSession,
        verbose_name=_("appraisal session"),
        on_delete=models.CASCADE,
        related_name="evaluees",
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    score = models.DecimalField(
        _("session score"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices, blank=True)
    votes_excellent = models.PositiveIntegerField(_("votes Excellent"), default=0)
    votes_qualified = models.PositiveIntegerField(_("votes Qualified"), default=0)
    votes_basic = models.PositiveIntegerField(_("votes Basically qualified"), default=0)
    votes_unqualified = models.PositiveIntegerField(_("votes Unqualified"), default=0)

    class Meta:
        verbose_name = _("appraised member")
        verbose_name_plural = _("appraised members")
        ordering = ["session", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="evaluee_once_per_session")
        ]

    def __str__(self) -> str:
        return str(self.member)

    @property
    def votes(self) -> list[int]:
        """Votes per grade in the order of attachment 3."""
        return [
            self.votes_excellent,
            self.votes_qualified,
            self.votes_basic,
            self.votes_unqualified,
        ]


class Voter(models.Model):
    """Someone entitled to one ballot: a member of the branch or a public representative."""

    session = models.ForeignKey(
        AppraisalSession,
        verbose_name=_("appraisal session"),
        on_delete=models.CASCADE,
        related_name="voters",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    representative = models.ForeignKey(
        PublicRepresentative,
        verbose_name=_("public representative"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=50)
    on_paper = models.BooleanField(
        _("votes on paper"),
        default=False,
        help_text=_("Handed a paper form instead of a voting code."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        ordering = ["session", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=models.Q(member__isnull=False),
                name="member_votes_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["session", "representative"],
                condition=models.Q(representative__isnull=False),
                name="representative_votes_once_per_session",
            ),
            models.CheckConstraint(
                condition=models.Q(member__isnull=True, representative__isnull=False)
                | models.Q(member__isnull=False, representative__isnull=True),
                name="voter_is_member_or_representative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_representative(self) -> bool:
        return self.representative_id is not None


class VotingCode(models.Model):
    """A one-time code handed to a voter; only its keyed hash is stored.

    `used` is flipped in the transaction that stores the ballot; there is no link
    from here to the ballot, and no time of use (see the module docstring).
    """

    session = models.ForeignKey(
        AppraisalSession,
        verbose_name=_("appraisal session"),
        on_delete=models.CASCADE,
        related_name="codes",
    )
    voter = models.ForeignKey(
        Voter, verbose_name=_("voter"), on_delete=models.CASCADE, related_name="codes"
    )
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True)
    used = models.BooleanField(_("used"), default=False)
    voided = models.BooleanField(_("voided"), default=False)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("voting code")
        verbose_name_plural = _("voting codes")
        indexes = [models.Index(fields=["session", "voided", "used"])]

    def __str__(self) -> str:
        return f"{self.voter} #{self.pk}"


class BallotSource(models.TextChoices):
    CODE = "code", _("voting code")
    PAPER = "paper", _("paper form")


class CastBy(models.TextChoices):
    MEMBER = "member", _("party member")
    REPRESENTATIVE = "representative", _("public representative")


class Ballot(models.Model):
    """One cast ballot. Deliberately no voter, no code, no time and no sequential key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(
        AppraisalSession,
        verbose_name=_("appraisal session"),
        on_delete=models.PROTECT,
        related_name="ballots",
    )
    source = models.CharField(_("cast by"), max_length=10, choices=BallotSource.choices)
    is_valid = models.BooleanField(
        _("valid"), default=True, help_text=_("Cleared for a spoiled paper form.")
    )
    # Paper forms only: whose form it was, for the turnout (a code's voter says it for
    # ballots cast by code; nothing is stored on those).
    cast_by = models.CharField(_("whose form"), max_length=20, choices=CastBy.choices, blank=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self) -> str:
        return str(self.pk)


class BallotMark(models.Model):
    """The grade (and optional score) one ballot gives one appraised member."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(
        Ballot, verbose_name=_("ballot"), on_delete=models.PROTECT, related_name="marks"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices)
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = _("ballot mark")
        verbose_name_plural = _("ballot marks")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "member"], name="one_mark_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.grade}"
