"""The appeals workbench in Chromium (Playwright), one context per role (hotline agent, dispatch centre,
department handler), logged in by a session cookie:

(a) the agent registers a complaint while the htmx assistant shows the KB answer and the similar past
appeal; the centre dispatches it to a lead and an assisting department; the department signs for it and
replies; the centre visits (satisfied) and the work order is closed;
(b) an unsatisfied visit reopens the work order to the same department, which sees the reason in its
queue and on the work order, replies again; the next visit is satisfied and closes it.

The browser is shared by the module (web's fixtures); screenshots land in the pytest temporary directory
(or $SHUZHENG_SCREENSHOT_DIR).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shuzheng.appeals.constants import AppealStatus, WorkOrderStatus
from shuzheng.appeals.models import Appeal, WorkOrder
from shuzheng.appeals.services.dispatch import appeal_dispatch
from shuzheng.appeals.services.knowledge import (
    knowledge_article_create,
    knowledge_article_review,
    knowledge_article_submit,
)
from shuzheng.appeals.tests.conftest import World, intake
from shuzheng.web.tests.browser import BROWSER_TESTS, shoot

pytestmark = BROWSER_TESTS


def _kb_article(world: World) -> None:
    article = knowledge_article_create(
        actor=world.editor,
        question="垃圾桶满了多久清运",
        answer="城区生活垃圾每日清运两次，可拨打12345反映。",
        category=world.garbage,
    )
    knowledge_article_submit(actor=world.editor, article=article)
    knowledge_article_review(actor=world.reviewer, article=article, approve=True)


def _visit(page: Any, base: str, number: str, result: str, note: str = "") -> None:
    """The centre opens the 待回访 tab, follows the work order and records the visit."""
    page.goto(f"{base}/workbench/appeals/dispatch/?tab=visits")
    row = page.locator(f"tr[data-work-order='{number}']")
    row.get_by_role("link", name="回访…").click()
    page.wait_for_url(re.compile(r"/workbench/appeals/orders/\d+/"))
    visit = page.locator("#action-visit")
    visit.get_by_label("回访结果").select_option(label=result)
    if note:
        visit.get_by_label("回访记录 / 不满意理由 / 未成功原因").fill(note)
    visit.get_by_role("button", name="确认回访").click()
    page.locator(".messages").wait_for()


def _handle(page: Any, base: str, number: str, reply: str, *, accept: bool) -> None:
    """The department opens its queue, the work order, signs for it (first time) and replies."""
    page.goto(f"{base}/workbench/appeals/orders/")
    page.locator(f"tr[data-work-order='{number}']").get_by_role("link", name=number).click()
    page.wait_for_url(re.compile(r"/workbench/appeals/orders/\d+/$"))
    if accept:
        page.get_by_role("button", name="确认签收").click()
        page.get_by_text("已签收，请按期办理并答复诉求人。").wait_for()
    form = page.locator("#action-reply")
    form.get_by_label("答复内容").fill(reply)
    form.get_by_role("button", name="确认答复诉求人").click()
    page.get_by_text("已答复，等待调度中心回访。").wait_for()
    assert page.locator("#wo-status").inner_text() == "已答复待回访"


def test_a_intake_dispatch_accept_reply_visit_close(
    world: World,
    open_as: Any,
    live_server: Any,
    screenshot_dir: Path,
) -> None:
    _kb_article(world)
    past = intake(world, text="市场旁边垃圾桶满了没人清运", appeal_type="help")
    base = live_server.url

    # 1. the hotline agent registers the complaint; the assistant panel follows the typing (htmx)
    agent = open_as(world.agent)
    agent.goto(f"{base}/workbench/appeals/intake/")
    assert agent.locator("nav[aria-label=工作台导航] a[aria-current=page]").inner_text() == "诉求登记"
    agent.evaluate("window.stillSamePage = true")
    agent.get_by_label("诉求类型").select_option(label="投诉")
    agent.locator("#id_text").fill("沙湖镇市场旁边的垃圾桶满了三天没人清运，气味很臭")
    panel = agent.locator("#assist-panel")
    panel.get_by_text("垃圾桶满了多久清运").wait_for()
    panel.get_by_role("link", name=past.number).wait_for()
    assert agent.evaluate("window.stillSamePage") is True  # swapped in place, no page load
    agent.get_by_label("所在区划（镇街 / 村居）").select_option(value=world.village.code)
    agent.get_by_label("详细地址").fill("沙湖镇市场东门")
    agent.get_by_label("诉求人姓名").fill("陈建明")
    agent.get_by_label("联系电话").fill("13707500002")
    shoot(agent, screenshot_dir, "appeals-intake")
    agent.get_by_role("button", name="登记并派单").click()
    agent.wait_for_url(re.compile(r"/workbench/appeals/\d+/$"))
    assert "已进入调度中心人工派单队列" in agent.locator(".messages").inner_text()
    appeal = Appeal.objects.exclude(pk=past.pk).get()
    assert appeal.status == AppealStatus.PENDING_DISPATCH

    # 2. the dispatch centre picks it from its queue and dispatches to a lead and an assisting department
    centre = open_as(world.dispatcher)
    centre.goto(f"{base}/workbench/appeals/dispatch/")
    row = centre.locator(f"tr[data-appeal='{appeal.number}']")
    assert "投诉" in row.inner_text()
    shoot(centre, screenshot_dir, "appeals-dispatch-queue")
    row.get_by_role("link", name="指定主办与协办部门…").click()
    centre.wait_for_url(re.compile(rf"/workbench/appeals/{appeal.pk}/$"))
    centre.get_by_label("主办部门").fill(f"城管执法局（{world.cgj.code}）")
    centre.get_by_label("协办部门").select_option(label="沙湖镇人民政府")
    centre.get_by_role("button", name="下一步：确认派单").click()
    assert "城管执法局" in centre.locator("#confirm-department").inner_text()
    assert not WorkOrder.objects.exists()  # nothing is created before the confirmation
    centre.get_by_role("button", name="确认派单").click()
    centre.get_by_text("已派至“城管执法局”").wait_for()
    work_order = WorkOrder.objects.get()
    assert work_order.assists.get().department == world.town_gov

    # 3. the department signs for it and replies
    handler = open_as(world.cgj_handler)
    _handle(handler, base, work_order.number, "已安排环卫车清运，并将清运频次调整为每日两次。", accept=True)
    shoot(handler, screenshot_dir, "appeals-work-order-replied")

    # 4. the centre visits: satisfied; the work order and the appeal are closed
    _visit(centre, base, work_order.number, "满意")
    assert centre.locator("#wo-status").inner_text() == "已办结"
    timeline = centre.locator("#timeline").inner_text()
    for step in ("派单", "签收", "答复", "回访满意办结"):
        assert step in timeline
    shoot(centre, screenshot_dir, "appeals-work-order-closed")
    work_order.refresh_from_db()
    appeal.refresh_from_db()
    assert work_order.status == WorkOrderStatus.CLOSED
    assert (appeal.status, appeal.satisfaction) == (AppealStatus.CLOSED, "satisfied")


def test_b_unsatisfied_visit_reopens_to_the_same_department_then_closes(
    world: World,
    open_as: Any,
    live_server: Any,
    screenshot_dir: Path,
) -> None:
    base = live_server.url
    appeal = intake(world)
    work_order = appeal_dispatch(actor=world.dispatcher, appeal=appeal, department=world.cgj)
    handler = open_as(world.cgj_handler)
    _handle(handler, base, work_order.number, "已清运。", accept=True)

    # the reporter is not satisfied: reopened to the same department with the reason
    centre = open_as(world.dispatcher)
    _visit(centre, base, work_order.number, "不满意", "垃圾桶当天又满了，希望增加垃圾桶")
    assert "工单退回原部门重办" in centre.locator(".messages").inner_text()
    work_order.refresh_from_db()
    assert (work_order.status, work_order.lead_department) == (WorkOrderStatus.HANDLING, world.cgj)

    handler.goto(f"{base}/workbench/appeals/orders/")
    row = handler.locator(f"tr[data-work-order='{work_order.number}']")
    assert "不满意重办" in row.inner_text()
    row.get_by_role("link", name=work_order.number).click()
    notice = handler.locator("#reopen-notice")
    assert "垃圾桶当天又满了，希望增加垃圾桶" in notice.inner_text()
    shoot(handler, screenshot_dir, "appeals-reopened")
    _handle(handler, base, work_order.number, "已增设两个垃圾桶并每日清运两次。", accept=False)

    # handled again: satisfied this time, closed
    _visit(centre, base, work_order.number, "基本满意")
    assert centre.locator("#wo-status").inner_text() == "已办结"
    work_order.refresh_from_db()
    assert work_order.status == WorkOrderStatus.CLOSED
    assert work_order.satisfaction == "basically_satisfied"
    assert work_order.reopen_count == 1
    assert [v.result for v in work_order.visits.order_by("id")] == ["unsatisfied", "basically_satisfied"]
