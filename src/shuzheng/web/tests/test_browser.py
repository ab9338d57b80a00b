"""End-to-end through Debian's Chromium (Playwright): staff login with TOTP, and the public portal.

One browser per module; each test gets a fresh context (cookies) and saves a screenshot of its final
page under the pytest temporary directory (the path is printed; run with -s to see it).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from shuzheng.identity.tests.factories import DEFAULT_PASSWORD, UserFactory
from shuzheng.web.tests.browser import BROWSER_TESTS, shoot
from shuzheng.web.tests.conftest import Org

pytestmark = BROWSER_TESTS


def test_staff_logs_in_with_totp_sees_the_workbench_and_logs_out(
    page: Any, live_server: Any, org: Org, screenshot_dir: Path
) -> None:
    user = UserFactory.create(username="zhangsan", full_name="张三", department=org.department)
    device = TOTPDevice.objects.create(user=user, name="手机", confirmed=True)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "zhangsan")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"/accounts/otp/"))

    page.fill("input[name=otp_token]", f"{totp(device.bin_key, digits=device.digits):0{device.digits}d}")
    page.press("input[name=otp_token]", "Enter")
    page.wait_for_url(re.compile(r"/workbench/$"))

    assert page.locator("h1").inner_text().endswith("，张三")
    user_menu = page.locator(".user-menu")
    assert "张三" in user_menu.inner_text()
    assert "恩平市公安局" in user_menu.inner_text()
    assert page.locator("nav[aria-label=工作台导航] a[aria-current=page]").inner_text() == "工作台首页"
    shoot(page, screenshot_dir, "workbench-home")

    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("link", name="登录").is_visible()
    page.goto(f"{live_server.url}/workbench/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/workbench/"))


def test_visitor_browses_halls_on_the_portal(
    page: Any, live_server: Any, org: Org, screenshot_dir: Path
) -> None:
    page.goto(f"{live_server.url}/")
    assert page.title().startswith("恩平市政务服务网")
    halls = page.locator("#hall-results")
    for name in ("恩平市政务服务中心", "恩城街道政务服务中心", "西门社区党群服务中心"):
        assert halls.get_by_role("link", name=name).is_visible()
    shoot(page, screenshot_dir, "portal-home")

    # The level filter swaps the list in place through htmx (served locally) and updates the address:
    # a marker set on this window survives, which a full page load would have wiped.
    page.evaluate("window.stillSamePage = true")
    page.locator("ul.filters").get_by_role("link", name="村级").click()
    page.wait_for_url(re.compile(r"level=village"))
    page.get_by_role("heading", name="市级政务服务大厅").wait_for(state="detached")
    assert halls.locator(".hall-item").count() == 1
    assert page.evaluate("window.stillSamePage") is True

    page.locator("ul.filters").get_by_role("link", name="全部").click()
    page.get_by_role("heading", name="市级政务服务大厅").wait_for()
    halls.get_by_role("link", name="恩平市政务服务中心").click()
    page.wait_for_url(re.compile(r"/halls/H440785001/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "恩平市政务服务中心"
    windows = page.locator("#windows table")
    assert "综合受理窗口" in windows.inner_text()
    assert "户政窗口" in windows.inner_text()
    assert "侨都之窗自助机（一楼大堂）" in page.locator("#kiosks").inner_text()
    shoot(page, screenshot_dir, "hall-detail")


def test_workbench_chart_is_drawn_with_local_echarts(
    page: Any, live_server: Any, org: Org, settings: Any, screenshot_dir: Path
) -> None:
    settings.ROOT_URLCONF = "shuzheng.web.tests.urls_for_tests"
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False  # only the chart matters here
    user = UserFactory.create(username="lisi", full_name="李四", department=org.department)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "lisi")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"/workbench/$"))
    assert page.evaluate("typeof window.echarts") == "undefined"  # pages without charts skip it

    page.emulate_media(reduced_motion="reduce")  # no animation: the screenshot shows the final bars
    page.goto(f"{live_server.url}/test-chart/")
    page.locator("#demo-chart svg").wait_for()
    assert page.evaluate("typeof window.echarts") == "object"
    assert page.locator("#demo-chart svg path").count() > 3  # axes and three bars
    assert user.full_name in page.locator(".user-menu").inner_text()
    shoot(page, screenshot_dir, "workbench-chart")
