"""QR codes drawn by the application itself (segno), inlined as SVG: no external service."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(data: str, *, title: str = "", svgclass: str = "qr") -> SafeString:
    svg = segno.make(data, error="m", micro=False).svg_inline(
        scale=1, border=2, omitsize=True, svgclass=svgclass, title=title or None
    )
    return mark_safe(svg)  # noqa: S308 - segno escapes the title; the rest is path data
