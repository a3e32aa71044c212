"""积分细则: a branch's rule set for one year, copied from the committee's template."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization


class Section(models.TextChoices):
    BASE = "base", _("base score")
    DEDICATION = "dedication", _("dedication points")
    DEDUCTION = "deduction", _("deductions")


class Category(models.TextChoices):
    """Dedication categories named in the plan: six business lines and key tasks."""

    ECOLOGY = "ecology", _("Ecological protection")
    PLANNING = "planning", _("Planning and development")
    SUPERVISION = "supervision", _("Supervision and inspection")
    PUBLICITY = "publicity", _("Publicity and exchange")
    RESEARCH = "research", _("Scientific research")
    SUPPORT = "support", _("Comprehensive support")
    INVESTMENT = "investment", _("Three introductions, one promotion")
    VOLUNTEER = "volunteer", _("Volunteer service")
    LEARNING = "learning", _("Study and education")
    RURAL = "rural", _("Rural revitalisation")
    DOUBLE_REPORT = "double_report", _("Double reporting")
    CIVILITY = "civility", _("Civilisation building")
    OTHER = "other", _("Other dedication")


class PointsKind(models.TextChoices):
    FIXED = "fixed", _("fixed points")
    RANGE = "range", _("range")
    LEVELS = "levels", _("named levels")


class Scheme(models.Model):
    """The template (organization = a committee, or none for the built-in default)
    or one branch's scheme for one year."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schemes",
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    is_template = models.BooleanField(_("template"), default=False)
    name = models.CharField(_("name"), max_length=100)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    category_caps = models.JSONField(
        _("category caps"),
        default=dict,
        blank=True,
        help_text=_('Yearly cap per dedication category, e.g. {"volunteer": "5"}.'),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points scheme")
        verbose_name_plural = _("points schemes")
        ordering = ["-year", "organization"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                condition=models.Q(is_template=False),
                name="one_scheme_per_branch_year",
            ),
        ]

    def __str__(self) -> str:
        if self.is_template:
            return str(self.name)
        return f"{self.organization} {self.year}"

    def category_cap(self, category: str) -> Decimal | None:
        value = (self.category_caps or {}).get(category)
        return Decimal(str(value)) if value not in (None, "") else None


class Item(models.Model):
    """One rule line of a scheme: a base item, a dedication item or a deduction."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="items"
    )
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=Category.choices,
        blank=True,
        help_text=_("Dedication items only: the row of the points card they count in."),
    )
    code = models.CharField(
        _("code"),
        max_length=40,
        blank=True,
        help_text=_("Stable key of a template item, kept by its copies (e.g. deduction.study)."),
    )
    name = models.CharField(_("name"), max_length=100)
    label = models.CharField(
        _("form label"),
        max_length=200,
        help_text=_("The exact text of the row on the points card (attachment 2)."),
    )
    points_kind = models.CharField(
        _("points kind"), max_length=10, choices=PointsKind.choices, default=PointsKind.FIXED
    )
    points = models.DecimalField(
        _("points"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Fixed points per occurrence; for a base item, its maximum."),
    )
    points_min = models.DecimalField(
        _("minimum points"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    points_max = models.DecimalField(
        _("maximum points"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    levels = models.JSONField(
        _("levels"),
        default=list,
        blank=True,
        help_text=_('Named levels, e.g. [{"name": "一般", "points": "1"}].'),
    )
    cap_month = models.DecimalField(
        _("monthly cap"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    cap_year = models.DecimalField(
        _("yearly cap"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    declarable = models.BooleanField(
        _("declarable by members"),
        default=True,
        help_text=_("Cleared for items only the assessment group records."),
    )
    is_retired = models.BooleanField(_("retired"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    template_item = models.ForeignKey(
        "self",
        verbose_name=_("template item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )

    class Meta:
        verbose_name = _("scheme item")
        verbose_name_plural = _("scheme items")
        ordering = ["scheme", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class FilingStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted, awaiting filing")
    FILED = "filed", _("filed")
    RETURNED = "returned", _("returned")
    SUPERSEDED = "superseded", _("superseded by a later submission")


class SchemeFiling(models.Model):
    """备案: a branch's scheme as submitted to the committee, and the committee's decision.

    `contents` keeps the scheme as it was submitted; a scheme changed afterwards no longer
    matches its `fingerprint` and must be submitted again (see rules.filing).
    """

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="filings"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=FilingStatus.choices, default=FilingStatus.SUBMITTED
    )
    contents = models.JSONField(_("contents as submitted"), default=dict)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.CharField(_("committee's comment"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("scheme filing")
        verbose_name_plural = _("scheme filings")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme"],
                condition=models.Q(status="submitted"),
                name="scheme_filing_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme} · {self.get_status_display()}"
