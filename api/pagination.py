"""Lists come in pages: ?page=N (from 1), `page_size` rows (at most 200)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.request import Request
from rest_framework.response import Response

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _int(raw: Any, default: int) -> int:
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return default


def paginated(request: Request, rows: QuerySet | list, as_json: Callable[[Any], dict]) -> Response:
    size = min(_int(request.query_params.get("page_size"), PAGE_SIZE), MAX_PAGE_SIZE)
    page = Paginator(rows, size).get_page(_int(request.query_params.get("page"), 1))
    return Response(
        {
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "results": [as_json(row) for row in page.object_list],
        }
    )
