"""External identities: linking one to a member at its first sign-in, signing in with
it afterwards, and the committee removing a link.

The provider vouches for who the person is; the unit's key (JIFEN_SSO_LINK_FIELD: job
number, phone or username) says which member that is. A link is made only to an active
member whose login exists and is enabled, and only when exactly one member holds the
key: an identity never makes a login or a role, and never guesses between two people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import DomainError
from core.locks import ROW_LOCK
from organizations.models import Member

from ..models import ExternalIdentity, User

Provider = ExternalIdentity.Provider


class SignInRefused(DomainError):
    """The provider vouched for someone this system cannot sign in; the message says why."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: its own id for them, and the value of the unit's
    key it gave (empty when it gave none)."""

    provider: str
    external_id: str
    key_value: str = ""
    second_factor: bool = False  # the provider itself asked for a second factor
    claims: dict[str, Any] = field(default_factory=dict, compare=False)


def _normalised(value: str) -> str:
    return re.sub(r"\s+", "", str(value or ""))


def _phone_digits(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return digits[-11:] if len(digits) > 11 and digits.startswith("86") else digits


def members_with_key(value: str) -> list[Member]:
    """The active members whose key (JIFEN_SSO_LINK_FIELD) equals `value`."""
    value = _normalised(value)
    if not value:
        return []
    members = Member.objects.filter(is_active=True).select_related("user")
    key = settings.JIFEN_SSO_LINK_FIELD
    if key == "username":
        return list(members.filter(user__username=value))
    if key == "phone":
        wanted = _phone_digits(value)
        # Phones are stored as typed (spaces, dashes): compare digits, among a few rows.
        candidates = members.filter(phone__contains=wanted[-4:]) if len(wanted) >= 4 else []
        return [m for m in candidates if _phone_digits(m.phone) == wanted]
    return list(members.filter(job_number=value))


def _refuse(identity: Identity, reason: str, message: str) -> SignInRefused:
    return SignInRefused(message, reason=reason)


def _audit_refusal(identity: Identity, reason: str) -> None:
    audit_record(
        action="accounts.login_failed",
        object_repr=f"{identity.provider}:{identity.external_id}"[:200],
        after={
            "provider": identity.provider,
            "external_id": identity.external_id,
            "key_value": identity.key_value,
            "reason": reason,
        },
    )


def identity_user(identity: Identity) -> User:
    """The login this identity signs in as, linking it at its first use. Refusals are
    audited as failed sign-ins and raised as SignInRefused with a message for the person.
    """
    try:
        with transaction.atomic():
            link = (
                ExternalIdentity.objects.select_related("user")
                .filter(provider=identity.provider, external_id=identity.external_id)
                .first()
            )
            if link is None:
                link = _link(identity)
            user = link.user
            if not user.is_active:
                raise _refuse(
                    identity,
                    "login_disabled",
                    _("Your login is disabled. Please ask your branch."),
                )
            link.last_used_at = timezone.now()
            link.save(update_fields=["last_used_at"])
            return user
    except SignInRefused as refused:  # audited after the rollback, so the row stays
        _audit_refusal(identity, refused.reason)
        raise


def _link(identity: Identity) -> ExternalIdentity:
    provider_label = Provider(identity.provider).label
    members = members_with_key(identity.key_value)
    if not members:
        raise _refuse(
            identity,
            "no_member",
            _(
                "%(provider)s signed you in, but no party member here matches your account. "
                "Please ask your branch to record your %(key)s."
            )
            % {"provider": provider_label, "key": key_label()},
        )
    if len(members) > 1:
        raise _refuse(
            identity,
            "ambiguous",
            _(
                "%(provider)s signed you in, but several members here share your %(key)s. "
                "Please ask your branch to correct it."
            )
            % {"provider": provider_label, "key": key_label()},
        )
    member = members[0]
    if member.user is None:
        raise _refuse(
            identity,
            "no_login",
            _(
                "You have no login in this system yet. Please ask your branch for one; "
                "signing in through %(provider)s then links to it."
            )
            % {"provider": provider_label},
        )
    if ExternalIdentity.objects.filter(provider=identity.provider, user=member.user).exists():
        raise _refuse(
            identity,
            "already_linked",
            _(
                "Your login is already linked to another %(provider)s account. Please ask the "
                "party committee to remove the old link."
            )
            % {"provider": provider_label},
        )
    try:
        with transaction.atomic():
            link = ExternalIdentity.objects.create(
                user=member.user,
                provider=identity.provider,
                external_id=identity.external_id,
                matched_on=settings.JIFEN_SSO_LINK_FIELD,
            )
    except IntegrityError:  # the same first sign-in twice at once
        return ExternalIdentity.objects.select_related("user").get(
            provider=identity.provider, external_id=identity.external_id
        )
    audit_record(
        action="accounts.identity.linked",
        actor=member.user,
        obj=member.user,
        organization=member.branch_id,
        after={
            "provider": identity.provider,
            "external_id": identity.external_id,
            "matched_on": link.matched_on,
            "key_value": identity.key_value,
        },
    )
    return link


def linked_addresses(provider: str, user_ids: list[int]) -> dict[int, str]:
    """Each user's account at the provider, for pushing messages there (one query)."""
    return dict(
        ExternalIdentity.objects.filter(provider=provider, user_id__in=user_ids).values_list(
            "user_id", "external_id"
        )
    )


def key_label() -> str:
    return {
        "job_number": _("job number"),
        "phone": _("phone number"),
        "username": _("user name"),
    }[settings.JIFEN_SSO_LINK_FIELD]


def identity_unlink(*, identity: ExternalIdentity, actor: Any) -> None:
    """Remove a link (the committee, from the list of links). The person signs in through
    the provider again only after a new link is made by the unit's key."""
    with transaction.atomic():
        locked = (
            ExternalIdentity.objects.select_for_update(**ROW_LOCK).filter(pk=identity.pk).first()
        )
        if locked is None:
            raise DomainError(_("This link has already been removed."))
        member = Member.objects.filter(user_id=locked.user_id).first()
        audit_record(
            action="accounts.identity.unlinked",
            actor=actor,
            obj=locked.user,
            organization=member.branch_id if member else None,
            before={
                "provider": locked.provider,
                "external_id": locked.external_id,
                "matched_on": locked.matched_on,
            },
        )
        locked.delete()


def mark_second_factor(request: Any, identity: Identity) -> None:
    """After signing in: a provider that asked for a second factor itself counts as one
    (the session owes no code of ours); otherwise the two-factor rules stand as after a
    password (accounts/two_factor.py decided at sign-in)."""
    from ..two_factor import SESSION_KEY

    if identity.second_factor:
        request.session[SESSION_KEY] = False
