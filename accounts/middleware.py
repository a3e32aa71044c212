from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from .two_factor import session_needs_code

# Pages a signed-in user reaches before showing the second factor: signing out, the
# two-factor pages, and the pages open to anyone without an account (a secret in the
# URL, or published for the public). tests/test_two_factor.py keeps the list complete.
TWO_FACTOR_OPEN_VIEWS = frozenset(
    {
        "accounts:logout",
        "accounts:two_factor",
        "accounts:two_factor_enrol",
        "appraisals:vote_start",
        "appraisals:ballot",
        "appraisals:vote_done",
        "commitments:public",
        "commitments:photo",
        "publicity:lobby",
        "publicity:lobby_data",
        "oversight:public_cases",
        "oversight:public_case_photo",
        # The printed sign-in slip's page: choosing a password needs no sign-in.
        "accounts:activate",
        "accounts:activate_code",
    }
)


def _full_page_redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        # htmx would swap the form into a fragment; make it load the page.
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url)


class TwoFactorRequiredMiddleware:
    """Until the second factor is shown, every other page leads to the two-factor page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if session_needs_code(request) and not self._is_open(request):
            url = reverse("accounts:two_factor")
            if request.method == "GET":
                url += "?" + urlencode({"next": request.get_full_path()})
            return _full_page_redirect(request, url)
        return self.get_response(request)

    @staticmethod
    def _is_open(request: HttpRequest) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True  # nothing there: the 404 page shows nothing either
        return match.view_name in TWO_FACTOR_OPEN_VIEWS


class PasswordChangeRequiredMiddleware:
    """Until the initial password is changed, every page leads to the change form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            change = reverse("accounts:password_change")
            allowed = {change, reverse("accounts:logout")}
            if session_needs_code(request):  # the second factor comes first
                allowed |= {reverse("accounts:two_factor"), reverse("accounts:two_factor_enrol")}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                return _full_page_redirect(request, change)
        return self.get_response(request)
