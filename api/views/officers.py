"""The officers' side: the review queue and decisions (认定 / 退回), direct records,
attendance and dues: the services and permission helpers of the review and ledger pages."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.ids import parse_id
from declarations import recognition, selectors
from declarations.models import Declaration
from declarations.permissions import REVIEW, get_declaration_for_user, may
from ledger import services as ledger_services
from ledger.models import Entry
from organizations.permissions import (
    get_branch_for_user,
    members_to_act_on,
    scope_for,
)
from orglife.dues import dues_set
from orglife.permissions import get_attendance_to_keep, get_member_to_keep
from orglife.services import attendance_set
from rules.models import Item, Section

from ..base import ApiView
from ..fields import number, when
from ..pagination import paginated
from ..serializers import AttendanceIn, DecisionIn, DuesIn, EntryIn, ReturnIn, VersionIn
from .declarations import detail


def queue_json(d: Declaration) -> dict[str, Any]:
    return {
        "id": d.pk,
        "member": {"id": d.member_id, "name": d.member.name},
        "branch": d.branch.code,
        "year": d.year,
        "month": d.month,
        "status": d.status,
        "version": d.version,
        "lines": d.line_count,  # type: ignore[attr-defined]
        "evidence": d.evidence_count,  # type: ignore[attr-defined]
        "duplicate_evidence": d.has_duplicate,  # type: ignore[attr-defined]
        "submitted_at": when(d.submitted_at),
        "url": reverse("api:declaration", kwargs={"pk": d.pk}),
    }


class QueueView(ApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter("branch", str),
            OpenApiParameter("year", int),
            OpenApiParameter("month", int),
            OpenApiParameter("status", str, description="waiting（默认）或申报状态"),
        ],
        responses=dict,
        summary="待认定队列",
    )
    def get(self, request: Request) -> Response:
        if not scope_for(request.user).is_officer_anywhere:
            raise Http404
        params = request.query_params
        branch_ids = None
        if params.get("branch"):
            branch_ids = [get_branch_for_user(request.user, params["branch"]).pk]
        status = params.get("status", "waiting")
        if status != "waiting" and status not in Declaration.Status.values:
            raise ValidationError({"status": [_("Unknown status.")]})
        rows = selectors.queue(
            request.user,
            branch_ids=branch_ids,
            year=parse_id(params.get("year", "")),
            month=parse_id(params.get("month", "")),
            status=status,
        )
        return paginated(request, rows, queue_json)


def _reviewed(request: Request, pk: int) -> Declaration:
    declaration = get_declaration_for_user(request.user, pk)
    if not may(request.user, declaration, REVIEW):
        raise PermissionDenied(_("Only the branch's assessment group can review declarations."))
    return declaration


class ReviewStartView(ApiView):
    @extend_schema(request=VersionIn, responses=dict, summary="开始认定")
    def post(self, request: Request, pk: int) -> Response:
        declaration = _reviewed(request, pk)
        data = VersionIn(data=request.data)
        data.is_valid(raise_exception=True)
        recognition.declaration_review_start(
            declaration=declaration, version=data.validated_data["version"], reviewer=request.user
        )
        return Response(detail(declaration))


class DecideView(ApiView):
    @extend_schema(
        request=DecisionIn, responses=dict, summary="认定（逐行：认定 / 部分认定 / 不予认定）"
    )
    def post(self, request: Request, pk: int) -> Response:
        declaration = selectors.with_details(_reviewed(request, pk))
        data = DecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        lines = {line.pk: line for line in declaration.line_list}  # type: ignore[attr-defined]
        given = data.validated_data["lines"]
        if any(row["line"] not in lines for row in given):
            raise ValidationError({"lines": [_("The declaration has no such line.")]})
        items = Item.objects.in_bulk({row["item"] for row in given if row.get("item")})
        decisions = [
            recognition.LineDecision(
                line=lines[row["line"]],
                action=row["action"],
                item=items.get(row.get("item") or 0),
                points=row.get("points") or "",
                reason=row.get("reason") or "",
                confirm_reduced=row.get("confirm_reduced", False),
            )
            for row in given
        ]
        recognition.declaration_decide(
            declaration=declaration,
            version=data.validated_data["version"],
            decisions=decisions,
            reviewer=request.user,
        )
        return Response(detail(declaration))


class ReturnView(ApiView):
    @extend_schema(request=ReturnIn, responses=dict, summary="退回补充材料")
    def post(self, request: Request, pk: int) -> Response:
        declaration = _reviewed(request, pk)
        data = ReturnIn(data=request.data)
        data.is_valid(raise_exception=True)
        recognition.declaration_return(
            declaration=declaration,
            version=data.validated_data["version"],
            reason=data.validated_data["reason"],
            reviewer=request.user,
        )
        return Response(detail(declaration))


def entry_json(e: Entry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "member": e.member_id,
        "year": e.year,
        "month": e.month,
        "kind": e.kind,
        "item": e.item_id,
        "points": number(e.points),
        "source": e.source,
        "reason": e.reason,
        "reverses": e.reverses_id,
        "recorded_at": when(e.recorded_at),
    }


class EntriesView(ApiView):
    """Plan §3.2: the group records points it knows of directly (ledger:entry_new)."""

    @extend_schema(responses=dict, summary="支部积分台账（直接记分）")
    def get(self, request: Request, code: str) -> Response:
        branch = get_branch_for_user(request.user, code)
        rows = Entry.objects.filter(branch_id=branch.pk).order_by("-pk")
        if "year" in request.query_params:
            rows = rows.filter(year=parse_id(request.query_params["year"]) or 0)
        return paginated(request, rows, entry_json)

    @extend_schema(request=EntryIn, responses={201: dict}, summary="直接记分")
    def post(self, request: Request, code: str) -> Response:
        branch = get_branch_for_user(request.user, code)
        scope = scope_for(request.user)
        if not (scope.may_record_points(branch.pk) or scope.is_committee):
            raise PermissionDenied(_("Only the branch's assessment group records points."))
        data = EntryIn(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        member = members_to_act_on(request.user, branch).filter(pk=given["member"]).first()
        if member is None:
            raise ValidationError({"member": [_("Choose a member whose points you may record.")]})
        item = Item.objects.filter(pk=given["item"]).first()
        if item is None:
            raise ValidationError({"item": [_("Unknown item.")]})
        entry = ledger_services.entry_post(
            member=member,
            year=given["year"],
            month=given["month"],
            item=item,
            points=given["points"],
            source="adjustment" if item.section == Section.BASE else "direct",
            reason=given.get("reason", ""),
            evidence=given.get("evidence", ""),
            recorded_by=request.user,
        )
        return Response(entry_json(entry), status=201)


class AttendanceView(ApiView):
    @extend_schema(request=AttendanceIn, responses=dict, summary="记录出勤（三会一课、主题党日）")
    def post(self, request: Request, pk: int) -> Response:
        attendance = get_attendance_to_keep(request.user, pk)
        data = AttendanceIn(data=request.data)
        data.is_valid(raise_exception=True)
        attendance = attendance_set(
            attendance=attendance,
            status=data.validated_data["status"],
            reason=data.validated_data.get("reason", ""),
            actor=request.user,
        )
        return Response(
            {
                "id": attendance.pk,
                "meeting": attendance.meeting_id,
                "member": attendance.member_id,
                "status": attendance.status,
            }
        )


class DuesView(ApiView):
    @extend_schema(request=DuesIn, responses=dict, summary="记录党费交纳")
    def post(self, request: Request, member_pk: int) -> Response:
        member = get_member_to_keep(request.user, member_pk)
        data = DuesIn(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        record = dues_set(
            member=member,
            year=given["year"],
            month=given["month"],
            status=given["status"],
            amount=given.get("amount") or None,
            note=given.get("note", ""),
            actor=request.user,
        )
        return Response(
            {
                "member": member.pk,
                "year": record.year,
                "month": record.month,
                "status": record.status,
                "amount": None if record.amount is None else str(record.amount),  # yuan, two places
            }
        )
