"""公示: quarterly publications of points, objections to them, and the lobby screens.

A publication is kept forever as published: no code path updates or deletes a
Publication or its rows (on PostgreSQL a trigger refuses it as well). A correction
is a new ledger entry; the objection's answer links it, and the published row shows
a note of it without changing its numbers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import Entry
from organizations.models import Member, Organization

from .quarters import Quarter

IMMUTABLE = "Publications are kept as published; they cannot be changed or deleted."


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise TypeError(IMMUTABLE)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(IMMUTABLE)


class ImmutableModel(models.Model):
    """Written once by the publishing service; never saved again, never deleted."""

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError(IMMUTABLE)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise TypeError(IMMUTABLE)


class Publication(ImmutableModel):
    """One quarter's snapshot of a branch's points, as published on the notice board."""

    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), choices=[(q, str(q)) for q in (1, 2, 3, 4)]
    )
    title = models.CharField(_("title"), max_length=120)
    as_of = models.DateField(_("points as of"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    window_start = models.DateField(_("objections from"))
    window_end = models.DateField(_("objections until"))
    window_workdays = models.PositiveSmallIntegerField(_("working days for objections"))
    window_estimated = models.BooleanField(
        _("window counted Monday to Friday"),
        default=False,
        help_text=_("The holiday calendar did not know the year yet."),
    )
    contact_name = models.CharField(_("contact"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    # Figures of the whole publication, fixed at publication so that the lobby screen
    # reads them without going through every row: {"members", "average", "dedication",
    # "by_category": {category: points}} with decimal strings.
    figures = models.JSONField(_("figures"), default=dict)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-year", "-quarter", "branch"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "year", "quarter"], name="publication_once_a_quarter"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period(self) -> Quarter:
        return Quarter(self.year, self.quarter)

    def is_open_for_objections(self, today=None) -> bool:
        today = today or timezone.localdate()
        return today <= self.window_end

    @property
    def window_has_started(self) -> bool:
        return timezone.localdate() >= self.window_start


class PublicationRow(ImmutableModel):
    """One member's line of the publication, with the figures as they were published."""

    publication = models.ForeignKey(
        Publication, verbose_name=_("publication"), on_delete=models.PROTECT, related_name="rows"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField(_("No."))
    name = models.CharField(_("name"), max_length=50)
    base = models.DecimalField(_("base score"), max_digits=7, decimal_places=1)
    dedication = models.DecimalField(_("dedication points"), max_digits=7, decimal_places=1)
    appraisal = models.DecimalField(_("appraisal score"), max_digits=7, decimal_places=1)
    deductions = models.DecimalField(_("deductions"), max_digits=7, decimal_places=1)
    total = models.DecimalField(_("total"), max_digits=7, decimal_places=1)
    rank = models.PositiveIntegerField(_("rank"))
    vetoed = models.BooleanField(_("vetoed"), default=False)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("publication row")
        verbose_name_plural = _("publication rows")
        ordering = ["publication", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "position"], name="publication_row_position"
            )
        ]
        indexes = [models.Index(fields=["publication", "vetoed", "position"])]

    def __str__(self) -> str:
        return f"{self.position}. {self.name} {self.total}"


class Objection(models.Model):
    """A member's objection to a publication, and the assessment group's written answer."""

    publication = models.ForeignKey(
        Publication,
        verbose_name=_("publication"),
        on_delete=models.PROTECT,
        related_name="objections",
    )
    row = models.ForeignKey(
        PublicationRow,
        verbose_name=_("about the line of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )
    member = models.ForeignKey(
        Member, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by (account)"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    reason = models.TextField(_("reason"), max_length=1000)
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    upheld = models.BooleanField(_("upheld"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    correction = models.ForeignKey(
        Entry,
        verbose_name=_("correcting entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-raised_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.publication} · {self.member}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class Screen(models.Model):
    """电子屏: an office display showing published results at a secret address, no login."""

    name = models.CharField(_("name"), max_length=100)
    token = models.CharField(_("secret"), max_length=64, unique=True, editable=False)
    branch = models.ForeignKey(
        Organization,
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: every branch."),
    )
    top = models.PositiveSmallIntegerField(_("members shown per branch"), default=10)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lobby screen")
        verbose_name_plural = _("lobby screens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
