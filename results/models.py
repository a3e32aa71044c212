"""结果运用: what the ranking leads to (plan 二, DESIGN.md §2 "Ranking and results").

The award-eligible list is read from the ranking and stored nowhere. What people do
with the ranking is stored: the help talks the branch holds with members ranked last
or vetoed, and the handling of a member bottom or vetoed two years running — proposed
by the branch with its reasons and decided by the committee. Nothing here marks a
member unqualified; a case records the organisations' steps.
"""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import Member, Organization
from participation.models import private_storage


def consent_path(instance: HandlingCase, filename: str) -> str:
    """A random name: the original name is kept in a field, never in the path."""
    ext = os.path.splitext(filename)[1].lower()[:8]
    return f"handling/{instance.year}/{uuid.uuid4().hex}{ext}"


class HelpTalk(models.Model):
    """帮助谈话: a talk with a member ranked last or vetoed in the year."""

    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="help_talks"
    )
    year = models.PositiveSmallIntegerField(_("year of the result"))
    held_on = models.DateField(_("date of the talk"))
    talked_by = models.CharField(_("talk held by"), max_length=200)
    content = models.TextField(_("content of the talk"), max_length=4000)
    response = models.TextField(_("member's response"), max_length=4000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("help talk")
        verbose_name_plural = _("help talks")
        ordering = ["-year", "-held_on", "-pk"]
        indexes = [models.Index(fields=["branch", "year"])]

    def __str__(self) -> str:
        return f"{self.member} {self.year} {self.held_on}"


class HandlingCase(models.Model):
    """不合格党员处置: the branch's proposal for a candidate and the committee's decision."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed by the branch")
        APPROVED = "approved", _("approved by the committee, awaiting the higher consent")
        REJECTED = "rejected", _("not approved by the committee")
        FINAL = "final", _("final: the higher organisations have consented")

    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="handling_cases"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    reasons = models.TextField(_("the branch's reasons"), max_length=4000)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("the committee's note"), max_length=4000, blank=True)
    # Plan 二: 报上一级党组织和市直机关工委同意 — the consent, recorded before the case is final.
    consent_date = models.DateField(_("date of the consent"), null=True, blank=True)
    consent_document = models.CharField(
        _("document number of the consent"), max_length=100, blank=True
    )
    consent_scan = models.FileField(
        _("scan of the consent"),
        upload_to=consent_path,
        storage=private_storage,
        blank=True,
        max_length=200,
    )
    consent_scan_name = models.CharField(_("name of the scan"), max_length=120, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    consent_recorded_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("unqualified-member handling case")
        verbose_name_plural = _("unqualified-member handling cases")
        ordering = ["-year", "-proposed_at", "-pk"]
        constraints = [
            # A member has at most one case per year that is pending or approved; after a
            # refusal the branch may propose again.
            models.UniqueConstraint(
                fields=["member", "year"],
                condition=~models.Q(status="rejected"),
                name="one_open_handling_case_a_year",
            )
        ]
        indexes = [models.Index(fields=["branch", "year"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.member} {self.year} {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PROPOSED
