from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    """Until the initial password is changed, every page leads to the change form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            change = reverse("accounts:password_change")
            allowed = {change, reverse("accounts:logout")}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                if request.headers.get("HX-Request"):
                    # htmx would swap the form into a fragment; make it load the page.
                    return HttpResponse(headers={"HX-Redirect": change})
                return redirect(change)
        return self.get_response(request)
