"""The staff member's to-do on the workbench home page: how many items wait in each queue they work.

Each count comes from the owning context's selector, with the same scope and filters as the list it
links to, so a click shows exactly what was counted. Queues are keyset-paginated without COUNT, so a
count reads at most CAP rows and shows "99+" beyond.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from shuzheng.appeals.constants import AppealStatus, ArticleStatus
from shuzheng.appeals.selectors import grid as grid_selectors
from shuzheng.appeals.selectors import knowledge as kb_selectors
from shuzheng.appeals.selectors import work_orders as work_order_selectors
from shuzheng.cases import selectors as cases_selectors
from shuzheng.cases.constants import DeadlineState
from shuzheng.core.notifications import unread_count
from shuzheng.core.pagination import Page
from shuzheng.datahub.constants import SharingRequestStatus
from shuzheng.datahub.selectors import sharing as datahub_sharing_selectors
from shuzheng.evaluation import selectors as evaluation_selectors
from shuzheng.evaluation.constants import DisputeStatus

CAP = 99


@dataclass(frozen=True)
class TodoItem:
    label: str
    count: int
    more: bool  # more than CAP
    url: str
    tone: str = ""  # "warning" or "overdue": shown in colour and words

    @property
    def shown(self) -> str:
        return f"{CAP}+" if self.more else str(self.count)


@dataclass(frozen=True)
class TodoSource:
    label: str
    perm: str | None  # None: every staff member
    url_name: str
    query: str
    page: Callable[[Any], Page[Any]]
    tone: str = ""


def _cases(**filters: Any) -> Callable[[Any], Page[Any]]:
    return lambda user: cases_selectors.case_queue(user=user, limit=CAP, **filters)


def _orders(**filters: Any) -> Callable[[Any], Page[Any]]:
    return lambda user: work_order_selectors.department_queue(user=user, limit=CAP, **filters)


def _rectifications(**filters: Any) -> Callable[[Any], Page[Any]]:
    return lambda user: evaluation_selectors.rectification_list(
        user=user, filters=evaluation_selectors.RectificationFilters(**filters), limit=CAP
    )


SOURCES: tuple[TodoSource, ...] = (
    TodoSource("待办办件", "cases.view_case", "cases:queue", "", _cases()),
    TodoSource(
        "办件即将到期",
        "cases.view_case",
        "cases:queue",
        "?state=warning",
        _cases(state=DeadlineState.WARNING),
        tone="warning",
    ),
    TodoSource(
        "办件已超期",
        "cases.view_case",
        "cases:queue",
        "?state=overdue",
        _cases(state=DeadlineState.OVERDUE),
        tone="overdue",
    ),
    TodoSource(
        "待派单诉求",
        "appeals.dispatch_appeal",
        "appeals:workbench_dispatch",
        "",
        lambda user: work_order_selectors.dispatch_queue(user=user, limit=CAP),
    ),
    TodoSource(
        "网格员待处置的事件",
        "appeals.report_grid_event",
        "appeals:grid_list",
        f"?status={AppealStatus.REPORTED}",
        lambda user: grid_selectors.my_grid_events(user=user, status=AppealStatus.REPORTED, limit=CAP),
    ),
    TodoSource("部门待办工单", "appeals.handle_workorder", "appeals:workbench_orders", "", _orders()),
    TodoSource(
        "工单即将超时",
        "appeals.handle_workorder",
        "appeals:workbench_orders",
        "?sla=warning",
        _orders(sla_state="warning"),
        tone="warning",
    ),
    TodoSource(
        "工单已超时",
        "appeals.handle_workorder",
        "appeals:workbench_orders",
        "?sla=overdue",
        _orders(sla_state="overdue"),
        tone="overdue",
    ),
    TodoSource(
        "待审核知识条目",
        "appeals.review_knowledgearticle",
        "appeals:kb_list",
        f"?status={ArticleStatus.IN_REVIEW}",
        lambda user: kb_selectors.article_list(user=user, status=ArticleStatus.IN_REVIEW, limit=CAP),
    ),
    TodoSource(
        "未完成的差评整改",
        "evaluation.view_rectification",
        "evaluation:rectification_list",
        "?state=open",
        _rectifications(state="open"),
    ),
    TodoSource(
        "差评整改已超期",
        "evaluation.view_rectification",
        "evaluation:rectification_list",
        "?state=open&overdue=on",
        _rectifications(state="open", overdue=True),
        tone="overdue",
    ),
    TodoSource(
        "待复核的评价申诉",
        "evaluation.view_evaluationappeal",
        "evaluation:dispute_list",
        f"?status={DisputeStatus.PENDING}",
        lambda user: evaluation_selectors.dispute_list(user=user, status=DisputeStatus.PENDING, limit=CAP),
    ),
    TodoSource(
        "待我部门审批的共享申请",
        "datahub.decide_sharingrequest",
        "datahub:wb_sharing",
        f"?role=received&status={SharingRequestStatus.PENDING}",
        lambda user: datahub_sharing_selectors.request_list(
            user=user, role="received", status=SharingRequestStatus.PENDING, limit=CAP
        ),
    ),
)


def todo_items(*, user: Any) -> list[TodoItem]:
    """The queues this staff member works, with their counts; unread notifications last."""
    items = []
    for source in SOURCES:
        if source.perm and not user.has_perm(source.perm):
            continue
        page = source.page(user)
        url = reverse(source.url_name) + source.query
        items.append(TodoItem(source.label, len(page.items), page.next_cursor is not None, url, source.tone))
    unread = unread_count(recipient=user)
    items.append(TodoItem("未读通知", min(unread, CAP), unread > CAP, reverse("web:workbench_notifications")))
    return items
