"""申报 and 认定: a member's monthly declaration (attachment 1), its lines and evidence,
the group's decision on each line (the deadline is the branch's setting)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.periods import Month
from organizations.models import Member, Organization
from rules.models import Item


class Declaration(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        UNDER_REVIEW = "under_review", _("under review")
        RETURNED = "returned", _("returned for more information")
        RECOGNISED = "recognised", _("recognised")
        PARTLY_RECOGNISED = "partly_recognised", _("partly recognised")
        REJECTED = "rejected", _("rejected")

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="declarations"
    )
    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # Every change bumps it; a decision counts only if the version it saw is still current.
    version = models.PositiveIntegerField(_("version"), default=0)

    # Attachment 1's heading, prefilled from the member's profile.
    name = models.CharField(_("name"), max_length=50)
    birth_month = models.CharField(_("birth month"), max_length=20, blank=True)
    unit_and_position = models.CharField(_("work unit and position"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    submissions = models.PositiveSmallIntegerField(_("times submitted"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    review_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("review taken up by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    return_reason = models.CharField(_("reason for returning"), max_length=500, blank=True)

    late_opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("late declaration opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    late_opened_at = models.DateTimeField(_("late declaration opened at"), null=True, blank=True)
    late_reason = models.CharField(_("reason for the late declaration"), max_length=500, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["-year", "-month", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year", "month"], name="declaration_once_a_month"
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="declaration_month_in_range"
            ),
        ]
        indexes = [
            models.Index(fields=["branch", "status"]),
            models.Index(fields=["branch", "year", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}-{self.month:02d}"

    @property
    def period(self) -> Month:
        return Month(self.year, self.month)

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def is_waiting(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.UNDER_REVIEW)

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED


DECIDED = frozenset(
    {
        Declaration.Status.RECOGNISED,
        Declaration.Status.PARTLY_RECOGNISED,
        Declaration.Status.REJECTED,
    }
)
WAITING = (Declaration.Status.SUBMITTED, Declaration.Status.UNDER_REVIEW)


class DeclarationLine(models.Model):
    """One thing the member did, and the group's decision on it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("pending")
        RECOGNISED = "recognised", _("recognised")
        PARTLY = "partly", _("recognised in part")
        REJECTED = "rejected", _("rejected")

    declaration = models.ForeignKey(
        Declaration, verbose_name=_("declaration"), on_delete=models.CASCADE, related_name="lines"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    description = models.TextField(_("what I did"), max_length=2000)
    suggested_item = models.ForeignKey(
        Item,
        verbose_name=_("suggested item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 做贡献: the department's platform the member did it on, if they name one.
    platform = models.ForeignKey(
        "contributions.Platform",
        verbose_name=_("platform"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING
    )
    item = models.ForeignKey(
        Item,
        verbose_name=_("recognised item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    points = models.DecimalField(
        _("recognised points"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    entry = models.OneToOneField(
        "ledger.Entry",
        verbose_name=_("ledger entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("declaration line")
        verbose_name_plural = _("declaration lines")
        ordering = ["declaration", "order", "pk"]

    def __str__(self) -> str:
        return self.description[:40]


class EvidenceFile(models.Model):
    """A photo or document the member attached; stored under a random name."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("image")
        PDF = "pdf", _("PDF document")
        OFFICE = "office", _("office document")

    declaration = models.ForeignKey(
        Declaration,
        verbose_name=_("declaration"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    line = models.ForeignKey(
        DeclarationLine,
        verbose_name=_("line"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence",
    )
    file = models.FileField(_("file"), max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["declaration", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE and not self.content_type.startswith("image/hei")
