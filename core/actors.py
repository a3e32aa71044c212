"""Who acted: the signed-in user a service records as actor, or nobody.

Services take the request's user (possibly anonymous: a public link, a command run by
nobody in particular) and keep it on the row they write (`recorded_by`, `granted_by`, …)
and in the audit log; an anonymous user is stored as no one.
"""

from __future__ import annotations

from typing import Any


def signed_in(actor: Any) -> Any:
    """The actor if signed in, else None."""
    return actor if getattr(actor, "is_authenticated", False) else None
