"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Every test in this folder is marked `browser` and gets a transactional database
(the live server runs in another thread and must see the test's data). Without
/usr/bin/chromium the tests are skipped, loudly (see tests/conftest.py), unless
JIFEN_REQUIRE_BROWSER=1 asks for them to fail instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MISSING_NOTICE,
    SCREENSHOTS,
    browser_missing,
    browser_required,
)

HERE = Path(__file__).resolve().parent

# Playwright's sync API keeps an event loop running in this thread for as long
# as the (session-wide) browser is open; Django would then refuse every database
# access from the tests, and the flush after them, with "You cannot call this
# from an async context", although nothing here is really asynchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# Chromium asks for it on every page; the site has none.
IGNORED_URLS = ("/favicon.ico",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE not in Path(item.path).resolve().parents:
            continue
        item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("django_db") is None:
            # serialized_rollback: the flush after a live-server test would
            # otherwise also remove what the migrations put in (the template scheme).
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))
        if browser_missing() and not browser_required():
            item.add_marker(pytest.mark.skip(reason=MISSING_NOTICE))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if browser_missing():
        pytest.fail(f"{CHROMIUM} not found and JIFEN_REQUIRE_BROWSER is set")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class Screen:
    """One browser tab at one size that remembers what went wrong on its pages."""

    page: Any
    base_url: str
    name: str
    problems: list[str] = field(default_factory=list)

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base_url + path)
        assert response is not None, path
        assert response.ok, f"{path}: {response.status}"
        return response

    def sign_in(self, username: str, password: str) -> None:
        self.open("/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.click("form button[type=submit]")
        assert "/accounts/login/" not in self.page.url, f"{username} could not sign in"

    def shot(self, label: str) -> Path:
        """A full-page screenshot in test-artifacts/screenshots/, named after screen and label."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{re.sub(r'[^A-Za-z0-9_-]+', '_', label)}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def overflows_sideways(self) -> bool:
        return bool(
            self.page.evaluate(
                "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
            )
        )


def _console(screen: Screen, message: Any) -> None:
    location = (message.location or {}).get("url", "")
    if message.type != "error" or location.endswith(IGNORED_URLS):
        return
    if "Failed to load resource" in message.text:
        return  # reported by _response, with its URL
    screen.problems.append(f"console error: {message.text} ({location})")


def _response(screen: Screen, response: Any) -> None:
    if response.status >= 400 and not response.url.endswith(IGNORED_URLS):
        screen.problems.append(f"{response.status} {response.url}")


@pytest.fixture
def screen(browser: Any, live_server: Any) -> Iterator[Callable[..., Screen]]:
    """screen(name, viewport) -> a fresh browser context of that size on the live server."""
    contexts = []

    def make(name: str, viewport: dict[str, int], **options: Any) -> Screen:
        """`options` go to the browser context, e.g. timezone_id for a device's zone."""
        context = browser.new_context(
            viewport=viewport, locale="zh-CN", device_scale_factor=1, **options
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        made = Screen(page=page, base_url=live_server.url, name=name)
        page.on("pageerror", lambda exc: made.problems.append(f"page error: {exc}"))
        page.on("console", lambda message: _console(made, message))
        page.on("response", lambda response: _response(made, response))
        return made

    yield make
    for context in contexts:
        context.close()
