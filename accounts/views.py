from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import audit_record

from .forms import LoginForm, PasswordChangeForm
from .sso import providers as sso_providers


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Inside the WeCom or DingTalk app on a phone: sign in silently through it, unless
        # the person asked for the password form (or the silent sign-in just failed).
        app = sso_providers.in_app(request)
        if app and not request.user.is_authenticated and "manual" not in request.GET:
            start = reverse(f"accounts:sso_{app}")
            next_url = request.GET.get("next", "")
            return redirect(f"{start}?{urlencode({'next': next_url})}" if next_url else start)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_buttons"] = sso_providers.buttons(self.get_redirect_url())
        context["ldap_on"] = sso_providers.ldap_on()
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(action="accounts.login", actor=form.get_user(), obj=form.get_user())
        return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit_record(action="accounts.logout", actor=request.user, obj=request.user)
    logout(request)
    return redirect("accounts:login")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("core:home")

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.user
        user.must_change_password = False
        response = super().form_valid(form)
        audit_record(action="accounts.password_changed", actor=user, obj=user)
        messages.success(self.request, _("Your password has been changed."))
        return response


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """Shown after five failed sign-ins for one username (locked for 15 minutes).

    django-axes 8 calls this as (request, original_response, credentials).
    """
    return render(request, "accounts/locked_out.html", status=429)
