"""The filing banner on a branch's scheme page: a branch working on an unfiled scheme is warned."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from organizations.models import Role
from organizations.permissions import scope_for
from rules import filing

register = template.Library()

FIELD_LABELS = {
    "section": _("section"),
    "category": _("category"),
    "name": _("name"),
    "label": _("form label"),
    "points_kind": _("points kind"),
    "points": _("points"),
    "points_min": _("minimum points"),
    "points_max": _("maximum points"),
    "levels": _("levels"),
    "cap_month": _("monthly cap"),
    "cap_year": _("yearly cap"),
    "evidence_required": _("evidence required"),
    "declarable": _("declarable by members"),
}


@register.inclusion_tag("rules/_filing_banner.html", takes_context=True)
def filing_banner(context: template.Context, scheme: Any) -> dict[str, Any]:
    if scheme is None or scheme.is_template or scheme.organization_id is None:
        return {"show": False}
    request = context.get("request")
    user = getattr(request, "user", None)
    scope = scope_for(user)
    return {
        "show": True,
        "scheme": scheme,
        "state": filing.filing_state(scheme),
        "can_submit": scope.has_role(scheme.organization_id, Role.SECRETARY),
        "is_committee": scope.is_committee,
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def filing_points(item: dict[str, Any] | None) -> str:
    """An item's points as the comparison shows them: 2.0, 1.0–3.0, or named levels."""
    if not item:
        return ""
    kind = item.get("points_kind")
    if item.get("section") == "base" or kind == "fixed":
        return str(item.get("points") or "—")
    if kind == "range":
        return f"{item.get('points_min') or '?'}–{item.get('points_max') or '?'}"
    levels = item.get("levels") or []
    return " / ".join(
        f"{lv.get('name')} {lv.get('points')}" for lv in levels if isinstance(lv, dict)
    )


@register.filter
def filing_changed(row: Any, fields: str) -> bool:
    """True if any of the comma-separated fields differs from the template."""
    return bool(set(fields.split(",")) & getattr(row, "changed", set()))


@register.filter
def filing_changed_labels(row: Any) -> str:
    """The names of the fields that differ from the template, in the table's order."""
    changed: set[str] = getattr(row, "changed", set())
    return "、".join(str(label) for field, label in FIELD_LABELS.items() if field in changed)
