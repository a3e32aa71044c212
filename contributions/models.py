"""做贡献 (plan 一(二)3): each department turns the bureau's key work into platforms on which
its members contribute, and members say on which platform they did what they declare."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import Department
from rules.models import Category, Item

# The plan's six business lines (生态保护、规划发展、监督检查、宣传交流、科学研究、综合保障):
# the first six dedication categories of the points card.
BUSINESS_LINES = [
    Category.ECOLOGY,
    Category.PLANNING,
    Category.SUPERVISION,
    Category.PUBLICITY,
    Category.RESEARCH,
    Category.SUPPORT,
]
BUSINESS_LINE_CHOICES = [(line.value, line.label) for line in BUSINESS_LINES]
ALL_MONTHS = list(range(1, 13))


class Platform(models.Model):
    """A platform of one department for one year: its business line, what members do on
    it, the scheme items it earns and the months it runs."""

    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="platforms",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=100)
    business_line = models.CharField(
        _("business line"), max_length=20, choices=BUSINESS_LINE_CHOICES
    )
    description = models.TextField(_("description"), max_length=1000, blank=True)
    items = models.ManyToManyField(
        Item, verbose_name=_("scheme items it earns"), blank=True, related_name="+"
    )
    months = models.JSONField(_("active months"), default=list)
    is_active = models.BooleanField(_("open"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["department__order", "department__name", "year", "business_line", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "year", "name"], name="platform_name_once_a_year"
            )
        ]
        indexes = [models.Index(fields=["department", "year"])]

    def __str__(self) -> str:
        return self.name

    def runs_in(self, month: int) -> bool:
        return self.is_active and month in (self.months or [])

    @property
    def month_list(self) -> list[int]:
        return sorted(self.months or [])

    @property
    def months_text(self) -> str:
        """The months as runs: "1–5、10–12"; every month is "1–12"."""
        runs: list[list[int]] = []
        for month in self.month_list:
            if runs and runs[-1][-1] == month - 1:
                runs[-1].append(month)
            else:
                runs.append([month])
        return "、".join(str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs)
