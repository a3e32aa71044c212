"""What a branch keeps about its own work besides its members: 培训 (plan §3.1: 做好积分制
管理的培训工作) and its public representatives (群众代表) for the democratic appraisal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, snapshot
from core.actors import signed_in
from core.errors import DomainError
from core.identity import normalize_phone, phone_ok

from .models import Member, Organization, PublicRepresentative, Training


@transaction.atomic
def training_record(
    *,
    branch: Organization,
    held_on: dt.date,
    topic: str,
    notes: str = "",
    attendees: Iterable[Member] = (),
    actor: Any,
) -> Training:
    """Record a training the branch held on points management, and who came."""
    topic = (topic or "").strip()
    if not topic:
        raise DomainError(_("Give the topic of the training."))
    if held_on > timezone.localdate():
        raise DomainError(_("A training is recorded once it has been held."))
    people = list(attendees)
    for member in people:
        if member.branch_id != branch.pk:
            raise DomainError(
                _("%(name)s is not a member of %(branch)s.")
                % {"name": member.name, "branch": branch.name}
            )
    training = Training.objects.create(
        branch=branch,
        held_on=held_on,
        topic=topic[:200],
        notes=(notes or "").strip()[:2000],
        recorded_by=signed_in(actor),
    )
    training.attendees.set(people)
    audit_record(
        action="organizations.training.recorded",
        actor=actor,
        obj=training,
        organization=branch,
        after={**snapshot(training), "attendees": [m.pk for m in people]},
    )
    return training


def _rep_fields(name: str, affiliation: str, phone: str) -> tuple[str, str, str]:
    name, affiliation = (name or "").strip(), (affiliation or "").strip()
    phone = normalize_phone(phone)
    if not name:
        raise DomainError(_("Give the representative's name."))
    if len(name) > 50 or len(affiliation) > 100:
        raise DomainError(_("The name or work unit is too long."))
    if phone and not phone_ok(phone):
        raise DomainError(_("“%(phone)s” is not a phone number.") % {"phone": phone})
    return name, affiliation, phone


@transaction.atomic
def representative_save(
    *,
    branch: Organization,
    name: str,
    affiliation: str = "",
    phone: str = "",
    representative: PublicRepresentative | None = None,
    actor: Any,
) -> PublicRepresentative:
    """Add a 群众代表 to the branch, or correct one's particulars; they have no account."""
    name, affiliation, phone = _rep_fields(name, affiliation, phone)
    if not branch.owns_members or branch.is_closed:
        raise DomainError(_("Public representatives belong to an open branch."))
    if representative is None:
        rep = PublicRepresentative.objects.create(
            branch=branch, name=name, affiliation=affiliation, phone=phone
        )
        audit_record(
            action="organizations.public_representative.created",
            actor=actor,
            obj=rep,
            organization=branch,
            after=snapshot(rep),
        )
        return rep
    if representative.branch_id != branch.pk:
        raise DomainError(_("The representative belongs to another branch."))
    before = snapshot(representative)
    representative.name, representative.affiliation, representative.phone = (
        name,
        affiliation,
        phone,
    )
    representative.save()
    audit_record(
        action="organizations.public_representative.updated",
        actor=actor,
        obj=representative,
        organization=branch,
        before=before,
        after=snapshot(representative),
    )
    return representative


@transaction.atomic
def representative_retire(*, representative: PublicRepresentative, actor: Any) -> None:
    """A representative no longer takes part: kept in past sessions, offered no more."""
    if not representative.is_active:
        raise DomainError(_("This representative has already stepped down."))
    representative.is_active = False
    representative.save(update_fields=["is_active"])
    audit_record(
        action="organizations.public_representative.retired",
        actor=actor,
        obj=representative,
        organization=representative.branch_id,
        after=snapshot(representative, ["name", "is_active"]),
    )
