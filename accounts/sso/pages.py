"""The committee's list of external identities, and removing one (audited)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.confirm import Confirmation, confirm_page, confirmed
from core.errors import DomainError
from organizations.models import Member
from organizations.permissions import scope_for

from ..models import ExternalIdentity
from .linking import identity_unlink

PER_PAGE = 50


def _committee_only(request: HttpRequest) -> None:
    if not (request.user.is_superuser or scope_for(request.user).is_committee):
        raise Http404


def identities_of_everyone(provider: str = "") -> QuerySet[ExternalIdentity]:
    links = ExternalIdentity.objects.select_related("user", "user__member__branch").order_by(
        "provider", "user__member__name_key", "user__username", "pk"
    )
    if provider in ExternalIdentity.Provider.values:
        links = links.filter(provider=provider)
    return links


@login_required
def identity_list(request: HttpRequest) -> HttpResponse:
    _committee_only(request)
    provider = request.GET.get("provider", "")
    page = Paginator(identities_of_everyone(provider), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/identities.html",
        {
            "page": page,
            "provider": provider,
            "providers": ExternalIdentity.Provider.choices,
        },
    )


@require_POST
@login_required
def identity_unlink_view(request: HttpRequest, pk: int) -> HttpResponse:
    _committee_only(request)
    link = ExternalIdentity.objects.select_related("user").filter(pk=pk).first()
    if link is None:
        raise Http404
    member = Member.objects.filter(user_id=link.user_id).select_related("branch").first()
    who = member.name if member else link.user.get_username()
    if not confirmed(request):
        return confirm_page(
            request,
            Confirmation(
                title=_("Remove the %(provider)s link of %(name)s")
                % {"provider": link.get_provider_display(), "name": who},
                happens=_(
                    "%(name)s can no longer sign in through %(provider)s with the account "
                    "%(external)s. Signed-in sessions stay until they end."
                )
                % {
                    "name": who,
                    "provider": link.get_provider_display(),
                    "external": link.external_id,
                },
                affects=_("%(name)s (login %(username)s)")
                % {"name": who, "username": link.user.get_username()},
                irreversible=_(
                    "The next sign-in through %(provider)s links again by the unit's key, to "
                    "whichever member then holds it. The removal is in the audit log."
                )
                % {"provider": link.get_provider_display()},
                button=_("Remove the link"),
                back=reverse("accounts:identities"),
            ),
        )
    try:
        identity_unlink(identity=link, actor=request.user)
    except DomainError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, _("The link of %(name)s is removed.") % {"name": who})
    return redirect("accounts:identities")
