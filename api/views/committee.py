"""The committee's and the secretaries' side: organisations and members kept in step with
the unit's HR/OA system by an external id (the code; the member's job number 工号), the
summary and results per branch and year, and the publications (read)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import DomainError
from organizations.models import Department, Member, Organization
from organizations.permissions import (
    get_branch_for_user,
    get_org_for_user,
    may_manage_members,
    may_manage_tree,
    visible_branches,
    visible_members,
)
from organizations.services import member_create, member_update, organization_save
from publicity.models import Publication
from results.selectors import branch_results
from summaries.summary_export import summary_json
from summaries.summary_table import summary_table

from ..base import ApiView
from ..fields import number, when, year_param
from ..pagination import paginated
from ..serializers import MemberIn, OrganizationIn, as_dict
from .me import YEAR


def org_json(org: Organization) -> dict[str, Any]:
    return {
        "code": org.code,
        "name": org.name,
        "kind": org.kind,
        "parent": org.parent.code if org.parent_id and org.parent else None,
        "closed": org.is_closed,
    }


class OrganizationsView(ApiView):
    @extend_schema(responses=dict, summary="可见的组织", operation_id="organizations_list")
    def get(self, request: Request) -> Response:
        rows = visible_branches(request.user).select_related("parent").order_by("order", "code")
        return paginated(request, rows, org_json)


class OrganizationView(ApiView):
    @extend_schema(responses=dict, summary="一个组织")
    def get(self, request: Request, code: str) -> Response:
        return Response(org_json(get_org_for_user(request.user, code)))

    @extend_schema(request=OrganizationIn, responses=dict, summary="按代码新增或更新组织（同步）")
    def put(self, request: Request, code: str) -> Response:
        if not may_manage_tree(request.user):
            raise PermissionDenied(_("Only the committee keeps the organisation tree."))
        data = OrganizationIn(data={**as_dict(request.data), "code": code})
        data.is_valid(raise_exception=True)
        given = data.validated_data
        parent = Organization.objects.filter(code=given["parent"]).first()
        if parent is None:
            raise ValidationError({"parent": [_("There is no organisation with this code.")]})
        org, created = organization_save(
            code=code, name=given["name"], kind=given["kind"], parent=parent, actor=request.user
        )
        return Response(org_json(org), status=201 if created else 200)


def member_json(m: Member) -> dict[str, Any]:
    return {
        "id": m.pk,
        "job_number": m.job_number,
        "name": m.name,
        "branch": m.branch.code,
        "department": m.department.name if m.department_id and m.department else "",
        "gender": m.gender,
        "position": m.position,
        "phone": m.phone,
        "joined_on": when(m.joined_on),
        "is_active": m.is_active,
        "has_login": m.user_id is not None,
    }


class MembersView(ApiView):
    @extend_schema(responses=dict, summary="支部党员名册")
    def get(self, request: Request, code: str) -> Response:
        branch = get_branch_for_user(request.user, code)
        rows = (
            Member.objects.filter(branch=branch)
            .select_related("branch", "department")
            .order_by("name", "pk")
        )
        return paginated(request, rows, member_json)


class MemberByJobNumberView(ApiView):
    @extend_schema(responses=dict, summary="按工号查党员")
    def get(self, request: Request, job_number: str) -> Response:
        member = (
            visible_members(request.user)
            .select_related("branch", "department")
            .filter(job_number=job_number, is_active=True)
            .first()
        )
        if member is None:
            raise Http404
        return Response(member_json(member))

    @extend_schema(request=MemberIn, responses=dict, summary="按工号新增或更新党员（同步）")
    def put(self, request: Request, job_number: str) -> Response:
        data = MemberIn(data={**as_dict(request.data), "job_number": job_number})
        data.is_valid(raise_exception=True)
        given = data.validated_data
        branch = get_branch_for_user(request.user, given["branch"])
        if not may_manage_members(request.user, branch):
            raise PermissionDenied(
                _("Only the branch's secretary or the committee keeps its roll.")
            )
        department = None
        if given.get("department"):
            department = Department.objects.filter(name=given["department"]).first()
            if department is None:
                raise ValidationError({"department": [_("There is no department with this name.")]})
        fields = {
            "name": given["name"],
            "gender": given.get("gender", ""),
            "position": given.get("position", ""),
            "phone": given.get("phone", ""),
            "department": department,
            "joined_on": given.get("joined_on"),
        }
        with transaction.atomic():
            found = list(Member.objects.filter(job_number=job_number, is_active=True)[:2])
            if len(found) > 1:
                raise DomainError(_("More than one member has this job number."))
            if not found:
                member = member_create(branch=branch, actor=request.user, **fields)
                member_update(member=member, job_number=job_number, actor=request.user)
                status = 201
            else:
                member = found[0]
                if member.branch_id != branch.pk:
                    # Moving between branches is its own step (summaries.moves), with the points.
                    if not visible_members(request.user).filter(pk=member.pk).exists():
                        raise PermissionDenied(
                            _("The member with this job number is in another branch.")
                        )
                    raise DomainError(
                        _("The member with this job number is in %(branch)s; move them first.")
                        % {"branch": member.branch.name}
                    )
                member_update(member=member, actor=request.user, **fields)
                status = 200
        return Response(member_json(member), status=status)


class SummaryView(ApiView):
    @extend_schema(
        parameters=[YEAR], responses=dict, summary="汇总表（附件4，与 export_summary 相同）"
    )
    def get(self, request: Request, code: str) -> Response:
        branch = get_branch_for_user(request.user, code)
        year = year_param(request.query_params.get("year"))
        return Response(summary_json(summary_table(branch, year)))


def _result_member(result: Any) -> dict[str, Any]:
    return {
        "id": result.member.pk,
        "name": result.member.name,
        "total": number(result.totals.total),
        "rank": result.rank,
    }


class ResultsView(ApiView):
    @extend_schema(parameters=[YEAR], responses=dict, summary="结果运用：评优、谈心谈话、处置")
    def get(self, request: Request, code: str) -> Response:
        branch = get_branch_for_user(request.user, code)
        year = year_param(request.query_params.get("year"))
        results = branch_results(branch, year)
        return Response(
            {
                "branch": branch.code,
                "year": year,
                "year_closed": results.year_closed,
                "award_eligible": [_result_member(r) for r in results.award_eligible],
                "help_talks_due": [
                    {**_result_member(due.result), "talks": len(due.talks)}
                    for due in results.talks_due
                ],
                "handling_candidates": [
                    {"id": c.member.pk, "name": c.member.name, "listed": c.listed}
                    for c in results.candidates + results.awaiting_talk
                ],
            }
        )


def publication_json(p: Publication) -> dict[str, Any]:
    return {
        "id": p.pk,
        "branch": p.branch.code,
        "year": p.year,
        "quarter": p.quarter,
        "title": p.title,
        "as_of": when(p.as_of),
        "published_at": when(p.published_at),
        "objections_from": when(p.window_start),
        "objections_until": when(p.window_end),
        "rows": [
            {
                "position": r.position,
                "name": r.name,
                "base": number(r.base),
                "dedication": number(r.dedication),
                "appraisal": number(r.appraisal),
                "deductions": number(r.deductions),
                "total": number(r.total),
                "rank": r.rank,
                "vetoed": r.vetoed,
            }
            for r in p.rows.all()
        ],
    }


class PublicationsView(ApiView):
    @extend_schema(parameters=[YEAR], responses=dict, summary="公示")
    def get(self, request: Request, code: str) -> Response:
        branch = get_branch_for_user(request.user, code)
        rows = (
            Publication.objects.filter(branch=branch)
            .select_related("branch")
            .prefetch_related("rows")
            .order_by("-year", "-quarter", "-pk")
        )
        if "year" in request.query_params:
            rows = rows.filter(year=year_param(request.query_params.get("year")))
        return paginated(request, rows, publication_json)
