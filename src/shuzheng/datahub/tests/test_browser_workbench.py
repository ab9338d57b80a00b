"""Data sharing end to end in Chromium: department A (测试民政局) requests an entry of department B
(测试公安局); B approves fewer fields than asked; A issues an API credential for the grant (the secret is
shown once) and A's client reads the data through the data service; B sees the read in the entry's
access log.

The browser is web's (one per module); each person gets their own context, logged in by a session
cookie. Screenshots land in the pytest temporary directory (or $SHUZHENG_SCREENSHOT_DIR).
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from shuzheng.datahub.models import AccessLog, ApiCredential, CatalogEntry, Grant, SharingRequest
from shuzheng.datahub.tests.conftest import Hub, make_entry, people
from shuzheng.web.tests.browser import BROWSER_TESTS, shoot

pytestmark = BROWSER_TESTS


@pytest.fixture
def entry(hub: Hub, drop_mounted_tables: None) -> CatalogEntry:
    return make_entry(hub, rows=people())


def _read_rows(url: str, authorization: str) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Authorization": authorization})  # noqa: S310 - live test server
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return dict(json.loads(response.read().decode()))


def test_request_approve_fewer_fields_issue_credential_read_and_see_the_log(
    hub: Hub,
    entry: CatalogEntry,
    open_as: Any,
    live_server: Any,
    screenshot_dir: Path,
) -> None:
    base = f"{live_server.url}/workbench/datahub"

    # A finds the entry in the catalog and asks for three fields
    consumer = open_as(hub.consumer_user)
    consumer.goto(f"{base}/catalog/")
    consumer.get_by_label("搜索资源").fill("户籍")
    consumer.get_by_role("button", name="查找").click()
    consumer.wait_for_url(re.compile(r"q=%E6%88%B7%E7%B1%8D"))  # htmx swapped the list and the address
    shoot(consumer, screenshot_dir, "datahub-catalog")
    consumer.locator("#entry-results").get_by_role("link", name="户籍人口信息").click()
    consumer.wait_for_url(re.compile(rf"/catalog/{entry.pk}/$"))
    consumer.get_by_role("link", name="申请共享").click()
    consumer.get_by_label("用途").fill("城乡低保资格核查")
    consumer.get_by_label("依据").fill("《社会救助暂行办法》第十一条")
    for field in ("id_number", "full_name", "mobile"):
        consumer.locator(f"input[name=wanted][value={field}]").check()
    consumer.get_by_role("button", name="提交申请").click()
    consumer.wait_for_url(re.compile(r"/sharing/\d+/$"))
    assert consumer.locator("#request-status").inner_text() == "待审批"
    request = SharingRequest.objects.get()
    assert request.fields == ["id_number", "full_name", "mobile"]
    shoot(consumer, screenshot_dir, "datahub-request")

    # B finds it in the inbox and approves two of the three fields
    provider = open_as(hub.steward)
    provider.goto(f"{base}/sharing/?role=received")
    provider.get_by_role("link", name=f"#{request.pk}").click()
    provider.wait_for_url(re.compile(rf"/sharing/{request.pk}/$"))
    provider.locator("input[name=granted][value=mobile]").uncheck()
    provider.get_by_role("button", name="同意", exact=True).click()
    provider.wait_for_url(re.compile(rf"/sharing/{request.pk}/$"))
    assert provider.locator("#request-status").inner_text() == "已同意"
    assert provider.locator("#approved-fields").inner_text() == "公民身份号码、姓名"
    shoot(provider, screenshot_dir, "datahub-approved")
    grant = Grant.objects.get()
    assert grant.fields == ["id_number", "full_name"]

    # A issues a credential for the grant: the secret is shown once
    consumer.goto(f"{base}/grants/")
    consumer.get_by_role("link", name=f"#{grant.pk}").click()
    consumer.get_by_label("凭证名称").fill("低保核查系统")
    consumer.get_by_role("button", name="签发凭证").click()
    consumer.locator("#issued-credential").wait_for()
    client_id = consumer.locator("#client-id").inner_text().strip()
    secret = consumer.locator("#client-secret").inner_text().strip()
    shoot(consumer, screenshot_dir, "datahub-credential")
    assert ApiCredential.objects.get().client_id == client_id
    consumer.reload()
    assert consumer.locator("#issued-credential").count() == 0  # shown once

    # A's client reads through the data service: only the granted fields, masked
    body = _read_rows(
        f"{live_server.url}/api/v1/datahub/data/{entry.code}/rows", f"Bearer {client_id}:{secret}"
    )
    assert body["fields"] == ["id_number", "full_name"]
    assert len(body["items"]) == 5
    first = body["items"][0]
    assert "mobile" not in first
    assert "*" in first["full_name"]
    assert AccessLog.objects.filter(entry=entry).count() == 1

    # B sees who read the data
    provider.goto(f"{base}/catalog/{entry.pk}/")
    provider.get_by_role("link", name="访问日志", exact=True).click()
    provider.wait_for_url(re.compile(rf"/catalog/{entry.pk}/access-log/$"))
    log = provider.locator("#access-log")
    assert "测试民政局" in log.inner_text()
    assert client_id in log.inner_text()
    assert "城乡低保资格核查" in log.inner_text()
    shoot(provider, screenshot_dir, "datahub-access-log")
