"""A member's login opened with a printed slip, a new slip for a lost password, a member who
has left; and the page where the member types or scans the slip's code."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from audit.services import audit_record_counted
from core.confirm import Confirmation, confirm_page, confirmed
from core.errors import DomainError
from core.qr import qr_svg
from organizations.forms import LeaveForm, LoginForm
from organizations.models import Member

from . import people
from .activation import ActivationRefused, Slip, activation_find, activation_use
from .forms import ActivationForm
from .permissions import get_active_member_to_keep, get_member_to_keep, get_member_to_open_login


def _slip_page(request: HttpRequest, member: Member, slip: Slip) -> HttpResponse:
    """The printable slip: the code exists in plain text only in this response."""
    url = request.build_absolute_uri(reverse("accounts:activate_code", args=[slip.code]))
    response = render(
        request,
        "accounts/activation_slip.html",
        {
            "member": member,
            "slip": slip,
            "qr": qr_svg(url, title=member.name),
            "activate_url": request.build_absolute_uri(reverse("accounts:activate")),
            "site_name": getattr(settings, "JIFEN_2FA_ISSUER", ""),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def login_open(request: HttpRequest, member_pk: int) -> HttpResponse:
    member = get_member_to_open_login(request.user, member_pk)
    form = LoginForm(request.POST or None, initial={"username": people.suggest_username(member)})
    if request.method == "POST" and form.is_valid():
        try:
            slip = people.member_login_open(
                member=member, username=form.cleaned_data["username"], actor=request.user
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return _slip_page(request, member, slip)
    return render(request, "accounts/login_open.html", {"member": member, "form": form})


@login_required
@require_POST
def login_slip(request: HttpRequest, member_pk: int) -> HttpResponse:
    """A new slip: the old password (or an unused slip) stops working at once."""
    member = get_member_to_keep(request.user, member_pk)
    if not confirmed(request):
        return confirm_page(
            request,
            Confirmation(
                title=_("A new sign-in slip for %(name)s") % {"name": member.name},
                happens=_(
                    "A new one-time code is printed for %(name)s to choose a password with. "
                    "The current password and any earlier slip stop working at once, and "
                    "every session of the login ends."
                )
                % {"name": member.name},
                affects=_("%(name)s (login %(username)s)")
                % {"name": member.name, "username": member.user.username if member.user else ""},
                irreversible=_("The old password cannot be restored."),
                button=_("Print a new slip"),
                back=reverse("organizations:member_detail", kwargs={"pk": member.pk}),
            ),
        )
    try:
        slip = people.member_login_slip(member=member, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("organizations:member_detail", pk=member.pk)
    return _slip_page(request, member, slip)


@login_required
def member_leave(request: HttpRequest, member_pk: int) -> HttpResponse:
    member = get_active_member_to_keep(request.user, member_pk)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not confirmed(request):
            return confirm_page(
                request,
                Confirmation(
                    title=_("%(name)s has left") % {"name": member.name},
                    happens=_(
                        "%(name)s leaves the roll of %(branch)s from %(day)s: not ranked in "
                        "%(year)d, their roles end and their login is disabled. Their past "
                        "years and points stay on record."
                    )
                    % {
                        "name": member.name,
                        "branch": member.branch.name,
                        "day": data["on"].isoformat(),
                        "year": data["on"].year,
                    },
                    affects=_("%(name)s, %(branch)s")
                    % {"name": member.name, "branch": member.branch.name},
                    irreversible=_(
                        "A member who has left is not put back on the roll here; should they "
                        "return, enter them again."
                    ),
                    button=_("Record that the member has left"),
                    back=reverse("organizations:member_detail", kwargs={"pk": member.pk}),
                ),
            )
        try:
            people.member_leave(
                member=member,
                reason=data["reason"],
                on=data["on"],
                note=data["note"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(name)s is recorded as having left.") % {"name": member})
            return redirect("organizations:member_detail", pk=member.pk)
    return render(request, "accounts/member_leave.html", {"member": member, "form": form})


@never_cache
def activate(request: HttpRequest, code: str = "") -> HttpResponse:
    """Anyone with a slip: type (or scan) the code, then choose a password."""
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    form = ActivationForm(request.POST or None, initial={"code": code})
    found, refused = None, ""
    if code and request.method == "GET":
        try:
            found = activation_find(code)
        except ActivationRefused as exc:
            refused = exc.message
    if request.method == "POST" and form.is_valid():
        # Like voting codes (appraisals.throttle): every code is looked up, a right one is
        # never refused; wrong ones are counted per address in the audit log.
        try:
            user = activation_use(
                code=form.cleaned_data["code"],
                password=form.cleaned_data["password"],
                password_again=form.cleaned_data["password_again"],
            )
        except ActivationRefused as exc:
            audit_record_counted(
                action="accounts.activation.refused", client=address, after={"reason": exc.message}
            )
            form.add_error("code", exc.message)
        except DomainError as exc:
            form.add_error("password", exc.message)
        else:
            messages.success(
                request,
                _("Your password is set. Sign in as %(username)s.") % {"username": user.username},
            )
            return redirect("accounts:login")
    return render(
        request, "accounts/activate.html", {"form": form, "found": found, "refused": refused}
    )
