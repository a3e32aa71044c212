"""My data (PIPL, 个人信息保护法 §45): everything the system holds about a member, as JSON
and as an .xlsx workbook (one sheet per part).

What is about them and not secret: their login and member record, roles, declarations
with lines and evidence (the files' names and hashes), ledger entries and vetoes, the
appraisal results (their own scores and grades, never a ballot: who voted how stays
secret, so ballots, marks and voting codes are left out), commitments and posts,
attendance, dues, notifications and message settings, participation and exemptions,
objections, help talks and handling cases, moves, linked identities, API tokens (never
their hashes) and the audit events they did or that are about them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import ExternalIdentity
from appraisals.models import Evaluee
from audit.models import AuditEvent
from audit.services import audit_record
from commitments.models import Commitment, IdentityPost, VanguardPost
from core.spreadsheets import cell_value
from declarations.models import Declaration, DeclarationLine, EvidenceFile
from ledger.models import Entry, Veto
from notifications.models import Notification, PushPreference
from organizations.models import Member, MemberMove, Participation, RoleAssignment
from orglife.models import Attendance, DuesRecord
from participation.models import Exemption, RetireeDecision
from publicity.models import Objection
from results.models import HandlingCase, HelpTalk

from .models import ApiToken

# Never written out: secrets, the keys to public pages, and the audit chain's own hashes
# (integrity data of the whole log, not about the person).
SECRET_FIELDS = frozenset({"password", "token_hash", "code_hash", "token", "hash", "prev_hash"})
USER_FIELDS = [
    "id",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "last_login",
    "date_joined",
]
AUDIT_LIMIT = 5000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return value
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _fields(model: type[models.Model]) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.name not in SECRET_FIELDS and f.attname not in SECRET_FIELDS
    ]


def rows(queryset: Any, model: type[models.Model] | None = None) -> list[dict[str, Any]]:
    """The rows as records of their plain fields (foreign keys as ids), secrets left out."""
    names = _fields(model or queryset.model)
    return [{k: _plain(v) for k, v in row.items()} for row in queryset.values(*names)]


def my_data(user: Any) -> dict[str, Any]:
    """Every part, keyed by an English name; each part a list of records (field → value)."""
    member = Member.objects.filter(user=user).order_by("-is_active", "-pk").first()
    own_member = Q(member=member) if member is not None else Q(pk__in=[])
    declarations = Declaration.objects.filter(own_member)
    subjects = [("accounts.user", str(user.pk))]
    if member is not None:
        subjects.append(("organizations.member", str(member.pk)))
    subjects += [
        ("declarations.declaration", str(pk)) for pk in declarations.values_list("pk", flat=True)
    ]
    about = Q()
    for object_type, object_id in subjects:
        about |= Q(object_type=object_type, object_id=object_id)
    audit = AuditEvent.objects.filter(Q(actor_id=user.pk) | about).order_by("pk")[:AUDIT_LIMIT]
    data: dict[str, Any] = {
        "exported_at": _plain(timezone.now()),
        "login": [{f: _plain(getattr(user, f)) for f in USER_FIELDS}],
        "member": rows(Member.objects.filter(pk=member.pk)) if member is not None else [],
        "roles": rows(RoleAssignment.objects.filter(Q(user=user) | own_member).order_by("pk")),
        "declarations": rows(declarations.order_by("year", "month")),
        "declaration_lines": rows(
            DeclarationLine.objects.filter(declaration__in=declarations).order_by("pk")
        ),
        "evidence_files": rows(
            EvidenceFile.objects.filter(declaration__in=declarations).order_by("pk")
        ),
        "ledger_entries": rows(Entry.objects.filter(own_member).order_by("pk")),
        "vetoes": rows(Veto.objects.filter(own_member).order_by("pk")),
        "appraisal_results": rows(Evaluee.objects.filter(own_member).order_by("pk")),
        "commitments": rows(Commitment.objects.filter(own_member).order_by("pk")),
        "identity_post": rows(IdentityPost.objects.filter(own_member)),
        "vanguard_posts": rows(VanguardPost.objects.filter(own_member).order_by("pk")),
        "attendance": rows(Attendance.objects.filter(own_member).order_by("pk")),
        "dues": rows(DuesRecord.objects.filter(own_member).order_by("year", "month")),
        "participation": rows(Participation.objects.filter(own_member).order_by("year")),
        "exemptions": rows(Exemption.objects.filter(own_member).order_by("pk")),
        "retiree_decisions": rows(RetireeDecision.objects.filter(own_member).order_by("pk")),
        "objections": rows(Objection.objects.filter(Q(raised_by=user) | own_member).order_by("pk")),
        "help_talks": rows(HelpTalk.objects.filter(own_member).order_by("pk")),
        "handling_cases": rows(HandlingCase.objects.filter(own_member).order_by("pk")),
        "moves": rows(MemberMove.objects.filter(own_member).order_by("pk")),
        "notifications": rows(Notification.objects.filter(user=user).order_by("pk")),
        "message_settings": rows(PushPreference.objects.filter(user=user)),
        "linked_identities": rows(ExternalIdentity.objects.filter(user=user).order_by("pk")),
        "api_tokens": rows(ApiToken.objects.filter(user=user).order_by("pk")),
        "audit_events": rows(audit, AuditEvent),
    }
    return data


def my_data_export(*, user: Any, fmt: str) -> tuple[bytes, str]:
    """The member's data as `fmt` ("json" or "xlsx"); each download is audited."""
    data = my_data(user)
    if fmt == "xlsx":
        content = my_data_xlsx(data)
    else:
        content = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    audit_record(
        action="api.my_data.downloaded",
        actor=user,
        obj=user,
        after={"format": fmt, "parts": {k: len(v) for k, v in data.items() if isinstance(v, list)}},
    )
    return content, XLSX if fmt == "xlsx" else "application/json"


def my_data_xlsx(data: dict[str, Any]) -> bytes:
    """One sheet per part, a heading row of field names; every text through cell_value."""
    wb = Workbook(write_only=True)
    for part, records in data.items():
        if not isinstance(records, list):
            continue
        ws = wb.create_sheet(part[:31])
        names: list[str] = []
        for record in records:
            for name in record:
                if name not in names:
                    names.append(name)
        ws.append(names or ["—"])
        for record in records:
            ws.append([cell_value(_cell(record.get(name))) for name in names])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)[:32000]
    if isinstance(value, str):
        return value[:32000]
    return value
