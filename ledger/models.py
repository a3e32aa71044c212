"""The points ledger: append-only entries, vetoes and closed periods.

No code path updates or deletes an Entry; a correction is a reversing entry.
On PostgreSQL a trigger refuses UPDATE and DELETE on the table as well.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import Member, Organization
from rules.models import Item


class Kind(models.TextChoices):
    BASE = "base", _("base score")
    DEDICATION = "dedication", _("dedication points")
    DEDUCTION = "deduction", _("deductions")
    APPRAISAL = "appraisal", _("appraisal score")


class Source(models.TextChoices):
    DECLARATION = "declaration", _("declaration")
    DIRECT = "direct", _("direct record")
    ATTENDANCE = "attendance", _("attendance")
    DUES = "dues", _("party dues")
    APPRAISAL = "appraisal", _("appraisal")
    ADJUSTMENT = "adjustment", _("adjustment")
    IMPORT = "import", _("import")
    # A member moved to another branch during the year: their points of the year, carried
    # from the branch they left (organizations.MemberMove).
    TRANSFER = "transfer", _("carried over from another branch")


class EntryQuerySet(models.QuerySet["Entry"]):
    def update(self, **kwargs: object) -> int:
        raise TypeError("Ledger entries are append-only; post a reversing entry instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Ledger entries are append-only; post a reversing entry instead.")


class Entry(models.Model):
    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="entries"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    item = models.ForeignKey(
        Item,
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=1)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_ref = models.CharField(
        _("source reference"),
        max_length=100,
        blank=True,
        help_text=_("What the entry came from, e.g. a declaration line or an appraisal session."),
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["year", "month", "pk"]
        indexes = [
            # For the summary (ledger.totals): in this order the ledger is summed per
            # member and item, a member after another, without a sort or a table look-up.
            models.Index(fields=["branch", "year", "member", "item", "points"]),
            # The appraisal entries (no item) summed per member and session, in order.
            models.Index(
                fields=["branch", "year", "member", "source_ref", "points", "reverses"],
                condition=models.Q(item__isnull=True),
                name="ledger_entry_sessions_idx",
            ),
            models.Index(fields=["member", "year"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="entry_month_in_range"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="appraisal") | models.Q(item__isnull=False),
                name="entry_item_unless_appraisal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year}-{self.month:02d} {self.points}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise TypeError("Ledger entries are append-only; post a reversing entry instead.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise TypeError("Ledger entries are append-only; post a reversing entry instead.")

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class Veto(models.Model):
    """一票否决: a branch decision that puts a member after everyone else for a year."""

    class Ground(models.TextChoices):
        DEFIES_DECISION = (
            "defies_decision",
            _("Not carrying out the party organisation's decisions"),
        )
        FRAUD = "fraud", _("Falsifying records to obtain points")
        NO_PARTICIPATION = (
            "no_participation",
            _("Not taking part in dedication points without good reason"),
        )
        WORK_PLAN = "work_plan", _("Failing the work plan without good reason")
        PETITION = "petition", _("Organising, inciting or joining illegal petitions")
        OTHER = "other", _("Other violations of law or discipline")

    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="vetoes"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    ground = models.CharField(_("ground"), max_length=30, choices=Ground.choices)
    facts = models.TextField(_("facts"))
    decided_on = models.DateField(_("decided on"))
    evidence = models.TextField(_("evidence"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revoking"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("veto")
        verbose_name_plural = _("vetoes")
        ordering = ["-year", "member"]

    def __str__(self) -> str:
        return f"{self.member} {self.year} {self.get_ground_display()}"


class PeriodLock(models.Model):
    """A closed half-year: services refuse to post entries into its months."""

    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(
        _("half year"), choices=[(1, _("first half")), (2, _("second half"))]
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopen_reason = models.CharField(_("reason for reopening"), max_length=500, blank=True)
    # The committee closed the period although matters were still open in it.
    forced_reason = models.CharField(_("reason for closing regardless"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("closed period")
        verbose_name_plural = _("closed periods")

    def __str__(self) -> str:
        return f"{self.branch} {self.year} H{self.half}"
