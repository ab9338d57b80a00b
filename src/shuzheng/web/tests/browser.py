"""Chromium (Debian's, driven by Playwright) for every context's browser tests.

The fixtures are registered for the whole suite by src/shuzheng/conftest.py. A module of browser
tests sets ``pytestmark = BROWSER_TESTS``; it gets one browser per module, and ``open_as(user)`` gives
a fresh context (cookies) logged in as that user, or anonymous with ``None``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is not installed (make chromium); browser tests skipped",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the tests'
    # fixtures are still synchronous and safe, so let Django allow them for this module only.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with playwright_sync.sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            try:
                yield chromium
            finally:
                chromium.close()


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(os.environ.get("SHUZHENG_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))


def _context(browser: Any) -> Any:
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """An anonymous page in a fresh context."""
    context = _context(browser)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Iterator[Callable[[Any], Any]]:
    """``open_as(user)``: a page in a fresh context logged in as ``user`` (anonymous for None)."""
    from django.conf import settings
    from django.test import Client

    contexts: list[Any] = []

    def open_page(user: Any) -> Any:
        context = _context(browser)
        if user is not None:
            client = Client()
            client.force_login(user, backend="shuzheng.identity.backends.RoleBackend")
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
            )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def shoot(page: Any, directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    print(f"screenshot: {target}")
    return target
