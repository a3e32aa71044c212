"""Personal access tokens and service accounts: made, used, revoked; each step audited.

A token is `jf_` followed by 40 random URL-safe characters. Only its SHA-256 hash and the
first characters (to tell tokens apart on the account page) are stored, like pretix's
team tokens and GitHub's personal access tokens; the token itself is shown once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import DomainError, PermissionDenied
from organizations.models import Organization
from organizations.permissions import scope_for
from organizations.roles import role_grant
from organizations.services import check_username, user_create

from .models import ApiToken, ServiceAccount

TOKEN_PREFIX = "jf_"  # noqa: S105 - the visible kind of the token, not a secret
VISIBLE = 8  # characters of the token kept in clear, "jf_" included
MAX_NAME = 100
MAX_EXPIRES_DAYS = 3650


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _checked_days(expires_days: int | None) -> int | None:
    if expires_days is None:
        return None
    if not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        raise DomainError(_("A token expires after 1 to %(max)d days.") % {"max": MAX_EXPIRES_DAYS})
    return expires_days


@transaction.atomic
def token_create(
    *,
    user: Any,
    name: str,
    scope: str = ApiToken.Scope.READ,
    expires_days: int | None = None,
    created_by: Any = None,
) -> tuple[ApiToken, str]:
    """Make a personal access token for `user`; returns the row and the token, which is
    never stored and cannot be shown again."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise DomainError(
            _("Give the token a name of at most %(max)d characters.") % {"max": MAX_NAME}
        )
    if scope not in ApiToken.Scope.values:
        raise DomainError(_("A token's scope is read or write."))
    if not user.is_active:
        raise DomainError(_("The login is disabled."))
    days = _checked_days(expires_days)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:VISIBLE],
        token_hash=token_hash(raw),
        scope=scope,
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
        created_by=created_by,
    )
    audit_record(
        action="api.token.created",
        actor=created_by,
        obj=token,
        after={
            "user": user.pk,
            "name": name,
            "prefix": token.prefix,
            "scope": scope,
            "expires_at": token.expires_at,
        },
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: Any) -> ApiToken:
    """Stop a token at once; it is kept (revoked) so that its uses stay explained."""
    if token.user_id != getattr(actor, "pk", None) and not scope_for(actor).is_committee:
        raise PermissionDenied(_("Only its owner or the committee can revoke a token."))
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        action="api.token.revoked",
        actor=actor,
        obj=token,
        after={"user": token.user_id, "prefix": token.prefix},
    )
    return token


def token_for_key(raw: str) -> ApiToken | None:
    """The usable token with this key (not revoked, not expired, its login active)."""
    raw = (raw or "").strip()
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or token.is_expired or not token.user.is_active:
        return None
    return token


def token_used(*, token: ApiToken, method: str, path: str, status: int) -> None:
    """One audit row per request made with a token; its last use kept to the minute, so a
    busy integration writes the token's row once a minute, not once a request."""
    now = timezone.now()
    with transaction.atomic():
        if token.last_used_at is None or now - token.last_used_at > dt.timedelta(
            seconds=getattr(settings, "JIFEN_API_LAST_USED_EVERY", 60)
        ):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        audit_record(
            action="api.token.used",
            actor=token.user,
            obj=token,
            object_repr=f"{method} {path}"[:200],
            after={"method": method, "path": path[:300], "status": status, "prefix": token.prefix},
        )


@transaction.atomic
def service_account_create(
    *,
    username: str,
    purpose: str,
    organization: Organization,
    role: str,
    actor: Any,
) -> ServiceAccount:
    """The committee opens a login for an integration: no password (tokens only) and one
    role, granted through the same service as any appointment."""
    if not scope_for(actor).is_committee:
        raise PermissionDenied(_("Only the committee grants service accounts."))
    username = check_username(username)
    purpose = (purpose or "").strip()[:200]
    user = user_create(
        username=username,
        password=None,
        actor=actor,
        full_name=purpose or username,
        must_change_password=False,
    )
    account = ServiceAccount.objects.create(user=user, purpose=purpose, granted_by=actor)
    role_grant(
        organization=organization,
        role=role,
        user=user,
        reason=_("Service account: %(purpose)s") % {"purpose": purpose or username},
        actor=actor,
    )
    audit_record(
        action="api.service_account.created",
        actor=actor,
        obj=account,
        organization=organization,
        after={"user": user.pk, "username": username, "role": role, "purpose": purpose},
    )
    return account
