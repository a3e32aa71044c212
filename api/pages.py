"""The account page's API part: personal access tokens (made, shown once, revoked) and the
download of my data; the committee's service accounts. Thin views over api.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.actors import SignedInRequest
from core.errors import DomainError
from organizations.permissions import scope_for

from .forms import ServiceAccountForm, TokenForm
from .models import ApiToken, ServiceAccount
from .services import service_account_create, token_create, token_revoke
from .views.mydata import FORMATS, download


@login_required
def tokens(request: SignedInRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    shown = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, shown = token_create(
                user=request.user,
                name=data["name"],
                scope=data["scope"],
                expires_days=data.get("expires_days"),
                created_by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "shown": shown,
            "tokens": ApiToken.objects.filter(user=request.user),
            "formats": FORMATS,
            "is_committee": scope_for(request.user).is_committee,
        },
    )


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token_revoke(token=token, actor=request.user)
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("api_pages:tokens")


@login_required
def my_data(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    return download(request.user, fmt)


@login_required
def service_accounts(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).is_committee:
        raise Http404
    form = ServiceAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = service_account_create(
                username=data["username"],
                purpose=data["purpose"],
                organization=data["organization"],
                role=data["role"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "The service account %(name)s has been opened; make its token with "
                    "“manage.py api_token create %(name)s --scope write”."
                )
                % {"name": account.user.get_username()},
            )
            return redirect("api_pages:service_accounts")
    accounts = ServiceAccount.objects.select_related("user", "granted_by")
    return render(request, "api/service_accounts.html", {"form": form, "accounts": accounts})
