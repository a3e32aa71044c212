"""What the top bar shows: the user's roles and the links their scope opens."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accounts.two_factor import session_needs_code
from core.nav import NavLink
from core.years import current_year
from organizations.models import Organization, Role
from organizations.permissions import scope_for
from portal.nav import GROUPS, extra_links

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
    assignments = scope.assignments  # loaded once per request by scope_for
    roles = [(a.organization.name, a.get_role_display()) for a in assignments]
    request = context.get("request")
    if request is not None and session_needs_code(request):
        return {"roles": roles}  # no menu until the second factor is shown
    secretary_of = [
        a.organization
        for a in assignments
        if a.role == Role.SECRETARY and a.organization.owns_members
    ]
    officer_of = {
        a.organization.pk: a.organization
        for a in assignments
        if a.role in (Role.SECRETARY, Role.GROUP_LEADER, Role.GROUP_MEMBER, Role.RECORDER)
        and a.organization.owns_members
    }
    core_links: list[NavLink] = []
    if scope.member is not None:
        core_links.append(
            NavLink(
                label=str(_("My points card")),
                url=reverse("summaries:card", kwargs={"member_pk": scope.member.pk, "year": year}),
                icon="bi-card-checklist",
                group="mine",
            )
        )
    several = len(officer_of) > 1
    for org in officer_of.values():
        core_links.append(
            NavLink(
                label=f"{_('Branch points')} · {org.name}" if several else str(_("Branch points")),
                url=reverse("summaries:branch_table", kwargs={"code": org.code, "year": year}),
                icon="bi-table",
            )
        )
    if scope.is_officer_anywhere:
        core_links.append(
            NavLink(
                label=str(_("Members")),
                url=reverse("organizations:member_list"),
                icon="bi-people",
                group="committee" if scope.is_committee else "branch",
            )
        )
    for org in officer_of.values():
        core_links.append(
            NavLink(
                label=f"{_('Branch and roles')} · {org.name}"
                if several
                else str(_("Branch and roles")),
                url=reverse("organizations:org_detail", kwargs={"code": org.code}),
                icon="bi-diagram-2",
                app_name="organizations",
            )
        )
    for org in secretary_of:
        core_links.append(
            NavLink(
                label=f"{_('Points scheme')} · {org.name}"
                if len(secretary_of) > 1
                else str(_("Points scheme")),
                url=_url("rules:scheme", f"/rules/{org.code}/{year}/", code=org.code, year=year),
                icon="bi-journal-text",
            )
        )
    if scope.is_committee:
        core_links += [
            NavLink(
                label=str(_("Organisations and people")),
                url=reverse("organizations:org_tree"),
                icon="bi-diagram-3-fill",
                group="committee",
            ),
            NavLink(
                label=str(_("All branches")),
                url=reverse("summaries:committee", kwargs={"year": year}),
                icon="bi-diagram-3",
                group="committee",
            ),
            NavLink(
                label=str(_("Points schemes")),
                url=_url("rules:index", "/rules/"),
                icon="bi-journal-text",
                group="committee",
            ),
            NavLink(
                label=str(_("Audit log")),
                url=_url("audit:log", "/audit/"),
                icon="bi-shield-check",
                group="committee",
            ),
        ]
    links = core_links + extra_links(user, scope)
    menus = []
    for group, (label, icon) in GROUPS.items():
        grouped = [link for link in links if link.group == group]
        if grouped:
            menus.append(
                {
                    "label": label,
                    "icon": icon,
                    "links": grouped,
                    "badge": sum(link.badge for link in grouped),
                    "apps": {link.app_name for link in grouped if link.app_name},
                }
            )
    return {
        "roles": roles,
        "member": scope.member,
        "menus": menus,
        "alerts": [link for link in links if link.group == "alerts"],
    }
