"""Sign-in failures go to the audit log: the attempted user name, never the password."""

from typing import Any

from django.contrib.auth import get_user_model

from .services import audit_record


def record_login_failure(
    sender: Any, credentials: dict[str, Any] | None = None, **kwargs: Any
) -> None:
    field = get_user_model().USERNAME_FIELD
    username = str((credentials or {}).get(field) or "")[:150]
    audit_record(
        action="accounts.login_failed",
        object_repr=username,
        after={"username": username},
    )
