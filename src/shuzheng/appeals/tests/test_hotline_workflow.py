"""Issue 9, hotline and dispatch workflow: the operators' appeals list, caller history on the intake form,
deadlines in working days, the dispatch confirmation with a searchable department picker, and a grid
worker's escalation moving the event through the appeal transition table."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuzheng.appeals import sla
from shuzheng.appeals.constants import AppealStatus
from shuzheng.appeals.models import Appeal, AppealEvent, WorkOrder
from shuzheng.appeals.tests.conftest import World, intake
from shuzheng.appeals.tests.test_views_grid import report_data
from shuzheng.appeals.tests.test_views_portal import client_for
from shuzheng.core import calendar

pytestmark = pytest.mark.django_db

LIST = "/workbench/appeals/"


def _text(response: Any) -> str:
    return response.content.decode()


def _numbers(response: Any) -> list[str]:
    return re.findall(r'data-appeal="([^"]+)"', _text(response))


# --- 诉求列表 ---------------------------------------------------------------------------------------------


def test_the_appeals_list_exists_and_is_linked(world: World) -> None:
    appeal = intake(world)
    client = client_for(world.agent)
    response = client.get(LIST)
    assert response.status_code == 200
    assert appeal.number in _numbers(response)
    assert f'href="{LIST}"' in _text(client.get(reverse("appeals:workbench_intake")))
    assert f'href="{LIST}"' in _text(client.get("/workbench/"))  # the workbench menu
    assert f'href="{LIST}"' in _text(client_for(world.dispatcher).get(reverse("appeals:workbench_dispatch")))
    assert client_for(world.citizen).get(LIST).status_code == 403
    assert Client().get(LIST).status_code == 302


def test_search_by_number_phone_text_and_status(world: World) -> None:
    garbage = intake(world, text="市场垃圾没人清运", reporter_phone="13707500011")
    lights = intake(world, text="路灯坏了一个月", reporter_phone="13707500022")
    answered = intake(world, appeal_type="consult", text="社保怎么转移", direct_answer="可网上办理")
    client = client_for(world.agent)
    assert _numbers(client.get(LIST, {"q": garbage.number})) == [garbage.number]
    assert _numbers(client.get(LIST, {"q": garbage.number.lower()})) == [garbage.number]
    assert _numbers(client.get(LIST, {"q": "路灯"})) == [lights.number]
    assert _numbers(client.get(LIST, {"phone": "137 0750 0011"})) == [garbage.number]
    assert _numbers(client.get(LIST, {"status": "concluded"})) == [answered.number]
    assert _numbers(client.get(LIST, {"q": "垃圾", "status": "concluded"})) == []
    bad = client.get(LIST, {"phone": "1370750"})
    assert bad.status_code == 422
    assert "完整的11位手机号码" in _text(bad)


def test_the_list_is_keyset_paginated(world: World) -> None:
    made = [intake(world, text=f"第{i}号路灯不亮", reporter_phone="") for i in range(33)]
    client = client_for(world.agent)
    first = client.get(LIST)
    assert len(_numbers(first)) == 30
    cursor = re.search(r"cursor=([^\"&]+)", _text(first))
    assert cursor is not None
    second = client.get(LIST + "?cursor=" + cursor.group(1))
    assert second.status_code == 200
    assert set(_numbers(first)) | set(_numbers(second)) == {a.number for a in made}
    assert len(_numbers(second)) == 3


def test_the_list_is_scoped_by_role(world: World) -> None:
    mine = intake(world, text="城管的事")
    other = intake(world, text="人社的事")
    from shuzheng.appeals.services.dispatch import appeal_dispatch

    appeal_dispatch(actor=world.dispatcher, appeal=mine, department=world.cgj)
    appeal_dispatch(actor=world.dispatcher, appeal=other, department=world.rsj)
    assert _numbers(client_for(world.cgj_handler).get(LIST)) == [mine.number]
    assert _numbers(client_for(world.rsj_handler).get(LIST)) == [other.number]
    assert _numbers(client_for(world.grid_worker).get(LIST)) == []  # a grid worker sees their own only


# --- caller history -----------------------------------------------------------------------------------------


def test_caller_history_on_the_intake_form(world: World) -> None:
    earlier = intake(world, text="上次反映的噪音问题", reporter_phone="13707500033")
    client = client_for(world.agent)
    page = _text(client.get(reverse("appeals:workbench_intake")))
    history_url = reverse("appeals:workbench_intake_history")
    assert f'hx-get="{history_url}"' in page
    assert 'hx-target="#caller-history"' in page
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None  # no inline scripts (CSP)
    panel = _text(client.get(history_url, {"reporter_phone": "13707500033"}))
    assert earlier.number in panel
    assert "上次反映的噪音问题" in panel
    assert earlier.number not in _text(client.get(history_url, {"reporter_phone": "13707500044"}))
    assert "没有历史诉求" in _text(client.get(history_url, {"reporter_phone": "13707500044"}))
    assert "完整的11位" in _text(client.get(history_url, {"reporter_phone": "1370"}))
    assert client_for(world.cgj_handler).get(history_url).status_code == 403


# --- working days -------------------------------------------------------------------------------------------


def test_deadlines_in_working_days() -> None:
    now = timezone.now()
    due = calendar.deadline_at(now, 3)
    assert sla.working_days_text(due, now) == f"剩余 {calendar.working_days_between(now, due)} 个工作日"
    late = now - timedelta(days=10)
    days = calendar.working_days_between(late, now)
    assert sla.working_days_text(late, now) == f"超期 {days} 个工作日"
    assert days >= 5
    assert sla.working_days_text(due, now, done_at=now) == ""
    assert sla.working_days_text(None, now) == ""


def test_lists_and_detail_pages_show_working_days(world: World) -> None:
    appeal = intake(world)
    late = intake(world, text="早就该办完的事")
    Appeal.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=10))
    client = client_for(world.dispatcher)
    for page in (
        client.get(LIST),
        client.get(reverse("appeals:workbench_dispatch")),
        client.get(reverse("appeals:workbench_appeal", args=[appeal.pk])),
    ):
        assert re.search(r"剩余 \d+ 个工作日|今日到期", _text(page))
    assert re.search(
        r"超期 \d+ 个工作日", _text(client.get(reverse("appeals:workbench_appeal", args=[late.pk])))
    )
    from shuzheng.appeals.services.dispatch import appeal_dispatch

    wo = appeal_dispatch(actor=world.dispatcher, appeal=appeal, department=world.cgj)
    handler = client_for(world.cgj_handler)
    for page in (
        handler.get(reverse("appeals:workbench_orders")),
        handler.get(f"/workbench/appeals/orders/{wo.pk}/"),
    ):
        assert re.search(r"剩余 \d+ 个工作日|今日到期", _text(page))


# --- dispatch confirmation and the department picker --------------------------------------------------------


def test_a_suggestion_is_confirmed_before_the_work_order_exists(world: World) -> None:
    appeal = intake(world)
    Appeal.objects.filter(pk=appeal.pk).update(
        dispatch_suggestions=[
            {"department_id": world.cgj.pk, "department": "城管执法局", "probability": 0.61}
        ]
    )
    client = client_for(world.dispatcher)
    queue = _text(client.get(reverse("appeals:workbench_dispatch")))
    link = f"{reverse('appeals:workbench_appeal_dispatch', args=[appeal.pk])}?department={world.cgj.pk}"
    assert link in queue
    confirm = client.get(link)
    assert confirm.status_code == 200
    assert "确认派单" in _text(confirm)
    assert "城管执法局" in _text(confirm)
    assert "61%" in _text(confirm)
    assert WorkOrder.objects.count() == 0
    url = reverse("appeals:workbench_appeal_dispatch", args=[appeal.pk])
    unconfirmed = client.post(url, {"dispatch-department": world.cgj.pk})
    assert unconfirmed.status_code == 200
    assert 'name="dispatch-confirmed" value="1"' in _text(unconfirmed)
    assert WorkOrder.objects.count() == 0
    done = client.post(url, {"dispatch-department": world.cgj.pk, "dispatch-confirmed": "1"})
    assert done.status_code == 302
    assert WorkOrder.objects.get().lead_department == world.cgj


def test_the_department_picker_is_searchable(world: World) -> None:
    appeal = intake(world)
    client = client_for(world.dispatcher)
    page = _text(client.get(reverse("appeals:workbench_appeal", args=[appeal.pk])))
    assert 'list="id_dispatch-department-options"' in page
    assert f'<option value="{world.rsj.name}（{world.rsj.code}）">' in page
    url = reverse("appeals:workbench_appeal_dispatch", args=[appeal.pk])
    picked = client.post(url, {"dispatch-department": f"{world.rsj.name}（{world.rsj.code}）"})
    assert picked.status_code == 200
    assert world.rsj.name in _text(picked)
    unknown = client.post(url, {"dispatch-department": "不存在的局"})
    assert unknown.status_code == 422
    assert "请从列表中选择" in _text(unknown)
    assert WorkOrder.objects.count() == 0


# --- grid escalation ----------------------------------------------------------------------------------------


def test_escalation_moves_the_event_and_changes_the_buttons(world: World) -> None:
    client = client_for(world.grid_worker)
    assert client.post(reverse("appeals:grid_new"), report_data(world)).status_code == 302
    event = Appeal.objects.latest("id")
    assert event.status == AppealStatus.REPORTED
    page = _text(client.get(reverse("appeals:grid_event", args=[event.pk])))
    assert reverse("appeals:grid_escalate", args=[event.pk]) in page
    assert reverse("appeals:grid_self_handle", args=[event.pk]) in page
    dispatch_queue = _text(client_for(world.dispatcher).get(reverse("appeals:workbench_dispatch")))
    assert event.number not in dispatch_queue  # the worker has not handed it on yet
    assert client.post(reverse("appeals:grid_escalate", args=[event.pk])).status_code == 302
    event.refresh_from_db()
    assert event.status == AppealStatus.PENDING_DISPATCH
    [moved] = AppealEvent.objects.filter(appeal=event)
    assert (moved.from_status, moved.to_status, moved.action, moved.actor) == (
        "reported",
        "pending_dispatch",
        "escalate",
        world.grid_worker,
    )
    page = _text(client.get(reverse("appeals:grid_event", args=[event.pk])))
    assert reverse("appeals:grid_escalate", args=[event.pk]) not in page
    assert reverse("appeals:grid_self_handle", args=[event.pk]) not in page
    assert "已上报派单" in page
    assert "待派单" in page
    assert event.number in _text(client_for(world.dispatcher).get(reverse("appeals:workbench_dispatch")))
    again = client.post(reverse("appeals:grid_escalate", args=[event.pk]), follow=True)
    assert "不能上报派单" in _text(again)
    assert AppealEvent.objects.filter(appeal=event).count() == 1


def test_the_return_review_picker_is_searchable(world: World) -> None:
    from shuzheng.appeals.services.dispatch import appeal_dispatch
    from shuzheng.appeals.services.work_orders import work_order_request_return

    appeal = intake(world)
    wo = appeal_dispatch(actor=world.dispatcher, appeal=appeal, department=world.cgj)
    work_order_request_return(actor=world.cgj_handler, work_order=wo.pk, reason="不属本部门")
    client = client_for(world.dispatcher)
    page = _text(client.get(reverse("appeals:workbench_dispatch"), {"tab": "returns"}))
    assert 'list="department-options"' in page
    assert f'<option value="{world.rsj.name}（{world.rsj.code}）">' in page
    request = wo.return_requests.get()
    response = client.post(
        reverse("appeals:workbench_return_review", args=[request.pk]),
        {"decision": "approve", "department": f"{world.rsj.name}（{world.rsj.code}）"},
    )
    assert response.status_code == 302
    wo.refresh_from_db()
    assert wo.lead_department == world.rsj
