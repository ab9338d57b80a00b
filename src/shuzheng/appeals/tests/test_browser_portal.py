"""诉求反映 and grid events in Chromium (Playwright):

(a) a citizen files an appeal with a photo on the portal, follows it while the centre dispatches it and
the department replies, finds it in 我的诉求, and a visitor looks its status up by number;
(b) a grid worker reports an event with a photo and handles it on the spot with before/after photos;
(c) the dispatch centre tries an example on the rule test page (the result panel swapped in by htmx).

The browser is web's module fixture; each user gets a context logged in by a session cookie. Screenshots
land in the pytest temporary directory (or $SHUZHENG_SCREENSHOT_DIR).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shuzheng.appeals.constants import AppealStatus, ConclusionKind
from shuzheng.appeals.models import Appeal
from shuzheng.appeals.services.dispatch import appeal_dispatch
from shuzheng.appeals.services.work_orders import work_order_accept, work_order_reply
from shuzheng.appeals.tests.conftest import World
from shuzheng.appeals.tests.test_views_portal import png_bytes
from shuzheng.orgs.models import GridWorker
from shuzheng.web.tests.browser import BROWSER_TESTS, shoot

pytestmark = BROWSER_TESTS


def _photo(tmp_path: Path, name: str, color: str = "white") -> str:
    target = tmp_path / name
    target.write_bytes(png_bytes(color))
    return str(target)


def _images_loaded(page: Any, selector: str) -> bool:
    """True once every image matching ``selector`` has been served and decoded (waits up to the timeout)."""
    page.wait_for_function(
        "s => { const imgs = [...document.querySelectorAll(s)];"
        " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }",
        arg=selector,
    )
    return True


def test_a_citizen_files_an_appeal_and_follows_it(
    world: World,
    open_as: Any,
    live_server: Any,
    tmp_path: Path,
    screenshot_dir: Path,
) -> None:
    page = open_as(world.citizen)
    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="诉求反映").click()
    page.wait_for_url(re.compile(r"/appeals/new/$"))
    assert page.locator("h1").inner_text() == "诉求反映"

    # first an empty text: the service's Chinese message next to the field, nothing filed
    page.locator("#id_appeal_type").select_option("complaint")
    page.locator("#id_division_code").select_option(world.village.code)
    page.get_by_role("button", name="提交诉求").click()
    assert "诉求内容不能为空" in page.locator("#id_text_error").inner_text()
    assert Appeal.objects.count() == 0
    shoot(page, screenshot_dir, "appeal-portal-form-error")

    page.locator("#id_category_code").select_option(world.garbage.code)
    page.locator("#id_title").fill("市场旁垃圾无人清运")
    page.locator("#id_text").fill("沙湖镇第1村市场旁的垃圾桶一个星期没人清运，气味很臭。")
    page.locator("#id_address").fill("市场东侧")
    page.locator("#id_reporter_phone").fill("13707500001")
    page.locator("#id_photos").set_input_files(_photo(tmp_path, "现场.png"))
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_url(re.compile(r"/appeals/\d+/$"))
    appeal = Appeal.objects.get()
    assert appeal.number in page.locator(".messages, [role=status], main").first.inner_text()
    assert page.locator("#appeal-status").inner_text() == "待派单"
    assert _images_loaded(page, ".photo-grid img")
    shoot(page, screenshot_dir, "appeal-portal-filed")

    # the centre dispatches, the department accepts and replies
    work_order = appeal_dispatch(actor=world.dispatcher, appeal=appeal, department=world.cgj)
    work_order_accept(actor=world.cgj_handler, work_order=work_order.pk)
    work_order_reply(
        actor=world.cgj_handler, work_order=work_order.pk, reply_text="已安排环卫车辆清运，并增加清运频次。"
    )

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的诉求").click()
    page.wait_for_url(re.compile(r"/appeals/mine/$"))
    page.get_by_role("link", name=appeal.number).click()
    page.wait_for_url(re.compile(rf"/appeals/{appeal.pk}/$"))
    assert page.locator("#appeal-status").inner_text() == "办理中"
    assert "已安排环卫车辆清运" in page.locator("#appeal-answer").inner_text()
    timeline = page.locator(".appeal-timeline").inner_text()
    assert "已转交城管执法局办理" in timeline
    assert "城管执法局已答复" in timeline
    assert "回访" in page.locator("main").inner_text()
    shoot(page, screenshot_dir, "appeal-portal-replied")

    # anybody can look the status up by number, without the text or the reporter
    visitor = open_as(None)
    visitor.goto(f"{live_server.url}/appeals/new/")
    visitor.get_by_role("link", name="凭诉求编号查询进度").click()
    visitor.get_by_label("诉求编号").fill(appeal.number)
    visitor.get_by_role("button", name="查询").click()
    assert visitor.locator("#track-stage").inner_text() == "承办部门办理中"
    assert "垃圾桶" not in visitor.locator("main").inner_text()


def test_a_grid_worker_reports_and_self_handles_an_event(
    world: World,
    open_as: Any,
    live_server: Any,
    tmp_path: Path,
    screenshot_dir: Path,
) -> None:
    GridWorker.objects.create(grid=world.grid, user=world.grid_worker, name="黄网格")
    page = open_as(world.grid_worker)
    page.goto(f"{live_server.url}/workbench/")
    page.get_by_role("navigation", name="工作台导航").get_by_role("link", name="网格事件").click()
    page.wait_for_url(re.compile(r"/workbench/appeals/grid/$"))
    page.get_by_role("link", name="上报事件").click()
    page.wait_for_url(re.compile(r"/workbench/appeals/grid/new/$"))
    assert page.locator("#id_division_code").input_value() == world.village.code  # the worker's village

    page.locator("#id_appeal_type").select_option("help")
    page.locator("#id_category_code").select_option(world.garbage.code)
    page.locator("#id_text").fill("村口榕树旁堆放生活垃圾约两车，影响通行")
    page.locator("#id_address").fill("村口榕树旁")
    page.locator("#id_photos").set_input_files(_photo(tmp_path, "现场.png"))
    page.get_by_role("button", name="上报", exact=True).click()
    page.wait_for_url(re.compile(r"/workbench/appeals/grid/\d+/$"))
    appeal = Appeal.objects.get()
    assert appeal.channel == "grid"
    assert page.locator("#event-status").inner_text() == "网格员待处置"
    assert _images_loaded(page, ".photo-grid img")

    # self-handling without the after photo is refused and changes nothing
    page.locator("#id_note").fill("已组织保洁员清理完毕")
    page.locator("#id_before").set_input_files(_photo(tmp_path, "处置前.png", "gray"))
    page.get_by_role("button", name="提交处置结果").click()
    assert "请上传处置后照片" in page.locator("#id_after_error").inner_text()  # waits for the new page
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REPORTED

    page.locator("#id_note").fill("已组织保洁员清理完毕")
    page.locator("#id_before").set_input_files(_photo(tmp_path, "处置前.png", "gray"))
    page.locator("#id_after").set_input_files(_photo(tmp_path, "处置后.png", "green"))
    page.get_by_role("button", name="提交处置结果").click()
    page.get_by_text(f"事件 {appeal.number} 已自行处置办结。").wait_for()
    assert page.locator("#event-status").inner_text() == "网格员自行处置"
    assert page.locator("#event-answer").inner_text() == "已组织保洁员清理完毕"
    assert page.locator(".photo-grid img").count() == 3
    assert _images_loaded(page, ".photo-grid img")
    appeal.refresh_from_db()
    assert appeal.conclusion == ConclusionKind.SELF_HANDLED
    shoot(page, screenshot_dir, "grid-event-self-handled")

    page.get_by_role("link", name="网格事件").first.click()
    page.wait_for_url(re.compile(r"/workbench/appeals/grid/$"))
    assert appeal.number in page.locator("table").inner_text()


def test_the_rule_test_panel_is_swapped_in_by_htmx(
    world: World,
    open_as: Any,
    live_server: Any,
    screenshot_dir: Path,
) -> None:
    from shuzheng.appeals.models import RoutingRule

    RoutingRule.objects.create(name="欠薪归人社", position=1, keywords="欠薪,工资", lead_department=world.rsj)
    page = open_as(world.dispatcher)
    page.goto(f"{live_server.url}/workbench/")
    page.get_by_role("navigation", name="工作台导航").get_by_role("link", name="派单规则测试").click()
    page.wait_for_url(re.compile(r"/workbench/appeals/rules/test/$"))
    page.evaluate("window.stillSamePage = true")
    page.locator("#id_text").fill("老板拖欠我三个月工资")
    page.get_by_role("button", name="测试").click()
    page.wait_for_url(re.compile(r"text="))
    assert "“欠薪归人社” → 人社局" in page.locator("#hit-rule").inner_text()
    assert page.locator(".rules-table tr.hit").inner_text().startswith("1")
    assert page.evaluate("window.stillSamePage") is True  # only the panel was replaced

    page.locator("#id_text").fill("")
    page.get_by_role("button", name="测试").click()
    page.get_by_text("请输入示例诉求内容").wait_for()
    assert page.locator("#hit-rule").count() == 0
    shoot(page, screenshot_dir, "rule-test")
