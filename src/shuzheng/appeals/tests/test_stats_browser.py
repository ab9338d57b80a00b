"""诉求统计 in Chromium: the dashboard and its map draw with the local ECharts and nothing but our own
server is contacted (no map tiles, no CDN); the Excel export downloads and opens."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from shuzheng.appeals.tests.conftest import World
from shuzheng.appeals.tests.test_stats_pages import URL, Known, known  # noqa: F401
from shuzheng.identity.tests.factories import DEFAULT_PASSWORD
from shuzheng.web.tests.browser import BROWSER_TESTS, shoot

pytestmark = BROWSER_TESTS


def test_dashboard_and_map_render_offline_in_chromium(
    page: Any,
    live_server: Any,
    world: World,
    known: Known,  # noqa: F811
    screenshot_dir: Path,
) -> None:
    """Every request the page makes stays on our server (no tiles, no CDN); the charts and the map draw."""
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", world.dispatcher.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"/workbench/"))
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_server.url}{URL}")
    page.locator("[data-chart-option=chart-map] svg").wait_for()
    assert page.locator("[data-chart-option=chart-map] svg path").count() > 5  # axes, towns, the points
    assert page.locator("[data-chart-option=chart-volume] svg path").count() > 3
    assert page.locator("[data-kpi=total]").inner_text() == "4"
    assert "诉求统计" in page.locator("nav").inner_text()
    with page.expect_download() as download_info:
        page.click("#stats-export")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert workbook["主要指标"]["B3"].value == 4
    assert outside == []
    shoot(page, screenshot_dir, "appeal-stats")
