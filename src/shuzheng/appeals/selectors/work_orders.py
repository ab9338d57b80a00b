"""Work orders: the queues (dispatch centre, department, assists, returns, extensions, visits), the
work-order page and what its viewer may do there."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings

from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import (
    OPEN_WORK_ORDER_STATUSES,
    VISIT_REQUIRED_TYPES,
    AppealStatus,
    AssistStatus,
    RequestStatus,
    WorkOrderStatus,
)
from shuzheng.appeals.models import (
    Appeal,
    ExtensionRequest,
    ReturnRequest,
    WorkOrder,
    WorkOrderAssist,
    WorkOrderEvent,
)
from shuzheng.appeals.selectors.common import (
    QUEUE_ORDER,
    REQUEST_ORDER,
    VISIT_ORDER,
    WORK_ORDER_ORDER,
    appeal_related,
    authenticated,
    scope_for,
    sla_filter,
    work_order_related,
)
from shuzheng.core import calendar
from shuzheng.core.errors import NotFound
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.identity.scopes import data_scope_for
from shuzheng.orgs import selectors as orgs_selectors

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department


def dispatch_queue(
    *, user: Any, sla_state: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[Appeal]:
    """调度中心待派单: pending appeals (not merged) in the centre's division scope, oldest first; each row
    carries ``dispatch_suggestions`` (top-3 of the classifier) and ``merge_suggestions``."""
    scope = scope_for(user, wf.CENTRE_PERM)
    qs = scope.filter(
        Appeal.objects.filter(
            status=AppealStatus.PENDING_DISPATCH, merged_into__isnull=True, is_historical=False
        ),
        division="division",
    )
    qs = sla_filter(appeal_related(qs), sla_state)
    return keyset_page(qs, order=QUEUE_ORDER, cursor=cursor, limit=limit)


def department_queue(
    *,
    user: Any,
    status: str | None = None,
    sla_state: str | None = None,
    supervised: bool | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[WorkOrder]:
    """部门待办: open work orders whose lead department is in the user's ``handle_workorder`` scope, oldest
    dispatch first. ``status`` narrows to one status; ``sla_state`` to "warning" or "overdue"."""
    scope = scope_for(user, wf.DEPARTMENT_PERM)
    qs = (
        WorkOrder.objects.filter(status=status)
        if status
        else WorkOrder.objects.filter(status__in=OPEN_WORK_ORDER_STATUSES)
    )
    qs = scope.filter(qs, department="lead_department")
    if supervised is not None:
        qs = qs.filter(is_supervised=supervised)
    qs = sla_filter(work_order_related(qs), sla_state)
    return keyset_page(qs, order=WORK_ORDER_ORDER, cursor=cursor, limit=limit)


def work_order_list(
    *,
    user: Any,
    status: str | None = None,
    department: int | None = None,
    sla_state: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[WorkOrder]:
    """All work orders in the centre's scope (monitoring, 督办), oldest dispatch first."""
    scope = scope_for(user, wf.CENTRE_PERM)
    qs = scope.filter(WorkOrder.objects.all(), department="lead_department", division="appeal__division")
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(lead_department_id=department)
    qs = sla_filter(work_order_related(qs), sla_state)
    return keyset_page(qs, order=WORK_ORDER_ORDER, cursor=cursor, limit=limit)


def work_order_get(*, user: Any, id: int) -> WorkOrder:
    """A work order the user may see as its department (handle scope) or as the centre."""
    authenticated(user)
    qs = work_order_related(WorkOrder.objects.filter(pk=id))
    department_scope = data_scope_for(user, wf.DEPARTMENT_PERM)
    centre_scope = data_scope_for(user, wf.CENTRE_PERM)
    if not (department_scope.is_all or centre_scope.is_all):
        # (An empty Q() would vanish in an OR, so "all" is handled by not filtering at all.)
        qs = qs.filter(
            department_scope.q(department="lead_department")
            | centre_scope.q(department="lead_department", division="appeal__division")
        )
    work_order = qs.first()
    if work_order is None:
        raise NotFound("工单不存在或不在您的数据范围内")
    return work_order


def work_order_events(*, work_order: WorkOrder) -> list[WorkOrderEvent]:
    return list(work_order.events.select_related("actor", "department").order_by("occurred_at", "id"))


def work_order_appeals(*, work_order: WorkOrder) -> list[Appeal]:
    """The appeals sharing this work order (the primary first, then merged ones)."""
    return list(work_order.appeals.select_related("division").order_by("received_at", "id"))


def assist_queue(
    *, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[WorkOrderAssist]:
    scope = scope_for(user, wf.DEPARTMENT_PERM)
    qs = scope.filter(
        WorkOrderAssist.objects.filter(status__in=(AssistStatus.PENDING, AssistStatus.ACCEPTED)),
        department="department",
    ).select_related("work_order", "work_order__appeal", "department")
    return keyset_page(
        qs.exclude(work_order__status=WorkOrderStatus.CLOSED), order=("id",), cursor=cursor, limit=limit
    )


def return_request_queue(
    *, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[ReturnRequest]:
    scope = scope_for(user, wf.CENTRE_PERM)
    qs = scope.filter(
        ReturnRequest.objects.filter(status=RequestStatus.PENDING),
        department="work_order__lead_department",
        division="work_order__appeal__division",
    ).select_related("work_order", "work_order__appeal", "department", "suggested_department")
    return keyset_page(qs, order=REQUEST_ORDER, cursor=cursor, limit=limit)


def extension_request_queue(
    *, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[ExtensionRequest]:
    scope = scope_for(user, wf.CENTRE_PERM)
    qs = scope.filter(
        ExtensionRequest.objects.filter(status=RequestStatus.PENDING),
        department="work_order__lead_department",
        division="work_order__appeal__division",
    ).select_related("work_order", "work_order__appeal", "department")
    return keyset_page(qs, order=REQUEST_ORDER, cursor=cursor, limit=limit)


def visit_queue(*, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[WorkOrder]:
    """待回访: replied work orders, oldest reply first; ``visit_due`` tells when the visit is late."""
    scope = scope_for(user, wf.VISIT_PERM)
    qs = scope.filter(
        WorkOrder.objects.filter(status=WorkOrderStatus.REPLIED),
        department="lead_department",
        division="appeal__division",
    )
    return keyset_page(work_order_related(qs), order=VISIT_ORDER, cursor=cursor, limit=limit)


def visit_due(work_order: WorkOrder) -> date | None:
    """The last day of the return visit (SHUZHENG_APPEAL_VISIT_DAYS working days after the reply)."""
    if work_order.replied_at is None:
        return None
    return calendar.add_working_days(work_order.replied_at, settings.SHUZHENG_APPEAL_VISIT_DAYS)


def work_order_get_for_page(*, user: Any, id: int) -> WorkOrder:
    """A work order for its detail page: the lead department's tree, the centre, or an assisting
    department of it (which may read it to give its feedback). Anyone else: NotFound."""
    try:
        return work_order_get(user=user, id=id)
    except NotFound:
        if not work_order_assists_for(user=user, work_order_id=id):
            raise
    return work_order_related(WorkOrder.objects.filter(pk=id)).get()


def work_order_assists_for(*, user: Any, work_order_id: int) -> list[WorkOrderAssist]:
    """The assisting tasks of one work order that belong to the user's ``handle_workorder`` scope."""
    authenticated(user)
    scope = data_scope_for(user, wf.DEPARTMENT_PERM)
    if scope.is_empty:
        return []
    qs = scope.filter(WorkOrderAssist.objects.filter(work_order_id=work_order_id), department="department")
    return list(qs.select_related("department").order_by("id"))


#: Actions offered on the work-order page, in the order they are shown.
PAGE_ACTIONS = (
    wf.WorkOrderAction.ACCEPT,
    wf.WorkOrderAction.REPLY,
    wf.WorkOrderAction.FORWARD,
    wf.WorkOrderAction.REQUEST_RETURN,
    "request_extension",
    wf.WorkOrderAction.REASSIGN,
    "visit",
    wf.WorkOrderAction.CLOSE,
    wf.WorkOrderAction.REMIND,
    wf.WorkOrderAction.SUPERVISE,
)


def work_order_page_actions(*, user: Any, work_order: WorkOrder) -> list[str]:
    """What this user may do on this work order now: the workflow table for its status, the
    permission of each action and the user's scope (the lead department's tree for department actions,
    the centre's scope for the others). ``request_extension`` and ``visit`` stand for the extension
    request and the return visit (whose outcome picks the workflow action)."""
    authenticated(user)
    status = work_order.status

    def in_scope(perm: str, department_only: bool) -> bool:
        if not user.has_perm(perm):
            return False
        scope = data_scope_for(user, perm)
        qs = WorkOrder.objects.filter(pk=work_order.pk)
        if department_only:
            return scope.filter(qs, department="lead_department").exists()
        return scope.filter(qs, department="lead_department", division="appeal__division").exists()

    cache: dict[tuple[str, bool], bool] = {}

    def may(perm: str, department_only: bool) -> bool:
        key = (perm, department_only)
        if key not in cache:
            cache[key] = in_scope(perm, department_only)
        return cache[key]

    found: list[str] = []
    for action in PAGE_ACTIONS:
        if action == "request_extension":
            allowed = status in (WorkOrderStatus.HANDLING, WorkOrderStatus.SUPERVISED) and may(
                wf.DEPARTMENT_PERM, True
            )
            allowed = (
                allowed and not work_order.extension_requests.filter(status=RequestStatus.PENDING).exists()
            )
        elif action == "visit":
            allowed = status == WorkOrderStatus.REPLIED and may(wf.VISIT_PERM, False)
        else:
            perm = wf.ACTION_PERMS[action]
            allowed = wf.WORK_ORDER_TRANSITIONS.target(status, action) is not None and may(
                perm, action in wf.DEPARTMENT_ACTIONS
            )
            if action == wf.WorkOrderAction.CLOSE:
                allowed = allowed and work_order.appeal_type not in VISIT_REQUIRED_TYPES
        if allowed:
            found.append(str(action))
    return found


def forward_targets(*, work_order: WorkOrder) -> list[Department]:
    """Active subordinate units of the lead department (下转 goes only there)."""
    lead = work_order.lead_department
    return list(orgs_selectors.department_queryset(under=lead.path).exclude(pk=lead.pk).order_by("path"))
