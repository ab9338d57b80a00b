"""The clerk's queue at 1366×768 (the common office screen) in Chromium: every column readable (the
事项 column is not squeezed to a couple of characters, 渠道 is not cut off) and no glyph renders as an
empty box (tags use no emoji that office fonts lack)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from shuzheng.cases.services.common import ApplicantData
from shuzheng.cases.tests.conftest import World, citizen_id
from shuzheng.core.validators import generate_uscc
from shuzheng.web.tests.browser import BROWSER_TESTS, shoot

pytestmark = BROWSER_TESTS

LONG_NAME = "食品经营许可（仅销售预包装食品）备案及变更登记（测试用的较长事项名称）"


def test_queue_is_readable_at_1366(
    world: World, open_as: Any, live_server: Any, screenshot_dir: Path
) -> None:
    world.version.name = LONG_NAME
    world.version.save(update_fields=["name"])
    for name in ("欧阳娜娜", "李四"):
        world.at_window(applicant=ApplicantData(kind="person", name=name, id_number=citizen_id()))
    late = timezone.now() - timedelta(days=40)
    world.at_window(applicant=ApplicantData(kind="person", name="司马相如", id_number=citizen_id()), at=late)
    soon = timezone.now() - timedelta(days=world.version.promised_limit_days + 1)
    reviewed = world.move(world.move(world.submit(at=soon), "accept"), "start_review")
    world.move(reviewed, "complete_step")
    world.move(world.submit(), "request_correction", items=[{"target": "身份证", "reason": "不清晰"}])
    world.version.cross_region = True
    world.version.save(update_fields=["cross_region"])
    world.at_window(
        channel="cross_region",
        target_region="510104",
        applicant=ApplicantData(
            kind="enterprise", name="恩平市某某贸易有限公司", uscc=generate_uscc("440785", 9)
        ),
    )
    page = open_as(world.acceptor)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/workbench/cases/")
    shoot(page, screenshot_dir, "cases-queue-1366")
    widths = page.eval_on_selector_all(
        "table.queue thead th",
        "ths => ths.map(th => [th.textContent.trim(), th.getBoundingClientRect().width])",
    )
    by_name = dict(widths)
    font = page.eval_on_selector("table.queue td", "td => parseFloat(getComputedStyle(td).fontSize)")
    assert by_name["事项"] >= 10 * font, widths  # at least ten characters a line
    assert by_name["渠道"] >= 5 * font, widths
    wrap = page.eval_on_selector(
        ".table-wrap", "el => [el.scrollWidth, el.clientWidth, el.getBoundingClientRect().right]"
    )
    assert wrap[0] <= wrap[1] + 1, wrap  # no horizontal scrolling: 渠道 is on screen
    assert wrap[2] <= 1366
    channel = page.eval_on_selector_all(
        "table.queue tbody tr td:last-child", "tds => tds.map(td => td.getBoundingClientRect().right)"
    )
    assert max(channel) <= 1366
    tags = page.eval_on_selector_all("table.queue .tag", "els => els.map(e => e.textContent)")
    assert tags
    assert all(ord(ch) < 0x2300 or ord(ch) > 0x2BFF for text in tags for ch in text), tags
