"""{% audit_chain_head %}: the audit chain's head as printed on notices, tables and screens."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from audit.services import chain_head
from core.qr import qr_svg

register = template.Library()


@register.inclusion_tag("audit/_chain_head.html")
def audit_chain_head(qr: bool = True) -> dict[str, Any]:
    head = chain_head()
    return {
        "head": head,
        "qr": qr_svg(head.qr_text, title=_("Audit chain head")) if head and qr else "",
    }
