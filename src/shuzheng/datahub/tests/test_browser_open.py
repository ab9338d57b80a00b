"""The open-data portal in Chromium (Playwright): an anonymous visitor searches in Chinese, filters by
department, opens a dataset, sees the masked preview and downloads the CSV, which is counted.

The browser is shared by the module (web's fixtures); screenshots land in the pytest temporary
directory (or $SHUZHENG_SCREENSHOT_DIR).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from shuzheng.datahub.models import OpenDataset
from shuzheng.datahub.tests.test_open_pages import Portal, portal  # noqa: F401 - the portal fixture
from shuzheng.web.tests.browser import BROWSER_TESTS, shoot

pytestmark = BROWSER_TESTS


def test_visitor_searches_filters_previews_and_downloads(
    page: Any,
    live_server: Any,
    portal: Portal,  # noqa: F811 - the fixture imported above
    screenshot_dir: Path,
    tmp_path: Path,
) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="开放数据").click()
    page.wait_for_url(re.compile(r"/open-data/$"))
    assert page.locator("#total-datasets").inner_text() == "3"
    assert page.locator(".dataset-item").count() == 3

    # search in Chinese
    page.get_by_role("searchbox", name="搜索开放数据").fill("停车")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"\?q=%E5%81%9C%E8%BD%A6"))
    assert page.locator("#result-total").inner_text() == "1"
    assert page.locator(".dataset-item h3").all_inner_texts() == ["公共停车场信息"]

    # filter by department through the facet (with its count), from the full list
    page.goto(f"{live_server.url}/open-data/")
    facet = page.locator("[data-facet=department]")
    assert "2" in facet.get_by_role("listitem").filter(has_text="测试民政局").inner_text()
    facet.get_by_role("link", name="测试民政局").click()
    page.wait_for_url(re.compile(r"department=TC01"))
    assert page.locator("#result-total").inner_text() == "2"
    titles = sorted(page.locator(".dataset-item h3").all_inner_texts())
    assert titles == ["公共停车场信息", "空气质量监测数据"]
    shoot(page, screenshot_dir, "open-data-filtered")

    # the population dataset: metadata and the masked preview
    page.goto(f"{live_server.url}/open-data/?q=人口")
    page.get_by_role("link", name="恩平市常住人口统计").click()
    page.wait_for_url(re.compile(r"/open-data/enping-population/$"))
    assert page.locator("h1").inner_text() == "恩平市常住人口统计"
    preview = page.locator("#preview")
    assert preview.locator("tbody tr").count() == 10
    first_row = preview.locator("tbody tr").first.locator("td").all_inner_texts()
    assert first_row == ["2020", "恩城街道", "10000", "欧**娜"]
    assert "欧阳娜娜" not in page.content()
    shoot(page, screenshot_dir, "open-data-dataset")

    # download the CSV
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 CSV").click()
    download = info.value
    assert download.suggested_filename == "enping-population.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["年份", "镇街", "常住人口", "填报人"]
    assert len(rows) == 13
    assert OpenDataset.objects.get(name="enping-population").download_count == 1
    page.reload()
    assert page.locator("#download-count").inner_text() == "1"
