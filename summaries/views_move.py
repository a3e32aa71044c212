"""Moving a member to another branch during the year (see summaries.moves)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.confirm import Confirmation, confirm_page, confirmed
from core.errors import DomainError
from organizations.forms import MoveForm

from .moves import member_move
from .permissions import get_member_to_move


@login_required
def member_move_view(request: HttpRequest, member_pk: int) -> HttpResponse:
    member, targets = get_member_to_move(request.user, member_pk)
    form = MoveForm(
        request.POST or None,
        branches=targets,
        initial={"moved_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not confirmed(request):
            return confirm_page(
                request,
                Confirmation(
                    title=_("Move %(name)s to %(branch)s")
                    % {"name": member.name, "branch": data["to_branch"].name},
                    happens=_(
                        "From %(day)s %(name)s belongs to %(to)s, which ranks them for the whole "
                        "of %(year)d: their points of the year recorded in %(from)s are carried "
                        "over. %(from)s keeps what it recorded, no longer ranks them, and can "
                        "still read their card there."
                    )
                    % {
                        "day": data["moved_on"].isoformat(),
                        "name": member.name,
                        "to": data["to_branch"].name,
                        "from": member.branch.name,
                        "year": data["moved_on"].year,
                    },
                    affects=_("%(name)s; the rankings of %(from)s and %(to)s")
                    % {
                        "name": member.name,
                        "from": member.branch.name,
                        "to": data["to_branch"].name,
                    },
                    irreversible=_(
                        "The carried-over points are ledger entries: a mistaken move is put "
                        "right by reversing them and moving the member back."
                    ),
                    button=_("Move the member"),
                    back=reverse("organizations:member_detail", kwargs={"pk": member.pk}),
                    details=[_("Reason: %(reason)s") % {"reason": data["reason"]}],
                ),
            )
        try:
            member_move(
                member=member,
                to_branch=data["to_branch"],
                moved_on=data["moved_on"],
                reason=data["reason"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(name)s now belongs to %(branch)s.")
                % {"name": member.name, "branch": data["to_branch"].name},
            )
            return redirect("organizations:member_detail", pk=member.pk)
    return render(request, "summaries/member_move.html", {"member": member, "form": form})
