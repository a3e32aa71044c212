"""The member's own: the points card, notifications, commitments (and, in mydata, all)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from commitments.models import Commitment
from notifications.models import Notification
from notifications.selectors import notifications_of
from notifications.services import notification_mark_read
from organizations.permissions import scope_for
from summaries.card import CardRow, PointsCard, member_card

from ..base import ApiView
from ..fields import number, when, year_param
from ..pagination import paginated

YEAR = OpenApiParameter("year", int, description="年度（默认今年）")


def own_member(request: Request) -> Any:
    member = scope_for(request.user).member
    if member is None:
        raise Http404
    return member


def _row(row: CardRow) -> dict[str, Any]:
    return {
        "label": row.label,
        "points": row.points,
        "months": [number(cell.value) for cell in row.months],
        "year_score": number(row.year_score),
    }


def card_json(card: PointsCard) -> dict[str, Any]:
    """附件2 as data: the totals the summary table gives and every row of the card."""
    t = card.totals
    return {
        "member": {"id": card.member.pk, "name": card.member.name},
        "branch": card.member.branch.code,
        "year": card.year,
        "takes_part": card.takes_part,
        "base": number(t.base),
        "dedication": number(t.dedication),
        "appraisal": number(t.appraisal),
        "deductions": number(t.deductions),
        "total": number(t.total),
        "vetoed": bool(card.vetoes),
        "veto": card.veto_text,
        "base_max": number(card.base_max),
        "rows": {
            "base": [_row(r) for r in card.base_rows],
            "dedication": [_row(r) for r in card.dedication_rows],
            "deduction": [_row(r) for r in card.deduction_rows],
        },
        "appraisal_sessions": [
            {"label": label, "score": number(score)} for label, score in card.appraisal_parts
        ],
    }


class CardView(ApiView):
    @extend_schema(parameters=[YEAR], responses=dict, summary="我的积分卡（附件2）")
    def get(self, request: Request) -> Response:
        member = own_member(request)
        year = year_param(request.query_params.get("year"))
        return Response(card_json(member_card(member, year)))


def notification_json(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.title,
        "url": n.url,
        "created_at": when(n.created_at),
        "read_at": when(n.read_at),
    }


class NotificationsView(ApiView):
    @extend_schema(responses=dict, summary="我的通知")
    def get(self, request: Request) -> Response:
        return paginated(request, notifications_of(request.user), notification_json)


class NotificationReadView(ApiView):
    @extend_schema(request=None, responses=dict, summary="标记通知为已读")
    def post(self, request: Request, pk: int) -> Response:
        notification = get_object_or_404(Notification, pk=pk, user=request.user)
        return Response(notification_json(notification_mark_read(notification=notification)))


def commitment_json(c: Commitment) -> dict[str, Any]:
    return {
        "id": c.pk,
        "year": c.year,
        "topic": c.topic,
        "text": c.text,
        "status": c.status,
        "review_comment": c.review_comment,
        "report": c.report,
        "fulfilment": c.fulfilment,
        "assessment_note": c.assessment_note,
        "submitted_at": when(c.submitted_at),
        "reviewed_at": when(c.reviewed_at),
        "assessed_at": when(c.assessed_at),
    }


class CommitmentsView(ApiView):
    @extend_schema(parameters=[YEAR], responses=dict, summary="我的承诺")
    def get(self, request: Request) -> Response:
        member = own_member(request)
        rows = Commitment.objects.filter(member=member).order_by("-year", "pk")
        if "year" in request.query_params:
            rows = rows.filter(year=year_param(request.query_params.get("year")))
        return paginated(request, rows, commitment_json)


class Empty(serializers.Serializer):
    pass
