"""First run without the demo: an empty database gets its party committee and the first
committee administrator, whose one-time password is printed and must be changed at the
first sign-in. Everything after that is done in the pages."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from organizations.models import Member, Organization, Role
from organizations.roles import role_grant
from organizations.services import check_username, organization_save, user_create

from .models import User

DEFAULT_CODE = "committee"


@dataclass(frozen=True)
class Bootstrapped:
    committee: Organization
    admin: User
    password: str


def database_is_empty() -> bool:
    """Nothing but what the migrations write: no organisation, member or login (a
    superuser made with createsuperuser may exist: it holds no role)."""
    return not (Organization.objects.exists() or Member.objects.exists() or User.objects.exists())


def one_time_password(user: Any) -> str:
    """16 characters of all four kinds, passing the site's password rules."""
    alphabet = string.ascii_letters + string.digits + "-_.!@#"
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(16))
        kinds = (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
        if all(kinds):
            try:
                validate_password(password, user)
            except Exception:  # noqa: S112 - a rare unlucky draw: draw again
                continue
            return password


@transaction.atomic
def bootstrap(
    *, committee_name: str, admin_username: str, code: str = DEFAULT_CODE
) -> Bootstrapped:
    """Create the party committee and its first administrator on an empty database."""
    if not database_is_empty():
        raise DomainError(
            _(
                "The database is not empty: bootstrap only starts a new installation. Sign in "
                "as a committee administrator to add what is missing."
            )
        )
    committee_name = (committee_name or "").strip()
    if not committee_name:
        raise DomainError(_("Give the party committee's name."))
    username = check_username(admin_username)
    committee, _created = organization_save(
        code=code, name=committee_name, kind=Organization.Kind.COMMITTEE, parent=None
    )
    admin = user_create(username=username, password=None, full_name="")
    password = one_time_password(admin)
    admin.set_password(password)
    admin.must_change_password = True
    admin.save(update_fields=["password", "must_change_password"])
    role_grant(
        organization=committee,
        role=Role.COMMITTEE_ADMIN,
        user=admin,
        reason=_("First administrator, created by bootstrap"),
    )
    return Bootstrapped(committee, admin, password)
