"""Disabling and enabling a member's login, from the member's page.

The committee may do it for anyone but superusers; a branch secretary for the members of
their own branch who hold no committee role. Nobody disables their own login here.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.confirm import Confirmation, confirm_page, confirmed

from .permissions import get_account_to_manage
from .services import user_disable, user_enable


@require_POST
@login_required
def account_disable(request: HttpRequest, member_pk: int) -> HttpResponse:
    member = get_account_to_manage(request.user, member_pk)
    user = member.user
    assert user is not None  # may_manage_account checked it
    if not user.is_active:
        messages.info(request, _("The login of %(name)s is already disabled.") % {"name": member})
    elif not confirmed(request):
        return confirm_page(
            request,
            Confirmation(
                title=_("Disable the login of %(name)s") % {"name": member},
                happens=_(
                    "%(name)s can no longer sign in; every session of the login ends at once, "
                    "on every device."
                )
                % {"name": member},
                affects=_("%(name)s (login %(username)s), %(branch)s")
                % {"name": member, "username": user.get_username(), "branch": member.branch},
                irreversible=_(
                    "The sessions ended cannot be restored; the login can be enabled again "
                    "from this page, and both steps are in the audit log."
                ),
                button=_("Disable the login"),
                back=reverse("organizations:member_detail", kwargs={"pk": member.pk}),
            ),
        )
    else:
        ended = user_disable(user=user, actor=request.user)
        messages.success(
            request,
            _("The login of %(name)s is disabled. Sessions ended at once: %(count)s.")
            % {"name": member, "count": ended},
        )
    return redirect("organizations:member_detail", pk=member.pk)


@require_POST
@login_required
def account_enable(request: HttpRequest, member_pk: int) -> HttpResponse:
    member = get_account_to_manage(request.user, member_pk)
    user = member.user
    assert user is not None
    if user.is_active:
        messages.info(request, _("The login of %(name)s is already enabled.") % {"name": member})
    else:
        user_enable(user=user, actor=request.user)
        messages.success(request, _("The login of %(name)s may sign in again.") % {"name": member})
    return redirect("organizations:member_detail", pk=member.pk)
