"""Writes to organisations, departments, members, roles and members' accounts.

Each service validates, writes, and appends an audit row with the old and new
values. A write that would change nothing writes nothing (and no audit row), so
loaders and the demo can be run again without side effects.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from core.errors import DomainError
from core.identity import id_number_ok, normalize_id_number, normalize_phone, phone_ok
from core.locks import ROW_LOCK

from .models import (
    Department,
    Member,
    Organization,
    PublicRepresentative,
    Role,
)

if TYPE_CHECKING:
    from .imports import MemberRow

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
PHONE_RE = re.compile(r"^[0-9+\- ]{3,20}$")
MEMBER_FIELDS = [
    "name",
    "gender",
    "birth_month",
    "department",
    "position",
    "phone",
    "id_number",
    "joined_on",
    "standing",
    "is_retired",
    "is_active",
    "job_number",  # the HR/OA system's key (工号): sign-in linking and the API's sync
]
# Never the password hash.
USER_AUDIT_FIELDS = ["id", "username", "first_name", "last_name", "is_active"]
OFFICER_ROLES = {Role.SECRETARY, Role.GROUP_LEADER, Role.GROUP_MEMBER, Role.RECORDER}


# Organisations -------------------------------------------------------------


def check_parent(*, kind: str, parent_kind: str | None) -> None:
    """The tree the plan describes: committee → (general branch →) branch."""
    if kind == Organization.Kind.COMMITTEE:
        if parent_kind is not None:
            raise DomainError(_("A party committee has no parent organisation."))
        return
    if parent_kind is None:
        raise DomainError(_("A branch or general branch needs a parent organisation."))
    if kind == Organization.Kind.GENERAL_BRANCH and parent_kind != Organization.Kind.COMMITTEE:
        raise DomainError(_("A general branch belongs directly to a party committee."))
    if kind == Organization.Kind.BRANCH and parent_kind == Organization.Kind.BRANCH:
        raise DomainError(_("A branch belongs to a party committee or a general branch."))


def _check_no_cycle(org: Organization, parent: Organization | None) -> None:
    node, seen = parent, set()
    while node is not None and node.pk not in seen:
        if org.pk is not None and node.pk == org.pk:
            raise DomainError(_("An organisation cannot be placed under itself."))
        seen.add(node.pk)
        node = node.parent


@transaction.atomic
def organization_save(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Organization | None,
    actor: Any = None,
    order: int | None = None,
) -> tuple[Organization, bool]:
    """Create the organisation with this code, or bring it up to date; returns (org, created)."""
    code, name = (code or "").strip(), (name or "").strip()
    if not CODE_RE.match(code):
        raise DomainError(_("A code is 1–32 letters, digits, hyphens or underscores."))
    if not name:
        raise DomainError(_("Give the organisation's name."))
    if len(name) > 100:
        raise DomainError(_("The name is longer than 100 characters."))
    if kind not in Organization.Kind.values:
        raise DomainError(_("Unknown kind of organisation “%(kind)s”.") % {"kind": kind})
    check_parent(kind=kind, parent_kind=parent.kind if parent is not None else None)
    org = Organization.objects.select_for_update(**ROW_LOCK).filter(code=code).first()
    created = org is None
    if org is None:
        org = Organization(code=code)
        before = None
    else:
        before = snapshot(org)
        if kind == Organization.Kind.COMMITTEE and org.members.exists():
            raise DomainError(_("An organisation with members cannot become a party committee."))
        if kind == Organization.Kind.BRANCH and org.children.exists():
            raise DomainError(_("This organisation has branches under it; it cannot be a branch."))
        if (
            kind == Organization.Kind.GENERAL_BRANCH
            and org.children.filter(kind=Organization.Kind.GENERAL_BRANCH).exists()
        ):
            raise DomainError(_("This organisation has general branches under it."))
        _check_no_cycle(org, parent)
    org.name, org.kind, org.parent = name, kind, parent
    if order is not None:
        org.order = order
    if not created and snapshot(org) == before:
        return org, False
    org.save()
    audit_record(
        action="organizations.organization." + ("created" if created else "updated"),
        actor=actor,
        obj=org,
        organization=org,
        before=before,
        after=snapshot(org),
    )
    return org, created


@transaction.atomic
def department_create(*, name: str, business_line: str = "", actor: Any = None) -> Department:
    """Add a work unit (科室/单位); its name is unique in the bureau."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the department's name."))
    if len(name) > 100:
        raise DomainError(_("The name is longer than 100 characters."))
    if Department.objects.filter(name=name).exists():
        raise DomainError(_("The department “%(name)s” already exists.") % {"name": name})
    department = Department.objects.create(name=name, business_line=business_line.strip()[:50])
    audit_record(
        action="organizations.department.created",
        actor=actor,
        obj=department,
        after=snapshot(department),
    )
    return department


# Members --------------------------------------------------------------------


def _clean_member(member: Member) -> None:
    member.name = (member.name or "").strip()
    member.position = (member.position or "").strip()
    member.phone = (member.phone or "").strip()
    member.id_number = (member.id_number or "").strip()
    if not member.name:
        raise DomainError(_("Give the member's name."))
    if len(member.name) > 50:
        raise DomainError(_("The name is longer than 50 characters."))
    if len(member.position) > 100:
        raise DomainError(_("The position is longer than 100 characters."))
    _clean_phone(member)
    _clean_id_number(member)
    _clean_job_number(member)
    if member.gender not in ("", *Member.Gender.values):
        raise DomainError(_("Choose male or female."))
    if member.standing not in Member.Standing.values:
        raise DomainError(_("Choose full or probationary member."))
    if not member.branch.owns_members:
        raise DomainError(_("Members belong to a branch or general branch, not a committee."))
    if member.branch.is_closed and member.is_active:
        raise DomainError(_("%(branch)s is closed.") % {"branch": member.branch.name})
    today = timezone.localdate()
    if member.birth_month is not None:
        member.birth_month = member.birth_month.replace(day=1)
        if member.birth_month > today or member.birth_month.year < 1900:
            raise DomainError(_("The birth month is not plausible."))
    if member.joined_on is not None:
        if member.joined_on > today or member.joined_on.year < 1900:
            raise DomainError(_("The date of joining the party is not plausible."))
        if member.birth_month is not None and member.joined_on < member.birth_month:
            raise DomainError(_("The member cannot have joined the party before birth."))


def _clean_phone(member: Member) -> None:
    """A phone number that reads as one, given for no other serving member."""
    member.phone = normalize_phone(member.phone)
    if member.phone and not phone_ok(member.phone):
        raise DomainError(
            _(
                "“%(phone)s” is not a phone number: a mobile number of 11 digits, or a "
                "landline with its area code (0539-8888888)."
            )
            % {"phone": member.phone}
        )
    if member.phone:
        same = Member.objects.filter(phone=member.phone, is_active=True).exclude(pk=member.pk)
        other = same.select_related("branch").first()
        if other is not None:
            raise DomainError(
                _("The phone number %(phone)s is already given for %(name)s (%(branch)s).")
                % {"phone": member.phone, "name": other.name, "branch": other.branch.name}
            )


def _clean_id_number(member: Member) -> None:
    """An ID number with a right check digit, no other member's."""
    member.id_number = normalize_id_number(member.id_number)
    if member.id_number and not id_number_ok(member.id_number):
        raise DomainError(
            _("“%(number)s” is not a valid ID number (18 characters, with its check digit).")
            % {"number": member.id_number}
        )
    if (
        member.id_number
        and Member.objects.filter(id_number=member.id_number).exclude(pk=member.pk).exists()
    ):
        raise DomainError(_("Another member already has this ID number."))


def _clean_job_number(member: Member) -> None:
    """The unit's job number (HR/OA sync matches on it): unique among active members."""
    member.job_number = (member.job_number or "").strip()
    if len(member.job_number) > 32:
        raise DomainError(_("The job number is longer than 32 characters."))
    if (
        member.job_number
        and Member.objects.filter(job_number=member.job_number, is_active=True)
        .exclude(pk=member.pk)
        .exists()
    ):
        raise DomainError(_("Another member already has this job number."))


@transaction.atomic
def member_create(
    *,
    branch: Organization,
    name: str,
    gender: str = "",
    birth_month: dt.date | None = None,
    department: Department | None = None,
    position: str = "",
    phone: str = "",
    id_number: str = "",
    joined_on: dt.date | None = None,
    standing: str = Member.Standing.FULL,
    is_retired: bool = False,
    actor: Any = None,
) -> Member:
    """Enter a party member into a branch's roll."""
    member = Member(
        branch=branch,
        name=name,
        gender=gender,
        birth_month=birth_month,
        department=department,
        position=position,
        phone=phone,
        id_number=id_number,
        joined_on=joined_on,
        standing=standing,
        is_retired=is_retired,
    )
    _clean_member(member)
    member.save()
    audit_record(
        action="organizations.member.created",
        actor=actor,
        obj=member,
        organization=branch,
        after=snapshot(member),
    )
    return member


@transaction.atomic
def member_update(*, member: Member, actor: Any = None, **fields: Any) -> Member:
    """Correct a member's particulars; the branch stays (moving is a separate step)."""
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise TypeError(f"member_update cannot change {sorted(unknown)}")
    before = snapshot(member)
    for field, value in fields.items():
        setattr(member, field, value)
    _clean_member(member)
    after = snapshot(member)
    if after == before:
        return member
    member.save()
    audit_record(
        action="organizations.member.updated",
        actor=actor,
        obj=member,
        organization=member.branch_id,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
    )
    return member


@transaction.atomic
def members_import(
    *, rows: Iterable[MemberRow], create_departments: bool, actor: Any = None
) -> dict[str, int]:
    """Bring a roll read from a workbook into the branches, all rows or none.

    A row matching an active member of its branch by name and birth month updates
    that member with the cells it fills; any other row adds a member.
    """
    rows = list(rows)
    branches = Organization.objects.in_bulk({r.branch_id for r in rows})
    departments = {
        d.name: d for d in Department.objects.filter(name__in={r.department for r in rows})
    }
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for row in rows:
        department = None
        if row.department:
            department = departments.get(row.department)
            if department is None:
                if not create_departments:
                    raise DomainError(
                        _("Row %(row)d: there is no department “%(name)s”.")
                        % {"row": row.line, "name": row.department}
                    )
                department = department_create(name=row.department, actor=actor)
                departments[row.department] = department
        fields = row.member_fields()
        if department is not None:
            fields["department"] = department
        matches = list(
            Member.objects.select_for_update(**ROW_LOCK).filter(
                branch_id=row.branch_id,
                name=row.name,
                birth_month=row.birth_month,
                is_active=True,
            )[:2]
        )
        try:
            if len(matches) > 1:
                raise DomainError(
                    _("Several members of the branch have this name and birth month.")
                )
            if matches:
                before = snapshot(matches[0])
                member_update(member=matches[0], actor=actor, **fields)
                counts["updated" if snapshot(matches[0]) != before else "unchanged"] += 1
            else:
                member_create(branch=branches[row.branch_id], actor=actor, **fields)
                counts["created"] += 1
        except DomainError as exc:
            raise DomainError(
                _("Row %(row)d: %(problem)s") % {"row": row.line, "problem": exc.message}
            ) from exc
    return counts


@transaction.atomic
def public_representative_create(
    *, branch: Organization, name: str, affiliation: str = "", actor: Any = None
) -> PublicRepresentative:
    """Add a 群众代表 who votes in the branch's democratic appraisal."""
    name, affiliation = (name or "").strip(), (affiliation or "").strip()
    if not name:
        raise DomainError(_("Give the representative's name."))
    if len(name) > 50 or len(affiliation) > 100:
        raise DomainError(_("The name or work unit is too long."))
    if not branch.owns_members:
        raise DomainError(_("Public representatives belong to a branch."))
    rep = PublicRepresentative.objects.create(branch=branch, name=name, affiliation=affiliation)
    audit_record(
        action="organizations.public_representative.created",
        actor=actor,
        obj=rep,
        organization=branch,
        after=snapshot(rep),
    )
    return rep


# Accounts -------------------------------------------------------------------


def _check_password(password: str, user: Any) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(str(m) for m in exc.messages)) from exc


USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{2,29}$")


def check_username(username: str) -> str:
    """3–30 Latin letters, digits, “.”, “_” or “-”, beginning with a letter (typed on any
    phone's keyboard), not taken in any spelling of upper and lower case."""
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise DomainError(
            _(
                "A username is 3–30 Latin letters, digits, “.”, “_” or “-”, beginning with a "
                "letter (for example zhanghongmei)."
            )
        )
    if get_user_model().objects.filter(username__iexact=username).exists():
        raise DomainError(_("The username “%(name)s” is taken.") % {"name": username})
    return username


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    actor: Any = None,
    full_name: str = "",
    must_change_password: bool = True,
) -> Any:
    """Open a login; the initial password must be changed at the first sign-in. Without a
    password the login waits for its activation slip (accounts.activation)."""
    user_model = get_user_model()
    username = (username or "").strip()
    if not username or len(username) > 150 or not re.match(r"^[\w.@+-]+$", username):
        raise DomainError(_("A username is up to 150 letters, digits and @ . + - _ characters."))
    if user_model.objects.filter(username__iexact=username).exists():
        raise DomainError(_("The username “%(name)s” is taken.") % {"name": username})
    user = user_model(username=username, must_change_password=must_change_password)
    # Chinese names are not split into first and last; keep the whole name in one field.
    user.first_name = (full_name or "").strip()[:150]
    if password is None:
        user.set_unusable_password()
        user.must_change_password = False
    else:
        _check_password(password, user)
        user.set_password(password)
    user.save()
    audit_record(
        action="accounts.user.created",
        actor=actor,
        obj=user,
        after=snapshot(user, USER_AUDIT_FIELDS),
    )
    return user


@transaction.atomic
def user_create_for_member(
    *,
    member: Member,
    username: str,
    password: str | None,
    actor: Any = None,
    must_change_password: bool = True,
) -> Any:
    """Give a member a login of their own (to declare, vote and read their card)."""
    member = Member.objects.select_for_update(**ROW_LOCK).get(pk=member.pk)
    if member.user_id is not None:
        raise DomainError(_("%(name)s already has a user account.") % {"name": member.name})
    if not member.is_active:
        raise DomainError(_("The member has left the branch."))
    user = user_create(
        username=username,
        password=password,
        actor=actor,
        full_name=member.name,
        must_change_password=must_change_password,
    )
    member.user = user
    member.save(update_fields=["user"])
    from .roles import roles_link_login

    roles_link_login(member)
    audit_record(
        action="organizations.member.user_linked",
        actor=actor,
        obj=member,
        organization=member.branch_id,
        after={"user": user.pk, "username": user.get_username()},
    )
    return user


# Roles live in organizations.roles; re-exported here for the callers of old.
from .roles import role_end, role_grant  # noqa: E402

__all__ = ["role_end", "role_grant"]
