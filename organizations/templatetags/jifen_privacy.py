"""{{ number|mask_phone }} always masks; {% phone number branch_id member_id %} masks
unless organizations.privacy.may_see_phone lets the signed-in viewer read it."""

from __future__ import annotations

from typing import Any

from django import template

from organizations import privacy

register = template.Library()


@register.filter
def mask_phone(value: Any) -> str:
    return privacy.mask_phone(value)


@register.simple_tag(takes_context=True)
def phone(context: template.Context, value: Any, branch_id: Any, member_id: Any = None) -> str:
    if not value:
        return "—"
    request = context.get("request")
    user = getattr(request, "user", None)
    if privacy.may_see_phone(user, branch_id=branch_id, member_id=member_id):
        return str(value)
    return privacy.mask_phone(value)
