"""One application walked from submission to evaluation in Chromium, one test per role:

(a) a citizen applies online (schema form, a PDF made in the test); (b) a window clerk files for another
citizen at the window (一窗受理) and prints the slip; (c) acceptor, reviewer and approver take the case
through acceptance, review and decision, the clerk delivers electronically and concludes; (d) the citizen
downloads the result and evaluates online.

The browser is shared by the module (web's fixtures); each role gets its own context, logged in by a
session cookie. Screenshots of the queue and the case pages land in the pytest temporary directory
(or $SHUZHENG_SCREENSHOT_DIR).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.models import Case
from shuzheng.cases.services.common import MaterialData
from shuzheng.cases.tests.conftest import World, citizen_id, new_key, pdf_bytes, upload
from shuzheng.catalog.models import ServiceItemVersion
from shuzheng.catalog.tests.factories import (
    SIMPLE_FORM,
    MaterialRequirementFactory,
    ServiceItemVersionFactory,
    WorkflowStepFactory,
)
from shuzheng.core.actors import SYSTEM
from shuzheng.identity.services import accounts as account_services
from shuzheng.identity.tests.conftest import grant
from shuzheng.web.tests.browser import BROWSER_TESTS, shoot

pytestmark = BROWSER_TESTS


@dataclass
class Scene:
    world: World
    version: ServiceItemVersion


@pytest.fixture
def scene(world: World) -> Scene:
    """A demo-like item with a simple schema, one required material and the two review steps; the window
    clerk (the acceptor) also delivers and concludes."""
    version = ServiceItemVersionFactory.create(
        item__department=world.org.bureau,
        name="门前三包责任书备案（测试）",
        high_frequency=True,
        form_schema=dict(SIMPLE_FORM),
    )
    MaterialRequirementFactory.create(version=version, code="B001", name="责任书签署页", position=1)
    WorkflowStepFactory.create(version=version, position=1, name="审查", role_code="case_reviewer")
    WorkflowStepFactory.create(version=version, position=2, name="审批", role_code="case_approver")
    grant(world.acceptor, ["cases.view_case", "cases.deliver_case"], code="case_deliverer")
    return Scene(world, version)


def _pdf_file(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    target.write_bytes(pdf_bytes())
    return target


def test_a_citizen_applies_online(
    scene: Scene,
    open_as: Any,
    live_server: Any,
    tmp_path: Path,
    screenshot_dir: Path,
) -> None:
    page = open_as(scene.world.citizen)
    page.goto(f"{live_server.url}/cases/apply/{scene.version.code}/")
    assert page.locator("h1").inner_text() == "网上申请：门前三包责任书备案（测试）"
    page.get_by_label("申请事由").fill("开设便利店，签署门前三包责任书")
    page.get_by_label("份数").fill("11")
    page.get_by_label("上传文件").set_input_files(str(_pdf_file(tmp_path, "签署页.pdf")))
    page.get_by_role("button", name="提交申请").click()
    # the schema's message, linked from the summary; the PDF is kept
    summary = page.locator("#error-summary")
    assert "份数：不能大于10" in summary.inner_text()
    assert "已上传：签署页.pdf" in page.locator("#mat-B001").inner_text()
    assert Case.objects.count() == 0
    page.get_by_label("份数").fill("2")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/cases/\d+/submitted/$"))
    case = Case.objects.get()
    assert case.number in page.locator(".case-number").inner_text()
    shoot(page, screenshot_dir, "cases-portal-submitted")
    page.get_by_role("link", name="我的办件").first.click()
    page.wait_for_url(re.compile(r"/cases/mine/$"))
    assert case.number in page.locator("table").inner_text()
    assert case.materials.get().pages == 1


def test_b_window_clerk_intakes_for_another_citizen(
    scene: Scene,
    open_as: Any,
    live_server: Any,
    screenshot_dir: Path,
) -> None:
    neighbour_id = citizen_id()
    account_services.citizen_create(
        actor=SYSTEM, username="lisi", full_name="李四", id_number=neighbour_id, mobile="13707500002"
    )
    page = open_as(scene.world.acceptor)
    page.goto(f"{live_server.url}/workbench/cases/intake/")
    page.locator("tr", has_text="门前三包责任书备案（测试）").get_by_role(
        "link", name=re.compile("^选择")
    ).click()
    page.wait_for_url(re.compile(r"\?item="))
    page.get_by_label("申请人姓名或单位名称").fill("李四")
    page.get_by_label("身份证号码").fill(neighbour_id)
    page.get_by_label("联系电话").fill("13707500002")
    page.get_by_label("身份证号码").press("Tab")  # htmx checks the number on change
    page.wait_for_selector("#lookup-result .notice")
    assert "已找到实名账号：李*" in page.locator("#lookup-result").inner_text()
    page.get_by_label("申请事由").fill("窗口代办备案")
    page.get_by_label("份数").fill("1")
    page.locator("input[name='mat-B001-way'][value='paper']").check()
    shoot(page, screenshot_dir, "cases-workbench-intake-form")
    page.get_by_role("button", name="确认收件").click()
    page.wait_for_url(re.compile(r"/workbench/cases/\d+/\?received=1$"))
    case = Case.objects.get()
    assert case.channel == "window"
    assert case.applicant is not None
    assert case.applicant.username == "lisi"
    assert case.number in page.locator("h1").inner_text()
    href = page.get_by_role("link", name="打印收件回执（PDF）").first.get_attribute("href")
    slip = page.request.get(f"{live_server.url}{href}")
    assert slip.ok
    assert slip.headers["content-type"] == "application/pdf"
    assert slip.body().startswith(b"%PDF")
    shoot(page, screenshot_dir, "cases-workbench-intake-received")


def _act(page: Any, summary: str, button: str, fill: dict[str, str] | None = None) -> None:
    """Open the action's panel, fill it, confirm; htmx swaps the page in place (no reload)."""
    page.locator("summary", has_text=re.compile(f"^{summary}$")).click()
    details = page.locator("details[open]")
    for label, value in (fill or {}).items():
        details.get_by_label(label).fill(value)
    details.get_by_role("button", name=button).click()
    page.locator(".messages", has_text=f"已{summary}。").wait_for()


def test_c_staff_take_the_case_from_acceptance_to_conclusion(
    scene: Scene,
    open_as: Any,
    live_server: Any,
    tmp_path: Path,
    screenshot_dir: Path,
) -> None:
    world = scene.world
    case = world.submit(
        item_code=scene.version.code,
        materials=[MaterialData(code="B001", upload_id=upload(world.citizen).pk)],
    )
    late = world.submit()  # a second case, of the fixture's item, already overdue
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=2))
    clerk = open_as(world.acceptor)
    clerk.goto(f"{live_server.url}/workbench/cases/")
    row = clerk.locator("tr", has_text=case.number)
    assert "正常" in row.inner_text()
    assert "张*" in row.inner_text()
    clerk.get_by_label("时限状态").select_option("overdue")  # htmx refreshes the list
    clerk.wait_for_url(re.compile(r"state=overdue"))
    filtered = clerk.locator("#queue-results").inner_text()
    assert late.number in filtered
    assert case.number not in filtered
    assert "已超期" in filtered
    clerk.goto(f"{live_server.url}/workbench/cases/")
    shoot(clerk, screenshot_dir, "cases-workbench-queue")
    clerk.get_by_role("link", name=case.number).click()
    clerk.wait_for_url(re.compile(rf"/workbench/cases/{case.pk}/$"))
    stale = open_as(world.acceptor)  # the same case open in a second window
    stale.goto(clerk.url)
    clerk.evaluate("window.szNoReload = true")
    _act(clerk, "受理", "确认受理", {"说明（可选）": "材料齐全"})
    assert "已受理" in clerk.locator(".title-row").inner_text()
    assert clerk.evaluate("window.szNoReload") is True  # swapped by htmx, not reloaded
    stale.locator("summary", has_text=re.compile("^不予受理$")).click()
    stale.locator("details[open]").get_by_label("理由").fill("材料不全")
    stale.get_by_role("button", name="确认不予受理").click()
    stale.locator("#action-error").wait_for()
    assert "办件已被他人更新，请刷新后重试" in stale.locator("#action-error").inner_text()
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED

    reviewer = open_as(world.reviewer)
    reviewer.goto(f"{live_server.url}/workbench/cases/{case.pk}/")
    _act(reviewer, "开始审查", "确认开始审查")
    _act(reviewer, "完成环节", "确认完成环节", {"说明（可选）": "符合条件，同意"})

    approver = open_as(world.approver)
    approver.goto(f"{live_server.url}/workbench/cases/{case.pk}/")
    approver.locator("summary", has_text=re.compile("^不予许可$")).click()
    shoot(approver, screenshot_dir, "cases-workbench-case-actions")
    approver.locator("summary", has_text=re.compile("^不予许可$")).click()  # closed again
    _act(approver, "准予许可", "确认准予许可", {"理由": "符合法定条件", "法律依据": "《测试条例》第三条"})

    clerk.reload()
    clerk.locator("summary", has_text="送达").click()
    details = clerk.locator("details[open]")
    details.get_by_label("送达方式").select_option("electronic")
    details.get_by_label("办理结果文件（电子送达时上传，可选）").set_input_files(
        str(_pdf_file(tmp_path, "备案回执.pdf"))
    )
    details.get_by_role("button", name="确认送达").click()
    clerk.locator(".messages", has_text="已送达。").wait_for()
    _act(clerk, "办结", "确认办结")
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED
    assert case.result_file
    timeline = clerk.locator(".timeline").inner_text()
    for step in ("提交申请", "受理（已受理）", "完成环节", "准予许可", "送达", "办结（已办结）"):
        assert step in timeline
    shoot(clerk, screenshot_dir, "cases-workbench-case")


def test_d_citizen_downloads_the_result_and_evaluates(
    scene: Scene,
    open_as: Any,
    live_server: Any,
    screenshot_dir: Path,
) -> None:
    world = scene.world
    case = world.submit(
        item_code=scene.version.code,
        materials=[MaterialData(code="B001", upload_id=upload(world.citizen).pk)],
        idempotency_key=new_key(),
    )
    for action in ("accept", "start_review", "complete_step", "approve"):
        case = world.move(case, action)
    result = upload(world.acceptor)
    case = world.move(case, "deliver", world.acceptor, method="electronic", result_upload_id=result.pk)
    case = world.move(case, "conclude", world.acceptor)

    page = open_as(world.citizen)
    page.goto(f"{live_server.url}/cases/mine/")
    page.get_by_role("link", name=case.number).click()
    assert "已办结" in page.locator(".title-row").inner_text()
    shoot(page, screenshot_dir, "cases-portal-case")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载办理结果").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    page.get_by_role("link", name="评价本次办事").click()
    page.wait_for_url(re.compile(rf"/evaluation/case/{case.pk}/$"))
    page.locator("input[name=overall]").first.check()
    page.get_by_label("评价内容（可选）").fill("办事很快，网上就办好了。")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_url(re.compile(r"/evaluation/thanks/$"))
    assert page.locator("h1").inner_text() == "感谢您的评价"
    assert "非常满意" in page.locator("main").inner_text()
