"""The committee, its general branches and branches, departments and members."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.pinyin import pinyin_key

code_validator = RegexValidator(
    r"^[A-Za-z0-9_-]{1,32}$",
    _("A code is 1–32 letters, digits, hyphens or underscores."),
)


class Organization(models.Model):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("party committee")
        GENERAL_BRANCH = "general_branch", _("general party branch")
        BRANCH = "branch", _("party branch")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_committee(self) -> bool:
        return self.kind == self.Kind.COMMITTEE

    @property
    def owns_members(self) -> bool:
        """General branches and branches own members, schemes and points."""
        return self.kind != self.Kind.COMMITTEE

    def committee(self) -> Organization:
        node = self
        while node.parent_id is not None and not node.is_committee:
            node = node.parent  # type: ignore[assignment]
        return node


class Department(models.Model):
    """科室/单位: a work unit. Its head decides whether retired members take part."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    business_line = models.CharField(_("business line"), max_length=50, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Standing(models.TextChoices):
        FULL = "full", _("full member")
        PROBATIONARY = "probationary", _("probationary member")

    branch = models.ForeignKey(
        Organization,
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    name = models.CharField(_("name"), max_length=50)
    # The name's pinyin (core.pinyin): lists of people sort by it, as Chinese readers expect.
    name_key = models.CharField(_("pinyin of the name"), max_length=200, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_month = models.DateField(_("birth month"), null=True, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    position = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # 工号: the unit's staff number; a sign-in through the unit's SSO (accounts/sso) finds
    # the member by it when the deployment links by job number.
    job_number = models.CharField(_("job number"), max_length=32, blank=True, db_index=True)
    photo = models.ImageField(_("photo"), upload_to="members/", blank=True)
    joined_on = models.DateField(_("date joined the party"), null=True, blank=True)
    standing = models.CharField(
        _("standing"), max_length=20, choices=Standing.choices, default=Standing.FULL
    )
    is_retired = models.BooleanField(_("retired"), default=False)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Cleared when the member leaves the branch.")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["branch", "name_key", "name", "pk"]
        indexes = [models.Index(fields=["branch", "is_active"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        _keep_name_key(self, kwargs)
        super().save(*args, **kwargs)


class Participation(models.Model):
    """Whether a member takes part in a year; no row means they take part.

    Exemption (health, special post) and retirees' participation are decided
    elsewhere; the engine only needs the outcome.
    """

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="participations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    takes_part = models.BooleanField(_("takes part"), default=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participation")
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="participation_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year}"


class Role(models.TextChoices):
    COMMITTEE_ADMIN = "committee_admin", _("committee administrator")
    SECRETARY = "secretary", _("branch secretary")
    GROUP_MEMBER = "group_member", _("assessment group member")
    RECORDER = "recorder", _("recorder")
    MEMBER = "member", _("party member")
    # 科室负责人: decides retirees' participation; scoped by participation.DepartmentHead.
    DEPARTMENT_HEAD = "department_head", _("department head")


class RoleAssignment(models.Model):
    """A role held by a user within one organisation (and its sub-organisations)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="roles",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="role_assigned_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class PublicRepresentative(models.Model):
    """群众代表: votes in the branch's democratic appraisal; has no account."""

    branch = models.ForeignKey(
        Organization,
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        related_name="public_representatives",
    )
    name = models.CharField(_("name"), max_length=50)
    name_key = models.CharField(_("pinyin of the name"), max_length=200, blank=True, editable=False)
    affiliation = models.CharField(_("work unit"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("public representative")
        verbose_name_plural = _("public representatives")
        ordering = ["branch", "name_key", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        _keep_name_key(self, kwargs)
        super().save(*args, **kwargs)


def _keep_name_key(person: Member | PublicRepresentative, kwargs: dict[str, Any]) -> None:
    """The pinyin key follows the name on every save, also a save of some fields only."""
    person.name_key = pinyin_key(person.name)
    fields = kwargs.get("update_fields")
    if fields is not None and "name" in fields and "name_key" not in fields:
        kwargs["update_fields"] = [*fields, "name_key"]
