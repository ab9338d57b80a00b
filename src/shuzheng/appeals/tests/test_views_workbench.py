"""The appeals workbench through Django's test client: hotline intake (with the htmx assistant), the
dispatch centre (manual dispatch, merging, return and extension reviews, visits, reminders and
supervision) and the department pages (queue, work order, every department action), with permissions,
scopes and bad input (Chinese errors, nothing changed)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from shuzheng.appeals.constants import AppealStatus, ConclusionKind, RequestStatus, WorkOrderStatus
from shuzheng.appeals.models import (
    Appeal,
    AppealAttachment,
    ExtensionRequest,
    KnowledgeArticle,
    ReturnRequest,
    RoutingRule,
    WorkOrder,
    WorkOrderAssist,
)
from shuzheng.appeals.services.dispatch import appeal_dispatch
from shuzheng.appeals.services.knowledge import (
    knowledge_article_create,
    knowledge_article_review,
    knowledge_article_submit,
)
from shuzheng.appeals.services.work_orders import (
    work_order_accept,
    work_order_reply,
    work_order_request_return,
)
from shuzheng.appeals.tests.conftest import World, intake
from shuzheng.identity.models import AuditEvent
from shuzheng.identity.tests.conftest import login_verified

S = WorkOrderStatus


def client_for(user: Any) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def text(response: Any) -> str:
    return response.content.decode()


def png(name: str = "现场.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def published_article(world: World, question: str, answer: str) -> KnowledgeArticle:
    article = knowledge_article_create(
        actor=world.editor, question=question, answer=answer, category=world.consult
    )
    knowledge_article_submit(actor=world.editor, article=article)
    return knowledge_article_review(actor=world.reviewer, article=article, approve=True)


def dispatched(world: World, department: Any = None, **overrides: Any) -> WorkOrder:
    appeal = intake(world, **overrides)
    return appeal_dispatch(actor=world.dispatcher, appeal=appeal, department=department or world.cgj)


def act(client: Client, wo: WorkOrder, action: str, data: dict[str, Any] | None = None) -> Any:
    wo.refresh_from_db()
    payload = {"expected_version": wo.version, **(data or {})}
    return client.post(reverse("appeals:workbench_order_act", args=[wo.pk, action]), payload)


INTAKE = {
    "channel": "hotline",
    "appeal_type": "complaint",
    "urgency": "normal",
    "text": "沙湖镇市场旁边的垃圾桶已经一个星期没人清运，气味很臭",
    "division_code": "440785103201",
    "reporter_name": "陈建明",
    "reporter_phone": "13707500001",
    "submit": "dispatch",
}


# --- navigation and permissions -------------------------------------------------------------------------


def test_nav_shows_each_role_its_appeals_pages(world: World) -> None:
    agent = text(client_for(world.agent).get(reverse("web:workbench")))
    assert "诉求登记" in agent
    assert "部门工单" not in agent
    assert "派单调度" not in agent
    dispatcher = text(client_for(world.dispatcher).get(reverse("web:workbench")))
    assert "派单调度" in dispatcher
    assert "部门工单" not in dispatcher
    handler = text(client_for(world.cgj_handler).get(reverse("web:workbench")))
    assert "部门工单" in handler
    assert "诉求登记" not in handler


@pytest.mark.parametrize(
    ("user", "name"),
    [
        ("cgj_handler", "appeals:workbench_intake"),
        ("agent", "appeals:workbench_dispatch"),
        ("dispatcher", "appeals:workbench_orders"),
    ],
)
def test_pages_refuse_roles_without_the_permission_in_chinese(world: World, user: str, name: str) -> None:
    response = client_for(getattr(world, user)).get(reverse(name))
    assert response.status_code == 403
    assert "您没有" in text(response)
    assert "权限" in text(response)


def test_pages_need_login_and_a_staff_account(world: World) -> None:
    response = Client().get(reverse("appeals:workbench_intake"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    citizen = Client()
    citizen.force_login(world.citizen)
    response = citizen.get(reverse("appeals:workbench_orders"))
    assert response.status_code == 403
    assert "工作台仅供政务工作人员使用" in text(response)


# --- hotline intake ---------------------------------------------------------------------------------------


def test_intake_page_offers_the_code_tree_and_the_city_divisions(world: World) -> None:
    response = client_for(world.agent).get(reverse("appeals:workbench_intake"))
    assert response.status_code == 200
    page = text(response)
    assert "垃圾清运" in page
    assert "沙湖镇第1村" in page
    assert "台山市" not in page  # outside the city
    assert 'hx-get="/workbench/appeals/intake/assist/"' in page


def test_assist_panel_shows_kb_answers_and_similar_past_appeals(world: World) -> None:
    article = published_article(world, "身份证丢了怎么补办", "携带户口簿到户政窗口办理，当场受理。")
    past = intake(world, appeal_type="help", text="身份证丢了，想问补办需要什么材料")
    response = client_for(world.agent).get(
        reverse("appeals:workbench_intake_assist"), {"text": "我的身份证丢了怎么补办"}
    )
    assert response.status_code == 200
    page = text(response)
    assert "身份证丢了怎么补办" in page
    assert f'value="{article.pk}"' in page
    assert past.number in page
    empty = text(client_for(world.agent).get(reverse("appeals:workbench_intake_assist"), {"text": ""}))
    assert "录入诉求内容后" in empty
    assert client_for(world.cgj_handler).get(reverse("appeals:workbench_intake_assist")).status_code == 403


def test_intake_without_rule_or_model_waits_for_manual_dispatch_with_its_photo(world: World) -> None:
    client = client_for(world.agent)
    response = client.post(reverse("appeals:workbench_intake"), {**INTAKE, "photos": [png(), png("2.png")]})
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("appeals:workbench_appeal", args=[appeal.pk])
    assert appeal.status == AppealStatus.PENDING_DISPATCH
    assert appeal.attachments.count() == 2
    page = text(client.get(response["Location"]))
    assert "调度中心人工派单队列" in page
    assert appeal.number in page
    assert "陈*明" in page
    attachment = appeal.attachments.first()
    assert attachment is not None
    download = client.get(reverse("appeals:workbench_appeal_file", args=[appeal.pk, attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"


def test_intake_hitting_a_rule_becomes_a_work_order_at_once(world: World) -> None:
    RoutingRule.objects.create(position=1, name="垃圾", lead_department=world.cgj, keywords="垃圾")
    response = client_for(world.agent).post(reverse("appeals:workbench_intake"), INTAKE, follow=True)
    appeal = Appeal.objects.get()
    assert appeal.status == AppealStatus.DISPATCHED
    assert appeal.work_order is not None
    assert appeal.work_order.lead_department == world.cgj
    assert "规则派单至“城管执法局”" in text(response)


def test_inquiry_answered_from_the_kb_is_concluded_directly(world: World) -> None:
    article = published_article(world, "身份证丢了怎么补办", "携带户口簿到户政窗口办理，当场受理。")
    data = {
        **INTAKE,
        "appeal_type": "consult",
        "text": "身份证丢了怎么补办",
        "knowledge_article_id": str(article.pk),
        "submit": "conclude",
    }
    response = client_for(world.agent).post(reverse("appeals:workbench_intake"), data, follow=True)
    appeal = Appeal.objects.get()
    assert appeal.status == AppealStatus.CONCLUDED
    assert appeal.conclusion == ConclusionKind.KNOWLEDGE_BASE
    assert appeal.work_order_id is None
    assert "已直接答复办结" in text(response)
    assert "携带户口簿" in text(response)


def test_direct_answer_typed_by_the_agent(world: World) -> None:
    data = {**INTAKE, "appeal_type": "consult", "direct_answer": "周一至周五上午办理。", "submit": "conclude"}
    client_for(world.agent).post(reverse("appeals:workbench_intake"), data)
    appeal = Appeal.objects.get()
    assert (appeal.status, appeal.conclusion) == (AppealStatus.CONCLUDED, ConclusionKind.DIRECT_ANSWER)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": ""}, "诉求内容不能为空"),
        ({"text": "很" * 20_000}, "诉求内容不能超过"),
        ({"division_code": "440781"}, "“台山市”不在本市范围内"),
        ({"division_code": ""}, "请选择诉求所在的行政区划"),
        ({"category_code": "NOPE"}, "诉求分类“NOPE”不存在或已停用"),
        ({"reporter_phone": "12345"}, "手机号"),
        ({"is_enterprise": "on", "enterprise_uscc": "123"}, "统一社会信用代码"),
        ({"latitude": "abc", "longitude": "112.3"}, "纬度应为数字"),
        ({"submit": "conclude", "appeal_type": "consult"}, "直接答复办结须选用一条知识库答案或填写答复内容"),
        ({"submit": "conclude", "direct_answer": "已答复"}, "投诉、举报类诉求须派单办理"),
        ({"knowledge_article_id": "999", "submit": "conclude", "appeal_type": "consult"}, "知识库条目"),
    ],
)
def test_bad_intake_shows_chinese_errors_and_files_nothing(
    world: World, changes: dict[str, str], message: str
) -> None:
    audit = AuditEvent.objects.count()
    response = client_for(world.agent).post(reverse("appeals:workbench_intake"), {**INTAKE, **changes})
    assert response.status_code == 422
    assert message in text(response)
    assert Appeal.objects.count() == 0
    assert AuditEvent.objects.count() == audit


def test_a_file_that_is_not_a_photo_leaves_no_appeal(world: World) -> None:
    fake = SimpleUploadedFile("a.png", b"%PDF-1.4 not a photo", content_type="image/png")
    response = client_for(world.agent).post(reverse("appeals:workbench_intake"), {**INTAKE, "photos": [fake]})
    assert response.status_code == 422
    assert "只接受 JPEG、PNG、WebP 或 GIF" in text(response)
    assert Appeal.objects.count() == 0
    assert AppealAttachment.objects.count() == 0


# --- dispatch centre --------------------------------------------------------------------------------------


def test_dispatch_queue_lists_pending_appeals_and_dispatches_a_suggestion(world: World) -> None:
    appeal = intake(world)
    Appeal.objects.filter(pk=appeal.pk).update(
        dispatch_suggestions=[
            {"department_id": world.cgj.pk, "department": "城管执法局", "probability": 0.55},
            {"department_id": world.rsj.pk, "department": "人社局", "probability": 0.2},
        ]
    )
    client = client_for(world.dispatcher)
    page = text(client.get(reverse("appeals:workbench_dispatch")))
    assert appeal.number in page
    assert "城管执法局 55%…" in page
    assert "人社局 20%" in page
    queue = reverse("appeals:workbench_dispatch") + "?tab=dispatch"
    response = client.post(
        reverse("appeals:workbench_appeal_dispatch", args=[appeal.pk]),
        {
            "dispatch-department": world.cgj.pk,
            "dispatch-expected_version": appeal.version,
            "dispatch-confirmed": "1",
            "next": queue,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == queue
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.DISPATCHED
    assert appeal.department == world.cgj
    page = text(client.get(queue))
    assert "已派至“城管执法局”" in page
    assert f'data-appeal="{appeal.number}"' not in page


def test_dispatch_to_a_lead_and_assisting_departments_with_a_corrected_category(world: World) -> None:
    appeal = intake(world)
    response = client_for(world.dispatcher).post(
        reverse("appeals:workbench_appeal_dispatch", args=[appeal.pk]),
        {
            "dispatch-department": world.cgj.pk,
            "dispatch-assists": [world.rsj.pk, world.town_gov.pk],
            "dispatch-category_code": world.garbage.code,
            "dispatch-confirmed": "1",
        },
    )
    assert response.status_code == 302
    wo = WorkOrder.objects.get()
    assert wo.category == world.garbage
    assert set(wo.assists.values_list("department", flat=True)) == {world.rsj.pk, world.town_gov.pk}


def test_bad_dispatch_changes_nothing(world: World) -> None:
    appeal = intake(world)
    client = client_for(world.dispatcher)
    url = reverse("appeals:workbench_appeal_dispatch", args=[appeal.pk])
    response = client.post(url, {"dispatch-department": "999999", "dispatch-confirmed": "1"})
    assert response.status_code == 422
    assert "请从列表中选择" in text(response)
    response = client.post(
        url, {"dispatch-department": world.cgj.pk, "dispatch-expected_version": 99, "dispatch-confirmed": "1"}
    )
    assert response.status_code == 409
    assert "已被他人处理" in text(response)
    assert WorkOrder.objects.count() == 0
    # a department may not dispatch at all
    response = client_for(world.cgj_handler).post(url, {"dispatch-department": world.cgj.pk})
    assert response.status_code == 403
    assert WorkOrder.objects.count() == 0


def test_merge_proposal_accepted_from_the_queue(world: World) -> None:
    first = intake(world, category_code=world.garbage.code)
    second = intake(world, category_code=world.garbage.code, text=first.text + "，请尽快处理")
    second.refresh_from_db()
    assert [m["appeal_id"] for m in second.merge_suggestions] == [first.pk]
    client = client_for(world.dispatcher)
    assert f"并入 {first.number}" in text(client.get(reverse("appeals:workbench_dispatch")))
    response = client.post(reverse("appeals:workbench_appeal_merge", args=[second.pk]), {"into": first.pk})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.merged_into == first
    response = client.post(reverse("appeals:workbench_appeal_merge", args=[first.pk]), {"into": first.pk})
    assert response.status_code == 422
    assert "不能与自身并单" in text(response)


def test_department_queue_shows_only_its_work_orders_with_deadline_colours(world: World) -> None:
    mine = dispatched(world, world.cgj)
    late = dispatched(world, world.cgj, text="路灯不亮已经十天")
    WorkOrder.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    other = dispatched(world, world.rsj, text="公司拖欠工资三个月")
    page = text(client_for(world.cgj_handler).get(reverse("appeals:workbench_orders")))
    assert mine.number in page
    assert late.number in page
    assert other.number not in page
    assert f'class="row-overdue" data-work-order="{late.number}"' in page
    assert '<span class="tag sla-overdue">已超时' in page  # a CSS marker, no emoji (empty boxes)
    assert "⚠" not in page
    assert "⏰" not in page
    overdue_only = text(
        client_for(world.cgj_handler).get(reverse("appeals:workbench_orders"), {"sla": "overdue"})
    )
    assert late.number in overdue_only
    assert mine.number not in overdue_only


def test_another_departments_work_order_is_a_chinese_404_and_stays_unchanged(world: World) -> None:
    wo = dispatched(world, world.cgj)
    version, audit = wo.version, AuditEvent.objects.count()
    client = client_for(world.rsj_handler)
    response = client.get(reverse("appeals:workbench_order", args=[wo.pk]))
    assert response.status_code == 404
    assert "工单不存在或不在您的数据范围内" in text(response)
    for action, data in (("accept", {}), ("reply", {"reply-reply_text": "已处理"})):
        response = act(client, wo, action, data)
        assert response.status_code == 404
        assert "工单不存在或不在您的数据范围内" in text(response)
    wo.refresh_from_db()
    assert (wo.status, wo.version) == (S.DISPATCHED, version)
    assert AuditEvent.objects.count() == audit


def test_accept_reply_with_photo_then_visit_closes(world: World) -> None:
    wo = dispatched(world, world.cgj)
    handler = client_for(world.cgj_handler)
    page = text(handler.get(reverse("appeals:workbench_order", args=[wo.pk])))
    assert "确认签收" in page
    assert "确认申请退单" in page
    assert "确认回访" not in page
    assert act(handler, wo, "accept").status_code == 302
    wo.refresh_from_db()
    assert wo.status == S.HANDLING
    wo_version = wo.version
    response = handler.post(
        reverse("appeals:workbench_order_act", args=[wo.pk, "reply"]),
        {
            "expected_version": wo_version,
            "reply-reply_text": "已安排清运，并增加清运频次。",
            "reply-attachments": [png()],
        },
    )
    assert response.status_code == 302
    wo.refresh_from_db()
    assert wo.status == S.REPLIED
    assert AppealAttachment.objects.filter(kind="reply", work_order=wo).count() == 1
    centre = client_for(world.dispatcher)
    visits = text(centre.get(reverse("appeals:workbench_dispatch"), {"tab": "visits"}))
    assert wo.number in visits
    assert act(centre, wo, "visit", {"visit-result": "satisfied"}).status_code == 302
    wo.refresh_from_db()
    assert wo.status == S.CLOSED
    assert wo.satisfaction == "satisfied"
    assert Appeal.objects.get(pk=wo.appeal_id).status == AppealStatus.CLOSED
    page = text(centre.get(reverse("appeals:workbench_order", args=[wo.pk])))
    for label in ("派单", "签收", "答复", "回访满意办结"):
        assert f'<span class="timeline-title">{label}</span>' in page


def test_reply_without_text_or_with_a_bad_file_changes_nothing(world: World) -> None:
    wo = dispatched(world, world.cgj)
    handler = client_for(world.cgj_handler)
    act(handler, wo, "accept")
    response = act(handler, wo, "reply", {"reply-reply_text": "  "})
    assert response.status_code == 422
    assert "答复内容不能为空" in text(response)
    fake = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    response = act(handler, wo, "reply", {"reply-reply_text": "已处理", "reply-attachments": [fake]})
    assert response.status_code == 422
    assert "只接受" in text(response)
    wo.refresh_from_db()
    assert wo.status == S.HANDLING
    assert wo.reply_text == ""
    assert AppealAttachment.objects.count() == 0


def test_stale_version_is_a_conflict_notice(world: World) -> None:
    wo = dispatched(world, world.cgj)
    response = client_for(world.cgj_handler).post(
        reverse("appeals:workbench_order_act", args=[wo.pk, "accept"]), {"expected_version": 7}
    )
    assert response.status_code == 409
    assert "已被他人处理" in text(response)
    wo.refresh_from_db()
    assert wo.status == S.DISPATCHED


def test_return_needs_a_reason_then_the_centre_reassigns(world: World) -> None:
    wo = dispatched(world, world.rsj)
    handler = client_for(world.rsj_handler)
    response = act(handler, wo, "request_return", {"request_return-reason": ""})
    assert response.status_code == 422
    assert "退单须填写理由" in text(response)
    wo.refresh_from_db()
    assert wo.status == S.DISPATCHED
    assert wo.return_count == 0
    act(
        handler,
        wo,
        "request_return",
        {"request_return-reason": "不属本部门职责", "request_return-suggested_department": world.cgj.pk},
    )
    request = ReturnRequest.objects.get()
    centre = client_for(world.dispatcher)
    page = text(centre.get(reverse("appeals:workbench_dispatch"), {"tab": "returns"}))
    assert "不属本部门职责" in page
    assert wo.number in page
    url = reverse("appeals:workbench_return_review", args=[request.pk])
    response = centre.post(url, {"decision": "approve"})
    assert response.status_code == 422
    assert "同意退单须指定改派部门" in text(response)
    response = centre.post(url, {"decision": "approve", "department": world.rsj.pk})
    assert response.status_code == 422
    assert "改派部门不能是退单部门" in text(response)
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    response = centre.post(url, {"decision": "approve", "department": world.cgj.pk, "note": "改派城管"})
    assert response.status_code == 302
    wo.refresh_from_db()
    assert wo.lead_department == world.cgj
    assert wo.status == S.DISPATCHED
    assert wo.reassign_count == 1
    assert wo.number in text(client_for(world.cgj_handler).get(reverse("appeals:workbench_orders")))
    # a department may not review
    assert client_for(world.rsj_handler).post(url, {"decision": "reject"}).status_code == 403


def test_reject_return_needs_a_note(world: World) -> None:
    wo = dispatched(world, world.rsj)
    work_order_request_return(actor=world.rsj_handler, work_order=wo.pk, reason="不归我们管")
    request = ReturnRequest.objects.get()
    centre = client_for(world.dispatcher)
    url = reverse("appeals:workbench_return_review", args=[request.pk])
    assert centre.post(url, {"decision": "reject"}).status_code == 422
    assert centre.post(url, {"decision": "reject", "note": "属于人社职责"}).status_code == 302
    wo.refresh_from_db()
    assert wo.status == S.DISPATCHED
    assert wo.lead_department == world.rsj


def test_forward_only_to_a_subordinate_unit(world: World) -> None:
    wo = dispatched(world, world.cgj)
    handler = client_for(world.cgj_handler)
    response = act(handler, wo, "forward", {"forward-department": world.rsj.pk})
    assert response.status_code == 422
    wo.refresh_from_db()
    assert wo.lead_department == world.cgj
    assert act(handler, wo, "forward", {"forward-department": world.cgj_unit.pk}).status_code == 302
    wo.refresh_from_db()
    assert wo.lead_department == world.cgj_unit
    unit_page = text(client_for(world.cgj_unit_handler).get(reverse("appeals:workbench_orders")))
    assert wo.number in unit_page


def test_extension_requested_by_the_department_and_approved_by_the_centre(world: World) -> None:
    wo = dispatched(world, world.cgj)
    handler = client_for(world.cgj_handler)
    act(handler, wo, "accept")
    response = act(
        handler,
        wo,
        "request_extension",
        {"request_extension-working_days": "0", "request_extension-reason": "x"},
    )
    assert response.status_code == 422
    assert "延期天数应为1至30个工作日" in text(response)
    assert ExtensionRequest.objects.count() == 0
    act(
        handler,
        wo,
        "request_extension",
        {"request_extension-working_days": "3", "request_extension-reason": "需协调施工队"},
    )
    request = ExtensionRequest.objects.get()
    centre = client_for(world.dispatcher)
    assert "需协调施工队" in text(centre.get(reverse("appeals:workbench_dispatch"), {"tab": "extensions"}))
    old_due = WorkOrder.objects.get(pk=wo.pk).due_at
    url = reverse("appeals:workbench_extension_review", args=[request.pk])
    assert centre.post(url, {"decision": "maybe"}).status_code == 422
    assert centre.post(url, {"decision": "approve"}).status_code == 302
    wo.refresh_from_db()
    assert old_due is not None
    assert wo.due_at is not None
    assert wo.due_at > old_due
    assert centre.post(url, {"decision": "approve"}).status_code == 409


def test_assisting_department_gives_its_feedback(world: World) -> None:
    appeal = intake(world)
    wo = appeal_dispatch(
        actor=world.dispatcher, appeal=appeal, department=world.cgj, assist_departments=[world.rsj]
    )
    assist = WorkOrderAssist.objects.get()
    client = client_for(world.rsj_handler)
    page = text(client.get(reverse("appeals:workbench_orders")))
    assert wo.number in page  # in the 协办任务 list
    page = text(client.get(reverse("appeals:workbench_order", args=[wo.pk])))
    assert "签收协办" in page
    assert "确认签收" not in page
    base = "appeals:workbench_assist_act"
    assert client.post(reverse(base, args=[wo.pk, assist.pk, "accept"])).status_code == 302
    response = client.post(reverse(base, args=[wo.pk, assist.pk, "reply"]), {"assist-reply_text": ""})
    assert response.status_code == 422
    assert "协办意见不能为空" in text(response)
    assert (
        client.post(
            reverse(base, args=[wo.pk, assist.pk, "reply"]), {"assist-reply_text": "已核查企业用工"}
        ).status_code
        == 302
    )
    assist.refresh_from_db()
    assert assist.status == "replied"
    assert assist.reply_text == "已核查企业用工"
    # another department's handler cannot touch the assist task
    other = client_for(world.cgj_unit_handler)
    assert other.post(reverse(base, args=[wo.pk, assist.pk, "accept"])).status_code == 404


def _replied(world: World, **overrides: Any) -> WorkOrder:
    wo = dispatched(world, world.cgj, **overrides)
    work_order_accept(actor=world.cgj_handler, work_order=wo.pk)
    return work_order_reply(actor=world.cgj_handler, work_order=wo.pk, reply_text="已清运")


def test_unsatisfied_visit_reopens_to_the_same_department_visibly(world: World) -> None:
    wo = _replied(world)
    centre = client_for(world.dispatcher)
    response = act(centre, wo, "visit", {"visit-result": "unsatisfied"})
    assert response.status_code == 422
    assert "不满意须记录诉求人的理由" in text(response)
    wo.refresh_from_db()
    assert wo.status == S.REPLIED
    response = act(centre, wo, "visit", {"visit-result": ""})
    assert response.status_code == 422
    assert "请选择回访结果" in text(response)
    act(centre, wo, "visit", {"visit-result": "unsatisfied", "visit-note": "垃圾桶还是满的"})
    wo.refresh_from_db()
    assert wo.status == S.HANDLING
    assert wo.lead_department == world.cgj
    assert wo.reopen_count == 1
    handler = client_for(world.cgj_handler)
    queue = text(handler.get(reverse("appeals:workbench_orders")))
    assert "不满意重办" in queue
    page = text(handler.get(reverse("appeals:workbench_order", args=[wo.pk])))
    assert "垃圾桶还是满的" in page
    assert 'id="reopen-notice"' in page
    assert "确认答复诉求人" in page


def test_failed_visit_needs_a_reason_and_closes(world: World) -> None:
    wo = _replied(world)
    centre = client_for(world.dispatcher)
    assert act(centre, wo, "visit", {"visit-result": "failed"}).status_code == 422
    assert (
        act(centre, wo, "visit", {"visit-result": "failed", "visit-note": "三次致电无人接听"}).status_code
        == 302
    )
    wo.refresh_from_db()
    assert wo.status == S.CLOSED


def test_close_without_visit_only_for_types_that_need_none(world: World) -> None:
    complaint = _replied(world)
    centre = client_for(world.dispatcher)
    page = text(centre.get(reverse("appeals:workbench_order", args=[complaint.pk])))
    assert "确认办结（免回访）" not in page
    response = act(centre, complaint, "close")
    assert response.status_code == 422
    assert "投诉、举报类工单须答复并回访" in text(response)
    complaint.refresh_from_db()
    assert complaint.status == S.REPLIED
    consult = _replied(world, appeal_type="help", text="想了解垃圾分类投放时间")
    assert "确认办结（免回访）" in text(centre.get(reverse("appeals:workbench_order", args=[consult.pk])))
    assert act(centre, consult, "close").status_code == 302
    consult.refresh_from_db()
    assert consult.status == S.CLOSED


def test_remind_and_supervise_from_the_centre(world: World) -> None:
    wo = dispatched(world, world.cgj)
    work_order_accept(actor=world.cgj_handler, work_order=wo.pk)
    centre = client_for(world.dispatcher)
    monitor = text(centre.get(reverse("appeals:workbench_dispatch"), {"tab": "monitor"}))
    assert wo.number in monitor
    assert act(centre, wo, "remind", {"remind-note": "请加快"}).status_code == 302
    response = act(centre, wo, "supervise", {"supervise-note": ""})
    assert response.status_code == 422
    assert "督办须填写督办意见" in text(response)
    assert act(centre, wo, "supervise", {"supervise-note": "限三日内办结"}).status_code == 302
    wo.refresh_from_db()
    assert (wo.remind_count, wo.supervise_count, wo.is_supervised, wo.status) == (1, 1, True, S.SUPERVISED)
    # departments cannot remind or supervise
    response = act(client_for(world.cgj_handler), wo, "remind")
    assert response.status_code == 403
    assert "您没有催办的权限" in text(response)
    wo.refresh_from_db()
    assert wo.remind_count == 1


def test_unknown_action_is_a_404(world: World) -> None:
    wo = dispatched(world, world.cgj)
    assert act(client_for(world.cgj_handler), wo, "explode").status_code == 404


def _queries(client: Client, url: str, params: dict[str, str] | None = None) -> int:
    client.get(url, params or {})  # warm-up: the first request of a session loads its caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured.captured_queries)


def test_queue_pages_do_not_query_per_row(world: World) -> None:
    """One row or four: the same number of queries (related rows are joined, pickers built once)."""
    handler, centre = client_for(world.cgj_handler), client_for(world.dispatcher)
    orders, dispatch = reverse("appeals:workbench_orders"), reverse("appeals:workbench_dispatch")
    first = dispatched(world, world.cgj)
    work_order_request_return(actor=world.cgj_handler, work_order=first.pk, reason="不属本部门")
    intake(world, text="第一件待派单的诉求")
    counts = [
        _queries(handler, orders),
        _queries(centre, dispatch),
        _queries(centre, dispatch, {"tab": "returns"}),
        _queries(centre, dispatch, {"tab": "monitor"}),
    ]
    for n in range(3):
        wo = dispatched(world, world.cgj, text=f"第{n}处路灯不亮")
        work_order_request_return(actor=world.cgj_handler, work_order=wo.pk, reason="不属本部门")
        intake(world, text=f"第{n}件待派单的诉求，道路坑洼")
    assert [
        _queries(handler, orders),
        _queries(centre, dispatch),
        _queries(centre, dispatch, {"tab": "returns"}),
        _queries(centre, dispatch, {"tab": "monitor"}),
    ] == counts
