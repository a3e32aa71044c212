"""典型案例 on the public pages: the published exemplary cases, readable without signing in.

Only what the case publishes: its title and text, the chosen photos, the branch's and the
member's names. Never a phone number, a birth date or the points behind the contribution.
A photo is served only while its case is published with the member's consent recorded.
"""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from core.files import stored_file_response

from .permissions import get_case_photo, get_published_case
from .public import public_cases


@require_GET
@cache_control(max_age=60, public=True)
def cases(request: HttpRequest) -> HttpResponse:
    """The committee's published exemplary cases (典型案例), for everyone."""
    return render(request, "oversight/public_cases.html", {"cases": public_cases()})


@require_GET
@cache_control(no_cache=True)
def case_photo(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    """One chosen photo of a published case; a draft or withdrawn case's photos are 404."""
    case = get_published_case(pk)
    file = get_case_photo(case, file_pk)
    # Not the uploaded file's own name: it may say more than the published case.
    extension = mimetypes.guess_extension(file.content_type) or ""
    return stored_file_response(
        file.file,
        name=f"{case.title}-{_('photo')}{extension}",
        content_type=file.content_type,
        inline=True,
        private=False,
    )
