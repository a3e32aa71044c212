"""汇总: what closing a period and confirming the summary table leave behind.

A closed half-year is a `ledger.models.PeriodLock`; `ClosingSnapshot` keeps every
member's totals and ranks as they stood when it was closed. A `SummaryConfirmation`
is the secretary's confirmation of the year's summary table (attachment 4), with the
rows confirmed, so that a later change of the totals shows the confirmation as stale.
Rows are JSON with decimal strings (`"211.5"`), never floats.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ledger.models import PeriodLock
from organizations.models import Organization


class ClosingSnapshot(models.Model):
    """Totals and ranks of every member at the moment a half-year was closed."""

    lock = models.OneToOneField(
        PeriodLock, verbose_name=_("closed period"), on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(
        _("half year"), choices=[(1, _("first half")), (2, _("second half"))]
    )
    taken_at = models.DateTimeField(_("taken at"), auto_now_add=True)
    closed_by_name = models.CharField(_("closed by"), max_length=100, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reopened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rows = models.JSONField(_("members' totals"), default=list)

    class Meta:
        verbose_name = _("closing snapshot")
        verbose_name_plural = _("closing snapshots")
        ordering = ["-year", "-half", "-pk"]
        indexes = [models.Index(fields=["branch", "year"])]

    def __str__(self) -> str:
        return f"{self.branch} {self.year} H{self.half}"


class SummaryConfirmation(models.Model):
    """The secretary's confirmation of a branch's summary table for a closed year."""

    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # The year's closing it confirms: reopening the year makes the confirmation stale.
    lock = models.ForeignKey(
        PeriodLock, verbose_name=_("closed year"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_by_name = models.CharField(_("secretary's name"), max_length=100)
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)
    rows = models.JSONField(_("rows confirmed"), default=list)

    class Meta:
        verbose_name = _("summary confirmation")
        verbose_name_plural = _("summary confirmations")
        ordering = ["-confirmed_at", "-pk"]
        indexes = [models.Index(fields=["branch", "year"])]

    def __str__(self) -> str:
        return f"{self.branch} {self.year} {self.confirmed_by_name}"
