"""The two-factor line of a member's page, with the committee's reset button."""

from __future__ import annotations

from typing import Any

from django import template
from django_otp.plugins.otp_totp.models import TOTPDevice

register = template.Library()


@register.inclusion_tag("accounts/_two_factor_reset.html", takes_context=True)
def two_factor_status(context: dict[str, Any], member: Any) -> dict[str, Any]:
    from accounts.permissions import may_reset_two_factor

    request = context.get("request")
    target = member.user if member.user_id else None
    if request is None or target is None or not may_reset_two_factor(request.user, target):
        return {"shown": False}
    device = TOTPDevice.objects.devices_for_user(target, confirmed=True).order_by("pk").first()
    return {
        "shown": True,
        "target": target,
        "device": device,
        "csrf_token": context.get("csrf_token"),
    }
