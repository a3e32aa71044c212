"""Who takes part (plan §1.1): exemptions filed with the committee, retirees' participation.

The outcome of both is written to organizations.Participation, which the engine reads.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import Department, Member, Organization


class PrivateStorage(FileSystemStorage):
    """Files never served as media: medical certificates and the like, handed out by a
    view that checks who asks. Kept beside MEDIA_ROOT (or in PRIVATE_MEDIA_ROOT)."""

    @property  # type: ignore[override]
    def base_location(self) -> str:
        root = getattr(settings, "PRIVATE_MEDIA_ROOT", None)
        return str(root or Path(settings.MEDIA_ROOT).parent / "private")

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def private_storage() -> Storage:
    """The "private" storage when settings configure one (S3/MinIO), else PrivateStorage."""
    if "private" in settings.STORAGES:
        return storages["private"]
    return PrivateStorage()


def attachment_path(instance: Exemption, filename: str) -> str:
    """A random name: the original name is kept in a field, never in the path."""
    ext = os.path.splitext(filename)[1].lower()[:8]
    return f"exemptions/{instance.year}/{uuid.uuid4().hex}{ext}"


class Ground(models.TextChoices):
    HEALTH = "health", _("health")
    SPECIAL_POST = "special_post", _("special post")
    OTHER = "other", _("other reason")


class ExemptionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("awaiting the branch")
    APPROVED = "approved", _("approved by the branch, awaiting filing")
    REFUSED = "refused", _("refused by the branch")
    FILED = "filed", _("filed with the committee")
    RETURNED = "returned", _("returned by the committee")


OPEN_STATUSES = (ExemptionStatus.SUBMITTED, ExemptionStatus.APPROVED)


class Exemption(models.Model):
    """不参与: a member's application not to take part in a year. Only once the branch has
    approved it and the committee has filed it (备案) does the member stop taking part."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="exemptions"
    )
    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    ground = models.CharField(_("ground"), max_length=20, choices=Ground.choices)
    reason = models.TextField(_("reason"), max_length=1000)
    attachment = models.FileField(
        _("attachment"),
        upload_to=attachment_path,
        storage=private_storage,
        blank=True,
        max_length=200,
    )
    attachment_name = models.CharField(_("attachment name"), max_length=120, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ExemptionStatus.choices,
        default=ExemptionStatus.SUBMITTED,
    )
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    branch_decided_at = models.DateTimeField(_("decided by the branch at"), null=True, blank=True)
    branch_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by the branch by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    branch_comment = models.CharField(_("branch's comment"), max_length=500, blank=True)
    committee_decided_at = models.DateTimeField(
        _("decided by the committee at"), null=True, blank=True
    )
    committee_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by the committee by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    committee_comment = models.CharField(_("committee's comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")
        ordering = ["-applied_at", "-pk"]
        indexes = [models.Index(fields=["branch", "year", "status"])]
        constraints = [
            # One application in progress per member and year (two requests at once).
            models.UniqueConstraint(
                fields=["member", "year"],
                condition=models.Q(status__in=["submitted", "approved", "filed"]),
                name="exemption_one_open_per_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year} {self.get_ground_display()}"


class DepartmentHead(models.Model):
    """科室负责人: decides whether the department's retired members take part."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="departments_headed",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="heads"
    )
    appointed_at = models.DateTimeField(_("appointed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("department head")
        verbose_name_plural = _("department heads")
        ordering = ["department__order", "department__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="department_head_once")
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.user}"


class RetireeFiling(models.TextChoices):
    """Plan 一(一): 不参与……的人员名单，应及时报机关党委备案 — a decision that a retired member
    does not take part goes to the committee, which files it."""

    NONE = "none", _("no filing: takes part")
    AWAITING = "awaiting", _("awaiting filing")
    FILED = "filed", _("filed with the committee")


class RetireeDecision(models.Model):
    """The department's decision whether a retired member takes part in a year. A decision
    not to take part is the department's own (由各科室……自行决定) and counts at once; the
    committee files it."""

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="retiree_decisions",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    takes_part = models.BooleanField(_("takes part"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("decided at"), auto_now=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filing = models.CharField(
        _("filing"), max_length=10, choices=RetireeFiling.choices, default=RetireeFiling.NONE
    )
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filing_comment = models.CharField(_("committee's comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("retiree's participation")
        verbose_name_plural = _("retirees' participation")
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="retiree_decided_once_a_year")
        ]
        indexes = [models.Index(fields=["filing", "year"])]

    def __str__(self) -> str:
        return f"{self.member} {self.year}"
