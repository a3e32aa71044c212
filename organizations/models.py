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
    # Closed organisations keep their history (members' past years, points, tables) but
    # take no new members, schemes or points.
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_reason = models.CharField(_("reason for closing"), max_length=200, blank=True)

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

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    def committee(self) -> Organization:
        node = self
        while node.parent_id is not None and not node.is_committee:
            node = node.parent  # type: ignore[assignment]
        return node


class BusinessLine(models.TextChoices):
    """Plan §1.2.2: the bureau's six business lines (the same codes as rules.Category's)."""

    ECOLOGY = "ecology", _("Ecological protection")
    PLANNING = "planning", _("Planning and development")
    SUPERVISION = "supervision", _("Supervision and inspection")
    PUBLICITY = "publicity", _("Publicity and exchange")
    RESEARCH = "research", _("Scientific research")
    SUPPORT = "support", _("Comprehensive support")


class Department(models.Model):
    """科室/单位: a work unit. Its head decides whether retired members take part."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    business_line = models.CharField(_("business line"), max_length=50, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class LeftReason(models.TextChoices):
    TRANSFERRED_OUT = "transferred_out", _("transferred out of the bureau")
    DIED = "died", _("died")
    OTHER = "other", _("other")


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
    # 公民身份号码 (GB 11643), checked and unique; shown masked like the phone.
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
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
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(
        _("reason for leaving"), max_length=20, choices=LeftReason.choices, blank=True
    )
    left_note = models.CharField(_("note on leaving"), max_length=200, blank=True)
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
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~models.Q(id_number=""),
                name="member_id_number_once",
            )
        ]

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
    DEPUTY_SECRETARY = "deputy_secretary", _("deputy branch secretary")
    GROUP_LEADER = "group_leader", _("assessment group leader")
    GROUP_MEMBER = "group_member", _("assessment group member")
    RECORDER = "recorder", _("recorder")
    # Plan §3.1: 积分制管理领导小组 and its 具体责任人 (named; they need no login).
    LEADING_GROUP = "leading_group", _("member of the points leading group")
    RESPONSIBLE = "responsible", _("person responsible for points management")
    MEMBER = "member", _("party member")
    # 科室负责人: decides retirees' participation; scoped by participation.DepartmentHead.
    DEPARTMENT_HEAD = "department_head", _("department head")


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def current(self, on: Any = None) -> RoleAssignmentQuerySet:
        """Roles held on the day (today): begun, and not yet ended."""
        from django.utils import timezone

        day = on or timezone.localdate()
        return self.filter(models.Q(starts_on__isnull=True) | models.Q(starts_on__lte=day)).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gt=day)
        )


class RoleAssignment(models.Model):
    """A role held in an organisation (and its sub-organisations), from a day until a day.

    Held by a login (`user`) or by a member (`member`, who may have no login yet: the
    leading group's members often do not); a member's login, once opened, takes over
    the member's roles. Ended roles stay, with who ended them and why.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="roles",
    )
    member = models.ForeignKey(
        "Member",
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roles",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # Empty: held since before the system recorded it (roles loaded or made by the demo).
    starts_on = models.DateField(_("from"), null=True, blank=True)
    # The first day the role is no longer held (exclusive); empty while it is.
    ends_on = models.DateField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), null=True, blank=True, auto_now_add=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"],
                condition=models.Q(ends_on__isnull=True, user__isnull=False),
                name="role_held_once_by_user",
            ),
            models.UniqueConstraint(
                fields=["member", "organization", "role"],
                condition=models.Q(ends_on__isnull=True, member__isnull=False),
                name="role_held_once_by_member",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(member__isnull=False),
                name="role_held_by_someone",
            ),
        ]

    def __str__(self) -> str:
        holder = self.member if self.member_id else self.user
        return f"{holder} · {self.get_role_display()} · {self.organization}"

    @property
    def holder_name(self) -> str:
        if self.member_id is not None:
            return self.member.name  # type: ignore[union-attr]
        return str(self.user)

    @property
    def has_login(self) -> bool:
        return self.user_id is not None


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
    phone = models.CharField(_("phone"), max_length=20, blank=True)
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


class MemberMove(models.Model):
    """A member moved to another branch during the year (组织关系转接).

    The branch they move to ranks them from then on, for the whole year: their points of
    the year recorded in the branch they left are carried over as `transfer` entries, and
    both cards say so. The entries in the branch they left stay where they were recorded.
    """

    member = models.ForeignKey(
        "Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="moves"
    )
    from_branch = models.ForeignKey(
        Organization, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_branch = models.ForeignKey(
        Organization, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    moved_on = models.DateField(_("moved on"))
    reason = models.CharField(_("reason"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("move to another branch")
        verbose_name_plural = _("moves to another branch")
        ordering = ["-moved_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.member} {self.from_branch} → {self.to_branch}"


class Training(models.Model):
    """培训 (plan §3.1: 做好积分制管理的培训工作): a training the branch held, and who came."""

    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="trainings"
    )
    held_on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=200)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    attendees: models.ManyToManyField[Member, Any] = models.ManyToManyField(
        "Member", verbose_name=_("who attended"), related_name="trainings", blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.branch} {self.held_on} {self.topic}"


def _keep_name_key(person: Member | PublicRepresentative, kwargs: dict[str, Any]) -> None:
    """The pinyin key follows the name on every save, also a save of some fields only."""
    person.name_key = pinyin_key(person.name)
    fields = kwargs.get("update_fields")
    if fields is not None and "name" in fields and "name_key" not in fields:
        kwargs["update_fields"] = [*fields, "name_key"]


# A branch's and a committee's own settings: one model per level, in their own module.
from .settings_models import BranchSettings as BranchSettings  # noqa: E402
from .settings_models import CommitteeSettings as CommitteeSettings  # noqa: E402
