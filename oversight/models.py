"""The committee's oversight (plan 三(三) 跟踪督导检查): random spot checks of recognised
points and their findings, and the exemplary cases and model units the committee
publicises."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import Department, Member, Organization


class SpotCheck(models.Model):
    """随机抽查: a random sample of recognised entries drawn by the committee.

    The sample is `random.Random(seed).sample` over the candidate entries' ids in
    ascending order, so the same seed and parameters draw the same entries again.
    """

    committee = models.ForeignKey(
        Organization, verbose_name=_("party committee"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    months = models.JSONField(_("months"), default=list, help_text=_("Empty means every month."))
    branches = models.ManyToManyField(
        Organization,
        verbose_name=_("branches"),
        blank=True,
        related_name="+",
        help_text=_("None means every branch."),
    )
    size = models.PositiveIntegerField(_("sample size"))
    seed = models.PositiveBigIntegerField(_("seed"))
    population = models.PositiveIntegerField(_("entries to draw from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drawn by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)

    class Meta:
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        ordering = ["-drawn_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.year} #{self.pk}"


class Finding(models.TextChoices):
    PENDING = "pending", _("not checked yet")
    CONFIRMED = "confirmed", _("confirmed")
    PROBLEM = "problem", _("problem, awaiting the branch's response")
    RESPONDED = "responded", _("the branch has responded")
    CLOSED = "closed", _("problem closed")


OPEN_PROBLEMS = (Finding.PROBLEM, Finding.RESPONDED)


class SpotCheckItem(models.Model):
    """One sampled entry and what the check found."""

    spot_check = models.ForeignKey(
        SpotCheck, verbose_name=_("spot check"), on_delete=models.CASCADE, related_name="items"
    )
    entry = models.ForeignKey(
        "ledger.Entry", verbose_name=_("points entry"), on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    status = models.CharField(
        _("finding"), max_length=20, choices=Finding.choices, default=Finding.PENDING
    )
    note = models.CharField(_("the committee's note"), max_length=1000, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    response = models.TextField(_("the branch's response"), max_length=2000, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    closing_note = models.CharField(_("closing note"), max_length=1000, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("spot-checked entry")
        verbose_name_plural = _("spot-checked entries")
        ordering = ["spot_check", "order", "pk"]
        indexes = [models.Index(fields=["branch", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["spot_check", "entry"], name="spot_check_entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.spot_check} · {self.entry_id}"

    @property
    def is_open_problem(self) -> bool:
        return self.status in OPEN_PROBLEMS


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ExemplaryCase(models.Model):
    """典型案例: a recognised contribution publicised with the member's consent."""

    committee = models.ForeignKey(
        Organization, verbose_name=_("party committee"), on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    line = models.ForeignKey(
        "declarations.DeclarationLine",
        verbose_name=_("recognised contribution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"), max_length=2000)
    photos = models.ManyToManyField(
        "declarations.EvidenceFile", verbose_name=_("photos"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )
    consent = models.BooleanField(_("the member has consented"), default=False)
    consent_note = models.CharField(_("how consent was given"), max_length=200, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    consent_recorded_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.CharField(_("reason for withdrawing"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("exemplary case")
        verbose_name_plural = _("exemplary cases")
        ordering = ["-published_at", "-created_at", "-pk"]
        indexes = [models.Index(fields=["committee", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["line"],
                condition=~models.Q(status="withdrawn"),
                name="exemplary_case_line_once",
            )
        ]

    def __str__(self) -> str:
        return self.title


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("model department")
    BRANCH = "branch", _("model branch")


class ModelUnit(models.Model):
    """模范科室 / 模范支部: a department or branch the committee holds up, with a citation."""

    committee = models.ForeignKey(
        Organization, verbose_name=_("party committee"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    branch = models.ForeignKey(
        Organization,
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=50)
    citation = models.TextField(_("citation"), max_length=2000)
    is_withdrawn = models.BooleanField(_("withdrawn"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.CharField(_("reason for withdrawing"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("model unit")
        verbose_name_plural = _("model units")
        ordering = ["-year", "kind", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="department", department__isnull=False, branch__isnull=True)
                    | models.Q(kind="branch", branch__isnull=False, department__isnull=True)
                ),
                name="model_unit_names_one_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.title} {self.unit_name}"

    @property
    def unit_name(self) -> str:
        unit = self.department if self.kind == UnitKind.DEPARTMENT else self.branch
        return str(unit) if unit is not None else ""
