"""The settings a branch and a committee choose for themselves, one row per organisation.

The plan leaves several values to each branch ("由各支部结合实际集体研究确定"): the
declaration deadline, the QR sign-in window, how many commitments a member makes and
by when; the committee sets when a waiting review counts as overdue. A missing row
means the defaults below; rows are changed through `settings_services`, never deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# 申报期限: a month's declarations close on this day of the next month (plan: the 5th).
DEFAULT_DECLARATION_DEADLINE_DAY = 5
DECLARATION_DEADLINE_DAYS = (1, 28)
# 组织生活: members sign in by QR code this many minutes either side of a meeting's start.
DEFAULT_SIGNIN_WINDOW = 30
SIGNIN_WINDOW_MINUTES = (5, 240)
# 承诺: "每年……作出 1-2 项承诺", each member at least one by the end of the first quarter,
# so the year's commitments are published with the first quarter's points (plan 一(三)4).
DEFAULT_COMMITMENTS_PER_MEMBER = 2
COMMITMENTS_PER_MEMBER_LIMIT = 2
DEFAULT_COMMITMENT_DEADLINE_MONTH = 3
DEFAULT_COMMITMENT_DEADLINE_DAY = 31
# 督查: after how many days a waiting review is overdue on the committee's dashboard.
DEFAULT_OVERDUE_DAYS = 7
OVERDUE_DAYS = (1, 60)


class LastChanged(models.Model):
    """Who changed a level's settings last, and when."""

    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class BranchSettings(LastChanged):
    """A branch's (or general branch's) own choices; no row means every default."""

    branch = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        related_name="branch_settings",
    )
    declaration_deadline_day = models.PositiveSmallIntegerField(
        _("declaration deadline (day of the next month)"),
        default=DEFAULT_DECLARATION_DEADLINE_DAY,
        validators=[
            MinValueValidator(DECLARATION_DEADLINE_DAYS[0]),
            MaxValueValidator(DECLARATION_DEADLINE_DAYS[1]),
        ],
    )
    signin_window = models.PositiveSmallIntegerField(
        _("sign-in window (minutes)"),
        default=DEFAULT_SIGNIN_WINDOW,
        validators=[
            MinValueValidator(SIGNIN_WINDOW_MINUTES[0]),
            MaxValueValidator(SIGNIN_WINDOW_MINUTES[1]),
        ],
    )
    commitments_per_member = models.PositiveSmallIntegerField(
        _("commitments per member"),
        default=DEFAULT_COMMITMENTS_PER_MEMBER,
        validators=[MinValueValidator(1), MaxValueValidator(COMMITMENTS_PER_MEMBER_LIMIT)],
    )
    commitment_deadline_month = models.PositiveSmallIntegerField(
        _("commitment deadline: month"),
        default=DEFAULT_COMMITMENT_DEADLINE_MONTH,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    commitment_deadline_day = models.PositiveSmallIntegerField(
        _("commitment deadline: day"),
        default=DEFAULT_COMMITMENT_DEADLINE_DAY,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )

    class Meta:
        verbose_name = _("branch settings")
        verbose_name_plural = _("branch settings")

    def __str__(self) -> str:
        return str(self.branch)


class CommitteeSettings(LastChanged):
    """A party committee's own choices; no row means every default."""

    committee = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("party committee"),
        on_delete=models.PROTECT,
        related_name="committee_settings",
    )
    overdue_days = models.PositiveSmallIntegerField(
        _("days before a review is overdue"),
        default=DEFAULT_OVERDUE_DAYS,
        validators=[MinValueValidator(OVERDUE_DAYS[0]), MaxValueValidator(OVERDUE_DAYS[1])],
    )

    class Meta:
        verbose_name = _("committee settings")
        verbose_name_plural = _("committee settings")

    def __str__(self) -> str:
        return str(self.committee)
