"""亮身份: 共产党员岗 cards to print (desk sign, A4 sheet) and the public post page.

The public page is reached without signing in, by the random key in the QR code;
it shows the name, photo, position, branch and approved commitments, nothing else.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from core.files import stored_file_response
from core.pinyin import name_order
from core.qr import qr_svg
from core.years import year_from_query
from organizations.models import Member, Role
from organizations.permissions import scope_for

from . import selectors, services
from .models import Commitment, IdentityPost, Status, VanguardPost
from .permissions import (
    get_active_member_post,
    get_branch_to_review,
    get_member_post_to_rekey,
    get_public_photo,
    get_public_post,
)


@dataclass
class Card:
    member: Member
    post: IdentityPost
    commitments: list[Commitment]
    public_url: str
    photo_url: str
    qr: str
    vanguard: list[VanguardPost]  # confirmed 党员先锋岗 of the year and the year before


def _card(
    request: HttpRequest,
    member: Member,
    post: IdentityPost,
    commitments: list[Commitment],
    vanguard: list[VanguardPost],
) -> Card:
    public_url = request.build_absolute_uri(reverse("commitments:public", args=[post.token]))
    return Card(
        member=member,
        post=post,
        commitments=commitments,
        public_url=public_url,
        photo_url=reverse("commitments:photo", args=[post.token]) if member.photo else "",
        qr=qr_svg(public_url, title=member.name, svgclass="cm-qr"),
        vanguard=vanguard,
    )


@login_required
@require_GET
def card(request: HttpRequest, member_pk: int) -> HttpResponse:
    """One member's 共产党员岗 at desk-sign size, ready to print. Looking makes nothing:
    a member without a post page yet gets a button that makes it (post_create)."""
    member = get_active_member_post(request.user, member_pk)
    year = year_from_query(request)
    post = selectors.post_of(member)
    scope = scope_for(request.user)
    shown = None
    if post is not None:
        shown = _card(
            request,
            member,
            post,
            selectors.member_approved_commitments(member, year),
            selectors.vanguard_posts_shown([member], year).get(member.pk, []),
        )
    return render(
        request,
        "commitments/card.html",
        {
            "card": shown,
            "member": member,
            "year": year,
            "can_rekey": scope.is_committee or scope.has_role(member.branch_id, Role.SECRETARY),
        },
    )


@login_required
@require_POST
def post_create(request: HttpRequest, member_pk: int) -> HttpResponse:
    """Make the member's post page (its random key and QR code), then show the card."""
    member = get_active_member_post(request.user, member_pk)
    services.post_for_member(member=member, actor=request.user)
    url = reverse("commitments:card", kwargs={"member_pk": member.pk})
    return redirect(f"{url}?year={year_from_query(request)}")


def _branch_cards(request: HttpRequest, code: str) -> tuple[Any, int, list[Card], Sequence[Member]]:
    """The cards of the members whose post page exists, and the members still without."""
    branch = get_branch_to_review(request.user, code)
    year = year_from_query(request)
    posts = selectors.branch_posts(branch)
    members = list(
        Member.objects.filter(branch=branch, is_active=True)
        .select_related("branch")
        .order_by(*name_order(), "pk")
        .prefetch_related(
            Prefetch(
                "commitments",
                queryset=Commitment.objects.filter(year=year, status=Status.APPROVED).order_by(
                    "pk"
                ),
                to_attr="approved",
            )
        )
    )
    vanguard = selectors.vanguard_posts_shown(members, year)
    cards = [
        _card(request, m, posts[m.pk], m.approved, vanguard.get(m.pk, []))
        for m in members
        if m.pk in posts
    ]
    missing = [m for m in members if m.pk not in posts]
    return branch, year, cards, missing


@login_required
@require_GET
def posts(request: HttpRequest, code: str) -> HttpResponse:
    """The branch's posts: each member's card, public page, and a new key if a sign is lost."""
    branch, year, cards, missing = _branch_cards(request, code)
    scope = scope_for(request.user)
    return render(
        request,
        "commitments/posts.html",
        {
            "branch": branch,
            "year": year,
            "cards": cards,
            "missing": missing,
            "can_rekey": scope.is_committee or scope.has_role(branch.pk, Role.SECRETARY),
        },
    )


@login_required
@require_GET
def sheet(request: HttpRequest, code: str) -> HttpResponse:
    """Every member's card of the branch on A4 sheets, three to a page."""
    branch, year, cards, missing = _branch_cards(request, code)
    return render(
        request,
        "commitments/sheet.html",
        {"branch": branch, "year": year, "cards": cards, "missing": missing},
    )


@login_required
@require_POST
def posts_create(request: HttpRequest, code: str) -> HttpResponse:
    """Make the post pages still missing for the branch's members."""
    branch = get_branch_to_review(request.user, code)
    services.posts_for_branch(branch=branch, actor=request.user)
    url = reverse("commitments:posts", kwargs={"code": branch.code})
    return redirect(f"{url}?year={year_from_query(request)}")


@login_required
@require_POST
def rekey(request: HttpRequest, member_pk: int) -> HttpResponse:
    member = get_member_post_to_rekey(request.user, member_pk)
    services.post_regenerate_token(member=member, actor=request.user)
    messages.success(
        request,
        _(
            "%(name)s's post has a new public key; print the card again, "
            "the old QR code no longer works."
        )
        % {"name": member.name},
    )
    back = request.POST.get("next", "")
    if back == "posts":
        return redirect("commitments:posts", code=member.branch.code)
    return redirect("commitments:card", member_pk=member.pk)


# Public -----------------------------------------------------------------------------


@require_GET
@cache_control(max_age=60, public=True)
def public(request: HttpRequest, token: str) -> HttpResponse:
    """The post page behind the QR code: who the member is and what they promised."""
    post = get_public_post(token)
    member = post.member
    year = timezone.localdate().year
    return render(
        request,
        "commitments/public.html",
        {
            # Only what the plan publishes: name, photo, position, branch, commitments.
            "name": member.name,
            "position": member.position,
            "branch_name": member.branch.name,
            "photo_url": reverse("commitments:photo", args=[post.token]) if member.photo else "",
            "commitments": selectors.member_approved_commitments(member, year),
            "vanguard": selectors.vanguard_posts_shown([member], year).get(member.pk, []),
            "year": year,
        },
    )


@require_GET
@cache_control(max_age=60, public=True)
def photo(request: HttpRequest, token: str) -> HttpResponseBase:
    """The member's photo, served through the post's key (media files are not public)."""
    member, content_type = get_public_photo(token)
    extension = mimetypes.guess_extension(content_type) or ""
    return stored_file_response(
        member.photo,
        name=f"{member.name}-{_('photo')}{extension}",
        content_type=content_type,
        inline=True,
        private=False,
    )
