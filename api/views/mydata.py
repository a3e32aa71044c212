"""GET /api/v1/me/data/?format=json|xlsx: everything the system holds about the caller."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from core.downloads import name_download

from ..base import ApiView
from ..mydata import my_data_export

FORMATS = ("json", "xlsx")


def download(user: object, fmt: str) -> HttpResponse:
    content, content_type = my_data_export(user=user, fmt=fmt)
    response = HttpResponse(content, content_type=content_type)
    name = f"{_('My data')}-{getattr(user, 'username', '')}-{timezone.localdate():%Y%m%d}.{fmt}"
    return name_download(response, name)


class MyDataView(ApiView):
    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=list(FORMATS))],
        responses=dict,
        summary="我的数据（个人信息保护法）：JSON 或 .xlsx",
    )
    def get(self, request: Request) -> HttpResponse:
        fmt = request.query_params.get("format", "json")
        if fmt not in FORMATS:
            raise ValidationError({"format": [_("Use json or xlsx.")]})
        return download(request.user, fmt)
