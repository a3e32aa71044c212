"""What the top bar shows: the user's roles and the links their scope opens."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from organizations.models import Organization, Role, RoleAssignment
from organizations.permissions import scope_for
from summaries.years import current_year

register = template.Library()


def _url(name: str, fallback: str, **kwargs: Any) -> str:
    """Link to a page another part of the system provides, even before its URL exists."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return fallback


@register.simple_tag(takes_context=True)
def bureau_name(context: template.Context) -> str:
    """The committee's name, for the footer (one query, kept on the request)."""
    request = context.get("request")
    cached = getattr(request, "_jifen_bureau_name", None)
    if cached is not None:
        return cached
    name = (
        Organization.objects.filter(kind=Organization.Kind.COMMITTEE, parent__isnull=True)
        .order_by("order", "code")
        .values_list("name", flat=True)
        .first()
    ) or ""
    if request is not None:
        request._jifen_bureau_name = name
    return name


@register.simple_tag(takes_context=True)
def navigation(context: template.Context) -> dict[str, Any]:
    """Roles held and links opened by them; one query beyond the user's scope."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    year = current_year()
    assignments = list(
        RoleAssignment.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__order", "organization__code", "role")
    )
    roles = [(a.organization.name, a.get_role_display()) for a in assignments]
    secretary_of = [
        a.organization
        for a in assignments
        if a.role == Role.SECRETARY and a.organization.owns_members
    ]
    officer_of = {
        a.organization.pk: a.organization
        for a in assignments
        if a.role in (Role.SECRETARY, Role.GROUP_MEMBER, Role.RECORDER)
        and a.organization.owns_members
    }
    return {
        "roles": roles,
        "is_committee": scope.is_committee,
        "is_officer": scope.is_officer_anywhere,
        "member": scope.member,
        "year": year,
        "card_url": (
            reverse("summaries:card", kwargs={"member_pk": scope.member.pk, "year": year})
            if scope.member is not None
            else ""
        ),
        "branch_links": [
            (
                org.name,
                reverse("summaries:branch_table", kwargs={"code": org.code, "year": year}),
            )
            for org in officer_of.values()
        ],
        "committee_url": reverse("summaries:committee", kwargs={"year": year}),
        # The committee picks a branch (or its template) from the schemes index.
        "scheme_links": (
            [("", _url("rules:index", "/rules/"))]
            if scope.is_committee
            else [
                (
                    org.name,
                    _url("rules:scheme", f"/rules/{org.code}/{year}/", code=org.code, year=year),
                )
                for org in secretary_of
            ]
        ),
        "audit_url": _url("audit:log", "/audit/"),
    }
