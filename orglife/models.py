"""组织生活 and 党费: meetings of 三会一课 and 主题党日 with their attendance, and the
monthly dues record. An unexcused absence and a late or short payment each carry
a deduction on the points card (DESIGN.md §4); `services` keeps the two in step.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import Member, Organization

STUDY_DEDUCTION = "deduction.study"
MEETING_DEDUCTION = "deduction.meeting_or_dues"


class MeetingKind(models.TextChoices):
    GENERAL_MEETING = "general_meeting", _("Party members' general meeting")  # 党员大会
    COMMITTEE_MEETING = "committee_meeting", _("Branch committee meeting")  # 支委会
    GROUP_MEETING = "group_meeting", _("Party group meeting")  # 党小组会
    PARTY_LECTURE = "party_lecture", _("Party lecture")  # 党课
    THEME_DAY = "theme_day", _("Theme party day")  # 主题党日
    STUDY = "study", _("Collective study")  # 集体学习


# Attachment 2 has two deduction rows for missed meetings: 不按时参加集体学习 for
# learning (党课 and collective study) and 不按时参加组织生活或交纳党费 for the
# meetings of organisational life (the three meetings of 三会一课 and 主题党日).
DEDUCTION_OF_KIND = {
    MeetingKind.GENERAL_MEETING: MEETING_DEDUCTION,
    MeetingKind.COMMITTEE_MEETING: MEETING_DEDUCTION,
    MeetingKind.GROUP_MEETING: MEETING_DEDUCTION,
    MeetingKind.THEME_DAY: MEETING_DEDUCTION,
    MeetingKind.PARTY_LECTURE: STUDY_DEDUCTION,
    MeetingKind.STUDY: STUDY_DEDUCTION,
}


class Meeting(models.Model):
    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    topic = models.CharField(_("topic"), max_length=200)
    place = models.CharField(_("place"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    notes = models.TextField(_("notes"), blank=True)
    signin_token = models.CharField(_("sign-in token"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["branch", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.topic}"

    @property
    def deduction_code(self) -> str:
        return DEDUCTION_OF_KIND[MeetingKind(self.kind)]


class Attendance(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("not recorded")
        PRESENT = "present", _("present")
        EXCUSED = "excused", _("excused")
        ABSENT = "absent", _("absent")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="attendances"
    )
    status = models.CharField(
        _("attendance"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(_("reason for leave"), max_length=200, blank=True)
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once_a_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.meeting} · {self.get_status_display()}"

    @property
    def source_ref(self) -> str:
        return f"attendance:{self.pk}"


class DuesRecord(models.Model):
    class Status(models.TextChoices):
        NONE = "none", _("not recorded")
        ON_TIME = "on_time", _("paid on time and in full")
        LATE = "late", _("paid late")
        SHORT = "short", _("paid short")

    DEDUCTED = frozenset({Status.LATE, Status.SHORT})

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="dues_records"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("party dues record")
        verbose_name_plural = _("party dues records")
        ordering = ["year", "month", "member"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year", "month"], name="dues_once_a_month"),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="dues_month_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year}-{self.month:02d} {self.get_status_display()}"

    @property
    def source_ref(self) -> str:
        return f"dues:{self.pk}"

    @property
    def deducted(self) -> bool:
        return self.status in self.DEDUCTED
