"""The organisation tree in the committee's pages: create, rename, move and close general
branches, branches and departments. Closing keeps the history: a closed organisation's
members, points and tables stay readable, it takes nothing new."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from core.errors import DomainError
from core.locks import ROW_LOCK

from .models import Department, Organization
from .services import check_parent, organization_save

NAME_LIMIT = 100


def organization_create(
    *, code: str, name: str, kind: str, parent: Organization, actor: Any
) -> Organization:
    """A new general branch or branch under the committee (or a general branch)."""
    if Organization.objects.filter(code=(code or "").strip()).exists():
        raise DomainError(_("The code “%(code)s” is taken.") % {"code": code})
    if parent.is_closed:
        raise DomainError(_("%(org)s is closed.") % {"org": parent.name})
    org, _created = organization_save(code=code, name=name, kind=kind, parent=parent, actor=actor)
    return org


def _locked(org: Organization) -> Organization:
    return Organization.objects.select_for_update(**ROW_LOCK).get(pk=org.pk)


@transaction.atomic
def organization_rename(*, org: Organization, name: str, actor: Any) -> Organization:
    org = _locked(org)
    saved, _created = organization_save(
        code=org.code, name=name, kind=org.kind, parent=org.parent, actor=actor, order=org.order
    )
    return saved


@transaction.atomic
def organization_move(*, org: Organization, parent: Organization, actor: Any) -> Organization:
    """Put a branch under another general branch or straight under the committee."""
    org = _locked(org)
    if org.is_committee:
        raise DomainError(_("A party committee is not moved."))
    if parent.is_closed:
        raise DomainError(_("%(org)s is closed.") % {"org": parent.name})
    if parent.committee().pk != org.committee().pk:
        raise DomainError(_("An organisation stays under its own party committee."))
    check_parent(kind=org.kind, parent_kind=parent.kind)
    saved, _created = organization_save(
        code=org.code, name=org.name, kind=org.kind, parent=parent, actor=actor, order=org.order
    )
    return saved


@transaction.atomic
def organization_close(
    *, org: Organization, reason: str, actor: Any, on: dt.date | None = None
) -> Organization:
    """Close an organisation that has no active members and nothing open under it."""
    org = _locked(org)
    if org.is_committee:
        raise DomainError(_("A party committee is not closed here."))
    if org.is_closed:
        raise DomainError(_("%(org)s is already closed.") % {"org": org.name})
    reason = (reason or "").strip()[:200]
    if not reason:
        raise DomainError(_("Give the reason for closing."))
    if org.members.filter(is_active=True).exists():
        raise DomainError(
            _(
                "%(org)s still has members: move them to another branch or record that they "
                "have left first."
            )
            % {"org": org.name}
        )
    if org.children.filter(closed_on__isnull=True).exists():
        raise DomainError(_("Close or move the branches under %(org)s first.") % {"org": org.name})
    before = snapshot(org, ["closed_on", "closed_reason"])
    org.closed_on = on or timezone.localdate()
    org.closed_reason = reason
    org.save(update_fields=["closed_on", "closed_reason"])
    from .models import RoleAssignment
    from .roles import role_end

    for assignment in RoleAssignment.objects.filter(organization=org, ends_on__isnull=True):
        role_end(
            assignment=assignment,
            ends_on=org.closed_on,
            reason=_("The organisation was closed."),
            actor=actor,
        )
    audit_record(
        action="organizations.organization.closed",
        actor=actor,
        obj=org,
        organization=org,
        before=before,
        after=snapshot(org, ["closed_on", "closed_reason"]),
    )
    return org


def _department_name(name: str, *, exclude: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the department's name."))
    if len(name) > NAME_LIMIT:
        raise DomainError(_("The name is longer than 100 characters."))
    taken = Department.objects.filter(name=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise DomainError(_("The department “%(name)s” already exists.") % {"name": name})
    return name


@transaction.atomic
def department_rename(
    *, department: Department, name: str, business_line: str = "", actor: Any
) -> Department:
    department = Department.objects.select_for_update(**ROW_LOCK).get(pk=department.pk)
    before = snapshot(department, ["name", "business_line"])
    department.name = _department_name(name, exclude=department.pk)
    department.business_line = (business_line or "").strip()[:50]
    if snapshot(department, ["name", "business_line"]) == before:
        return department
    department.save(update_fields=["name", "business_line"])
    audit_record(
        action="organizations.department.updated",
        actor=actor,
        obj=department,
        before=before,
        after=snapshot(department, ["name", "business_line"]),
    )
    return department


@transaction.atomic
def department_close(*, department: Department, actor: Any) -> Department:
    """A department no longer in use: kept for its history, offered to nobody new."""
    department = Department.objects.select_for_update(**ROW_LOCK).get(pk=department.pk)
    if department.closed_on is not None:
        raise DomainError(_("This department is already closed."))
    if department.members.filter(is_active=True).exists():
        raise DomainError(_("Active members still work in this department; change theirs first."))
    department.closed_on = timezone.localdate()
    department.save(update_fields=["closed_on"])
    audit_record(
        action="organizations.department.closed",
        actor=actor,
        obj=department,
        after=snapshot(department, ["name", "closed_on"]),
    )
    return department
