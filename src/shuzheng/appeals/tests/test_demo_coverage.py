"""Issue 9: every open appeal, work order and assisting task of the appeals demo has a demo account that
can act on it — the work's own department for department work, the dispatch centre for its queues — and
the page offers that account the action."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import OPEN_WORK_ORDER_STATUSES, AppealStatus, AssistStatus, WorkOrderStatus
from shuzheng.appeals.models import Appeal, WorkOrder, WorkOrderAssist
from shuzheng.appeals.selectors import work_orders as work_order_selectors
from shuzheng.appeals.tests.test_demo_and_training import small_demo  # noqa: F401 - the fixture
from shuzheng.identity.models import User
from shuzheng.identity.tests.conftest import login_verified

#: Who acts on a work order in each open status: the department, or the centre (return review).
DEPARTMENT_WORK = (WorkOrderStatus.DISPATCHED, WorkOrderStatus.HANDLING, WorkOrderStatus.SUPERVISED)


def _page(user: User, url: str) -> str:
    client = Client()
    login_verified(client, user)
    response = client.get(url)
    assert response.status_code == 200, (user.username, url, response.status_code)
    return response.content.decode()


def _accounts(result: dict[str, Any]) -> list[User]:
    return list(User.objects.filter(username__in=[a.username for a in result["accounts"]]))


def test_every_open_demo_work_order_has_its_own_department_handler(small_demo: Any) -> None:  # noqa: F811
    accounts = _accounts(small_demo)
    orders = list(WorkOrder.objects.filter(status__in=[*OPEN_WORK_ORDER_STATUSES, WorkOrderStatus.REPLIED]))
    assert orders
    for work_order in orders:
        # department work needs the department; a reply waits for the centre's visit; a return for its review
        wanted: set[str] = set(wf.DEPARTMENT_ACTIONS) if work_order.status in DEPARTMENT_WORK else {"visit"}
        actors = [
            (user, action)
            for user in accounts
            for action in work_order_selectors.work_order_page_actions(user=user, work_order=work_order)
            if action in wanted
        ]
        if work_order.status == WorkOrderStatus.RETURN_REQUESTED:
            centre = User.objects.get(username="dispatch01")
            queue = _page(centre, reverse("appeals:workbench_dispatch") + "?tab=returns")
            assert work_order.number in queue
            continue
        assert actors, f"{work_order.number}（{work_order.get_status_display()}）无人可办"
        user, action = actors[0]
        if action in wf.DEPARTMENT_ACTIONS:
            assert user.has_perm(wf.DEPARTMENT_PERM)
            assert work_order_selectors.department_queue(user=user, limit=100).items.count(work_order) == 1
        page = _page(user, reverse("appeals:workbench_order", args=[work_order.pk]))
        assert reverse("appeals:workbench_order_act", args=[work_order.pk, action]) in page


def test_every_open_demo_assist_and_appeal_has_an_account(small_demo: Any) -> None:  # noqa: F811
    accounts = _accounts(small_demo)
    assists = WorkOrderAssist.objects.filter(work_order__status__in=OPEN_WORK_ORDER_STATUSES).exclude(
        status=AssistStatus.REPLIED
    )
    for assist in assists:
        helpers = [
            u
            for u in accounts
            if assist
            in work_order_selectors.work_order_assists_for(user=u, work_order_id=assist.work_order_id)
        ]
        assert helpers, f"协办 {assist.department.name} 无人可办"
        page = _page(helpers[0], reverse("appeals:workbench_order", args=[assist.work_order_id]))
        assert (
            reverse("appeals:workbench_assist_act", args=[assist.work_order_id, assist.pk, "reply"]) in page
        )
    centre = User.objects.get(username="dispatch01")
    for appeal in Appeal.objects.filter(is_historical=False, status=AppealStatus.PENDING_DISPATCH):
        page = _page(centre, reverse("appeals:workbench_appeal", args=[appeal.pk]))
        assert reverse("appeals:workbench_appeal_dispatch", args=[appeal.pk]) in page
    for appeal in Appeal.objects.filter(is_historical=False, status=AppealStatus.DISPATCHED):
        assert appeal.work_order is not None
        assert appeal.work_order.status in (*OPEN_WORK_ORDER_STATUSES, WorkOrderStatus.REPLIED)
    assert not Appeal.objects.filter(is_historical=False, status=AppealStatus.REPORTED).exclude(
        created_by__username__in=[a.username for a in small_demo["accounts"]] + ["grid01"]
    )
