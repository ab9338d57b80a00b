"""In Chromium, the Content-Security-Policy blocks nothing the pages themselves need: login, htmx pages,
a chart with its tooltip (ECharts writes style attributes), the API docs (Swagger UI from our files)."""

from __future__ import annotations

from typing import Any

from shuzheng.identity.tests.factories import UserFactory
from shuzheng.web.tests.browser import BROWSER_TESTS

pytestmark = BROWSER_TESTS


def _violations(page: Any) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return seen


def test_pages_run_under_the_policy_without_violations(open_as: Any, live_server: Any, settings: Any) -> None:
    settings.ROOT_URLCONF = "shuzheng.web.tests.urls_for_tests"
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False
    page = open_as(UserFactory.create(is_staff=True, is_superuser=True))
    violations = _violations(page)

    page.goto(f"{live_server.url}/test-chart/")
    chart = page.locator("#demo-chart svg")
    chart.wait_for()
    box = chart.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)  # the tooltip is written on hover

    page.goto(f"{live_server.url}/api/v1/docs")
    page.locator(".swagger-ui .info .title").wait_for(timeout=90_000)  # a large document, a busy CI
    assert "数政" in page.locator(".swagger-ui .info .title").inner_text()

    for url in ("/", "/accounts/login/", "/workbench/", "/admin/"):
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
    assert violations == []

    # The policy is enforced and the listener hears it: an injected inline handler is refused.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\"window.ran=1\">')")
    page.wait_for_timeout(300)
    assert page.evaluate("window.ran") is None
    assert violations
