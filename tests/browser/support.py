"""Where the browser tests find chromium and put their screenshots.

Kept apart from conftest.py so that tests/conftest.py can report a missing
browser in the run's header and summary, where nobody can overlook it.
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# --lang: the browser's own widgets (date pickers) in Chinese, as on the bureau's machines.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--lang=zh-CN",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
LAPTOP = {"width": 1366, "height": 768}

MISSING_NOTICE = (
    f"browser tests skipped: {CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)"
)


def browser_required() -> bool:
    """CI (.ci/run) sets JIFEN_REQUIRE_BROWSER=1: a missing browser fails the run there."""
    return os.environ.get("JIFEN_REQUIRE_BROWSER", "") not in ("", "0")


def browser_missing() -> bool:
    return not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK))


def wait_for_image(page, selector: str) -> None:
    """Wait until the image has loaded (wait_for_function would eval a string, which the
    Content-Security-Policy forbids)."""
    image = page.locator(selector).first
    for _ in range(100):
        if image.evaluate("img => img.complete && img.naturalWidth > 0"):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{selector} did not load")
