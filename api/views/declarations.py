"""申报 through the API: the member's declarations (list, create, edit, evidence, submit,
withdraw) by the same services and permission helpers as declarations/views.py."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from contributions.models import Platform
from core.errors import DomainError
from core.periods import Month
from declarations import selectors, services
from declarations.evidence import check_upload
from declarations.models import Declaration, EvidenceFile
from declarations.permissions import EDIT, get_declaration_for_user
from rules.models import Item

from ..base import ApiView, idempotent
from ..fields import number, when
from ..serializers import DeclarationIn, EvidenceIn, MonthIn, VersionIn
from .me import own_member


def evidence_json(file: EvidenceFile) -> dict[str, Any]:
    return {
        "id": file.pk,
        "line": file.line_id,
        "name": file.original_name,
        "kind": file.kind,
        "content_type": file.content_type,
        "size": file.size,
        "sha256": file.sha256,
        "url": reverse(
            "declarations:evidence", kwargs={"pk": file.declaration_id, "file_pk": file.pk}
        ),
    }


def declaration_json(d: Declaration) -> dict[str, Any]:
    """A declaration with its lines and evidence (`with_details` read them)."""
    return {
        "id": d.pk,
        "member": {"id": d.member_id, "name": d.name},
        "branch": d.branch.code,
        "year": d.year,
        "month": d.month,
        "status": d.status,
        "version": d.version,
        "name": d.name,
        "birth_month": d.birth_month,
        "unit_and_position": d.unit_and_position,
        "phone": d.phone,
        "submitted_at": when(d.submitted_at),
        "decided_at": when(d.decided_at),
        "return_reason": d.return_reason,
        "lines": [
            {
                "id": line.pk,
                "description": line.description,
                "suggested_item": line.suggested_item_id,
                "platform": line.platform_id,
                "outcome": line.outcome,
                "item": line.item_id,
                "points": number(line.points),
                "reason": line.reason,
            }
            for line in d.line_list  # type: ignore[attr-defined]
        ],
        "evidence": [evidence_json(f) for f in d.evidence_list],  # type: ignore[attr-defined]
    }


def summary_json(d: Declaration) -> dict[str, Any]:
    return {
        "id": d.pk,
        "year": d.year,
        "month": d.month,
        "status": d.status,
        "version": d.version,
        "points": number(getattr(d, "points", None)),
        "lines": len(d.lines.all()),
        "url": reverse("api:declaration", kwargs={"pk": d.pk}),
    }


def detail(declaration: Declaration) -> dict[str, Any]:
    return declaration_json(selectors.with_details(declaration))


def replay_detail(request: Request, status: int = 200) -> Any:
    def replay(location: str) -> Response:
        pk = location.rstrip("/").rsplit("/", 1)[-1]
        return Response(detail(get_declaration_for_user(request.user, pk)), status=status)

    return replay


class DeclarationListView(ApiView):
    @extend_schema(responses=dict, summary="我的申报", operation_id="declarations_list")
    def get(self, request: Request) -> Response:
        member = own_member(request)
        return Response({"results": [summary_json(d) for d in selectors.declarations_of(member)]})

    @extend_schema(
        request=MonthIn, responses={201: dict}, summary="新建某月申报（Idempotency-Key）"
    )
    def post(self, request: Request) -> Response:
        member = own_member(request)
        data = MonthIn(data=request.data)
        data.is_valid(raise_exception=True)
        month = Month(data.validated_data["year"], data.validated_data["month"])

        def run() -> tuple[Declaration, Response]:
            declaration = services.declaration_create(
                member=member, month=month, actor=request.user
            )
            return declaration, Response(detail(declaration), status=201)

        return idempotent(
            request,
            run,
            location=lambda d: reverse("api:declaration", kwargs={"pk": d.pk}),
            replay=replay_detail(request, 201),
        )


def _items(pks: set[int]) -> dict[int, Item]:
    return Item.objects.in_bulk(pks) if pks else {}


def _platforms(pks: set[int]) -> dict[int, Platform]:
    return Platform.objects.in_bulk(pks) if pks else {}


def _current_lines(declaration: Declaration) -> list[services.LineInput]:
    return [
        services.LineInput(
            pk=line.pk,
            description=line.description,
            suggested_item=line.suggested_item,
            platform=line.platform,
        )
        for line in declaration.line_list  # type: ignore[attr-defined]
    ]


class DeclarationView(ApiView):
    @extend_schema(responses=dict, summary="一份申报（附件1）")
    def get(self, request: Request, pk: int) -> Response:
        return Response(detail(get_declaration_for_user(request.user, pk)))

    @extend_schema(request=DeclarationIn, responses=dict, summary="修改草稿（整份）")
    def put(self, request: Request, pk: int) -> Response:
        declaration = selectors.with_details(get_declaration_for_user(request.user, pk, EDIT))
        data = DeclarationIn(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        header = {f: given.get(f, getattr(declaration, f)) for f in services.HEADER_FIELDS}
        if "lines" in given:
            rows = given["lines"]
            items = _items({r["suggested_item"] for r in rows if r.get("suggested_item")})
            platforms = _platforms({r["platform"] for r in rows if r.get("platform")})
            unknown = [
                r
                for r in rows
                if (r.get("suggested_item") and r["suggested_item"] not in items)
                or (r.get("platform") and r["platform"] not in platforms)
            ]
            if unknown:
                raise ValidationError({"lines": [_("A line names an unknown item or platform.")]})
            lines = [
                services.LineInput(
                    pk=r.get("id"),
                    description=r["description"],
                    suggested_item=items.get(r.get("suggested_item") or 0),
                    platform=platforms.get(r.get("platform") or 0),
                )
                for r in rows
            ]
        else:
            lines = _current_lines(declaration)
        services.declaration_update(
            declaration=declaration,
            version=given["version"],
            header=header,
            lines=lines,
            remove_evidence=given.get("remove_evidence", []),
            actor=request.user,
        )
        return Response(detail(declaration))


class EvidenceView(ApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=EvidenceIn, responses={201: dict}, summary="上传佐证材料")
    def post(self, request: Request, pk: int) -> Response:
        declaration = selectors.with_details(get_declaration_for_user(request.user, pk, EDIT))
        data = EvidenceIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            checked = check_upload(data.validated_data["file"])  # the pages' own checks
        except DomainError as exc:
            raise ValidationError({"file": [exc.message]}) from None
        lines = _current_lines(declaration)
        line_pk = data.validated_data.get("line")
        general = [checked]
        if line_pk is not None:
            at = [i for i, line in enumerate(lines) if line.pk == line_pk]
            if not at:
                raise ValidationError({"line": [_("The declaration has no such line.")]})
            lines[at[0]] = services.LineInput(
                pk=lines[at[0]].pk,
                description=lines[at[0]].description,
                suggested_item=lines[at[0]].suggested_item,
                platform=lines[at[0]].platform,
                files=(checked,),
            )
            general = []
        services.declaration_update(
            declaration=declaration,
            version=data.validated_data["version"],
            header={f: getattr(declaration, f) for f in services.HEADER_FIELDS},
            lines=lines,
            files=general,
            actor=request.user,
        )
        return Response(detail(declaration), status=201)


class SubmitView(ApiView):
    @extend_schema(request=VersionIn, responses=dict, summary="提交申报（Idempotency-Key）")
    def post(self, request: Request, pk: int) -> Response:
        declaration = get_declaration_for_user(request.user, pk, EDIT)

        def run() -> tuple[Declaration, Response]:
            data = VersionIn(data=request.data)
            data.is_valid(raise_exception=True)
            services.declaration_submit(
                declaration=declaration, version=data.validated_data["version"], actor=request.user
            )
            return declaration, Response(detail(declaration))

        return idempotent(
            request,
            run,
            location=lambda d: reverse("api:declaration", kwargs={"pk": d.pk}),
            replay=replay_detail(request),
        )


class WithdrawView(ApiView):
    @extend_schema(request=VersionIn, responses=dict, summary="撤回申报")
    def post(self, request: Request, pk: int) -> Response:
        declaration = get_declaration_for_user(request.user, pk, EDIT)
        data = VersionIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.declaration_withdraw(
            declaration=declaration, version=data.validated_data["version"], actor=request.user
        )
        return Response(detail(declaration))
