"""Who acted: the signed-in user a service records as actor, or nobody.

Services take the request's user (possibly anonymous: a public link, a command run by
nobody in particular) and keep it on the row they write (`recorded_by`, `granted_by`, …)
and in the audit log; an anonymous user is stored as no one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest

if TYPE_CHECKING:
    # django-stubs' plugin reads this alias as the AUTH_USER_MODEL (accounts.User), which
    # `core` may not import: accounts sits above it.
    from django.contrib.auth.models import _User as User


def signed_in(actor: object) -> User | None:
    """The actor if signed in, else None."""
    # Anything with a true `is_authenticated` is a user: AnonymousUser's is False.
    return cast("User", actor) if getattr(actor, "is_authenticated", False) else None


class SignedInRequest(HttpRequest):
    """The request of a view behind `login_required`: its user is signed in."""

    user: User
